"""What the impacket clients (icpr_client.py, dcom_client.py) share.

impacket 0.10.0 has no MS-WCCE module, so CERTTRANSBLOB (MS-WCCE 2.2.2.2) is
declared here with impacket's NDR classes, with the helpers to fill and read
one. The clients also share their options and their output: one JSON object
on stdout, the outcome or {"error": "..."}, exit code 0 either way.

Imported as a sibling: the clients run as scripts, so their directory is on
sys.path.
"""
import argparse
import base64
import json
import sys

from impacket.dcerpc.v5.dtypes import NULL, PBYTE, ULONG
from impacket.dcerpc.v5.ndr import NDRSTRUCT

# MS-WCCE 3.2.1.4.2.1 dwFlags: the request is a DER PKCS#10.
CR_IN_PKCS10 = 0x100


class CERTTRANSBLOB(NDRSTRUCT):
    structure = (
        ('cb', ULONG),
        ('pb', PBYTE),
    )


def blob(data):
    b = CERTTRANSBLOB()
    b['cb'] = len(data)
    b['pb'] = list(data) if data else NULL
    return b


def blob_bytes(b):
    if b['cb'] == 0 or b['pb'] in (None, NULL):
        return b''
    return b''.join(x if isinstance(x, bytes) else bytes([x]) for x in b['pb'])


def template_attributes(template):
    """The request attributes naming `template`; '' for none."""
    return ('CertificateTemplate:%s' % template) if template else ''


def argument_parser(description):
    """A parser with the options every client takes: the host, the account,
    the template to enroll on and the request to retrieve."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--domain', default='')
    p.add_argument('--user', default='')
    p.add_argument('--password', default='')
    p.add_argument('--template', default='')
    p.add_argument('--request-id', type=int, default=0)
    return p


def enrollment_outcome(resp, chain):
    """The outcome of a request or retrieval: ICertPassage's and
    ICertRequestD's responses name these fields alike; `chain` is the blob
    that differs (the chain or the full response)."""
    message = blob_bytes(resp['pctbDispositionMessage'])
    return {
        'return': resp['ErrorCode'],
        'request_id': resp['pdwRequestId'],
        'disposition': resp['pdwDisposition'],
        'certificate': base64.b64encode(blob_bytes(resp['pctbEncodedCert'])).decode(),
        'chain': base64.b64encode(chain).decode(),
        'message': message.decode('utf-16-le').rstrip('\x00') if message else '',
    }


def print_outcome(out):
    """Prints the JSON line the tests read; returns the exit code, 0."""
    json.dump(out, sys.stdout, default=str)
    print()
    return 0
