"""What the impacket clients (icpr_client.py, dcom_client.py, admin_client.py) share.

impacket 0.10.0 has no MS-WCCE module, so CERTTRANSBLOB (MS-WCCE 2.2.2.2) is
declared here with impacket's NDR classes, with the helpers to fill and read
one. The clients also share their options, the RemRelease that ends a DCOM
client's run, and their output: one JSON object on stdout, the outcome or
{"error": "..."}, exit code 0 either way.

Imported as a sibling: the clients run as scripts, so their directory is on
sys.path.
"""
import argparse
import base64
import json
import os
import sys

from impacket.dcerpc.v5.dcomrt import OBJREF_STANDARD, REMINTERFACEREF, RemRelease
from impacket.dcerpc.v5.dtypes import NULL, PBYTE, ULONG
from impacket.dcerpc.v5.ndr import NDRSTRUCT
from impacket.uuid import uuidtup_to_bin

# MS-WCCE 3.2.1.4.2.1 dwFlags: the request is a DER PKCS#10.
CR_IN_PKCS10 = 0x100
IID_IRemUnknown2 = uuidtup_to_bin(('00000143-0000-0000-c000-000000000046', '0.0'))


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


def connection_options():
    """The options naming the host and the account, as a parent parser
    (argparse `parents=`) for clients whose actions are subcommands."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--domain', default='')
    p.add_argument('--user', default='')
    p.add_argument('--password', default='')
    # Kerberos through SPNEGO (auth type 9, all impacket speaks) to
    # host/<--kerberos>, while still dialling --host (the service name needs
    # no DNS). impacket 0.10's own TGS-REQ lacks the authenticator checksum
    # Samba's KDC requires, so the service ticket comes from a ccache
    # (--ccache, filled by MIT's kinit and kvno); --kdc serves the rest.
    p.add_argument('--kerberos', metavar='FQDN', default='',
                   help='authenticate with Kerberos to host/FQDN')
    p.add_argument('--ccache', default='', help='the ccache holding the ticket')
    p.add_argument('--kdc', default='127.0.0.1')
    return p


def use_ccache(path):
    """impacket reads its ccache from KRB5CCNAME only."""
    if path:
        os.environ['KRB5CCNAME'] = path


def use_kerberos_names(fqdn):
    """Makes every transport impacket creates from now on ask for a ticket
    to host/`fqdn` while it connects to the address it was given: impacket
    takes the service name from the transport's remote name."""
    from impacket.dcerpc.v5 import transport
    factory = transport.DCERPCTransportFactory

    def named(stringbinding):
        t = factory(stringbinding)
        t.setRemoteName(fqdn)
        return t
    transport.DCERPCTransportFactory = named


def argument_parser(description):
    """A parser with the options every client takes: the host, the account,
    the template to enroll on and the request to retrieve."""
    p = argparse.ArgumentParser(description=description, parents=[connection_options()])
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


def release(iface):
    """RemRelease of every public reference the activation of `iface` (an
    impacket dcomrt INTERFACE) gave; returns the call's HRESULT."""
    refs = OBJREF_STANDARD(iface.get_objRef())['std']['cPublicRefs']
    req = RemRelease()
    req['ORPCthis'] = iface.get_cinstance().get_ORPCthis()
    req['ORPCthis']['flags'] = 0
    req['cInterfaceRefs'] = 1
    ref = REMINTERFACEREF()
    ref['ipid'] = iface.get_iPid()
    ref['cPublicRefs'] = refs
    ref['cPrivateRefs'] = 0
    req['InterfaceRefs'].append(ref)
    resp = iface.request(req, IID_IRemUnknown2, iface.get_ipidRemUnknown())
    return resp['ErrorCode']


def print_outcome(out):
    """Prints the JSON line the tests read; returns the exit code, 0."""
    json.dump(out, sys.stdout, default=str)
    print()
    return 0
