#!/usr/bin/python3
"""Drives ICertRequestD/ICertRequestD2 over DCOM with Debian's python3-impacket.

impacket activates the object (DCOMConnection with the OXID resolver,
CoCreateInstanceEx of CCertRequestD asking ICertRequestD2, always on port
135) and calls it through the returned INTERFACE. impacket 0.10.0 has no
MS-WCCE module, so the methods are declared here from the IDL (MS-WCCE 6)
with impacket's NDR classes and wcce_ndr's CERTTRANSBLOB; ORPCTHIS/ORPCTHAT
are impacket's.

One action per run (see --help); prints one JSON object on stdout: the
outcome, or {"error": "..."} when a step failed (exit code 0 either way; 2
for usage errors). Runs under /usr/bin/python3: Debian's impacket is not
visible to other builds.
"""
import base64
import os
import subprocess
import sys
import tempfile

from impacket.dcerpc.v5.dcomrt import DCOMConnection, ORPCTHAT, ORPCTHIS
from impacket.dcerpc.v5.dtypes import DWORD, LONG, LPWSTR, NULL, ULONG
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.uuid import bin_to_string, string_to_bin, uuidtup_to_bin
from pyasn1.codec.der import decoder

from wcce_ndr import (CERTTRANSBLOB, CR_IN_PKCS10, argument_parser, blob, blob_bytes,
                      enrollment_outcome, print_outcome, release, template_attributes,
                      use_ccache, use_kerberos_names)

CLSID_CCertRequestD = string_to_bin('d99e6e74-fc88-11d0-b498-00a0c90312f3')
IID_ICertRequestD = uuidtup_to_bin(('d99e6e70-fc88-11d0-b498-00a0c90312f3', '0.0'))
IID_ICertRequestD2 = uuidtup_to_bin(('5422fd3a-d4b8-4cef-a12e-e87d4ca22e90', '0.0'))

CR_IN_FULLRESPONSE = 0x40000
OID_CMC_STATUS_INFO = '1.3.6.1.5.5.7.7.1'
OID_CMC_STATUS_INFO_V2 = '1.3.6.1.5.5.7.7.25'
OID_PKI_RESPONSE = '1.3.6.1.5.5.7.12.3'


class Request(NDRCALL):
    opnum = 3
    structure = (
        ('ORPCthis', ORPCTHIS),
        ('dwFlags', DWORD),
        ('pwszAuthority', LPWSTR),
        ('pdwRequestId', DWORD),
        ('pwszAttributes', LPWSTR),
        ('pctbRequest', CERTTRANSBLOB),
    )


class RequestResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pdwRequestId', DWORD),
        ('pdwDisposition', ULONG),
        ('pctbCertChain', CERTTRANSBLOB),
        ('pctbEncodedCert', CERTTRANSBLOB),
        ('pctbDispositionMessage', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class Request2(NDRCALL):
    opnum = 6
    structure = (
        ('ORPCthis', ORPCTHIS),
        ('pwszAuthority', LPWSTR),
        ('dwFlags', DWORD),
        ('pwszSerialNumber', LPWSTR),
        ('pdwRequestId', DWORD),
        ('pwszAttributes', LPWSTR),
        ('pctbRequest', CERTTRANSBLOB),
    )


class Request2Response(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pdwRequestId', DWORD),
        ('pdwDisposition', ULONG),
        ('pctbFullResponse', CERTTRANSBLOB),
        ('pctbEncodedCert', CERTTRANSBLOB),
        ('pctbDispositionMessage', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class GetCACert(NDRCALL):
    opnum = 4
    structure = (
        ('ORPCthis', ORPCTHIS),
        ('fchain', DWORD),
        ('pwszAuthority', LPWSTR),
    )


class GetCACertResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pctbOut', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class GetCAProperty(NDRCALL):
    opnum = 7
    structure = (
        ('ORPCthis', ORPCTHIS),
        ('pwszAuthority', LPWSTR),
        ('PropID', LONG),
        ('PropIndex', LONG),
        ('PropType', LONG),
    )


class Ping2(NDRCALL):
    opnum = 9
    structure = (
        ('ORPCthis', ORPCTHIS),
        ('pwszAuthority', LPWSTR),
    )


class Ping2Response(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('ErrorCode', ULONG),
    )


# impacket finds a response class by the request class's name + 'Response'.
GetCAPropertyResponse = GetCACertResponse


def wstr(s):
    return (s + '\x00') if s else NULL


def call(iface, req):
    """One call on the interface; the PDU's object UUID is its IPID."""
    req['ORPCthis'] = iface.get_cinstance().get_ORPCthis()
    req['ORPCthis']['flags'] = 0
    iface.connect(IID_ICertRequestD2)
    return iface.get_dce_rpc().request(req, uuid=iface.get_iPid(), checkError=False)


def cmc_status(full_response, ca_pem_path):
    """Verifies the CA's signature on the CMC response; returns its status."""
    with tempfile.TemporaryDirectory() as d:
        der = os.path.join(d, 'resp.der')
        content = os.path.join(d, 'content.der')
        with open(der, 'wb') as f:
            f.write(full_response)
        r = subprocess.run(['openssl', 'cms', '-verify', '-inform', 'DER', '-in', der, '-binary',
                            '-CAfile', ca_pem_path, '-purpose', 'any', '-out', content],
                           capture_output=True, text=True, timeout=30)
        out = {'cms_verified': r.returncode == 0}
        if r.returncode != 0:
            out['cms_error'] = r.stderr.strip()
            return out
        r = subprocess.run(['openssl', 'cms', '-cmsout', '-print', '-inform', 'DER', '-in', der],
                           capture_output=True, text=True, timeout=30)
        out['econtent_type_ok'] = ('eContentType: ' + OID_PKI_RESPONSE) in r.stdout or \
            'id-cct-PKIResponse' in r.stdout
        with open(content, 'rb') as f:
            pki_response, _ = decoder.decode(f.read())
    # PKIResponse ::= SEQUENCE { controlSequence SEQUENCE OF TaggedAttribute, ... }
    for attr in pki_response[0]:
        oid = str(attr[1])
        if oid not in (OID_CMC_STATUS_INFO, OID_CMC_STATUS_INFO_V2):
            continue
        status_info = attr[2][0]
        out['cmc_status'] = int(status_info[0])
        for i in range(2, len(status_info)):
            item = status_info[i]
            # pendInfo ::= SEQUENCE { pendToken OCTET STRING, pendTime GeneralizedTime }
            if hasattr(item, '__len__') and len(item) == 2 and \
                    item[0].__class__.__name__ == 'OctetString':
                out['pend_token'] = bytes(item[0]).hex()
        break
    return out


def main():
    p = argument_parser(__doc__)
    p.add_argument('action', choices=['request', 'request2', 'retrieve', 'ca-cert', 'ca-property',
                                      'release-then-call', 'abandon', 'fault-then-ca-cert'])
    p.add_argument('--authority', default='')
    p.add_argument('--csr', help='DER PKCS#10 file')
    p.add_argument('--full-response', action='store_true', help='Request2 with FULLRESPONSE')
    p.add_argument('--ca-pem', help='CA certificate to verify a CMC response with')
    p.add_argument('--prop-id', type=lambda s: int(s, 0), default=0x1d)
    p.add_argument('--prop-type', type=int, default=4)
    p.add_argument('--no-release', action='store_true')
    args = p.parse_args()

    out = {}
    dcom = None
    try:
        if args.kerberos:
            use_ccache(args.ccache)
            use_kerberos_names(args.kerberos)
        dcom = DCOMConnection(args.host, args.user, args.password, args.domain, oxidResolver=True,
                              doKerberos=bool(args.kerberos), kdcHost=args.kdc)
        iface = dcom.CoCreateInstanceEx(CLSID_CCertRequestD, IID_ICertRequestD2)
        out['ipid'] = bin_to_string(iface.get_iPid())
        out['oxid'] = iface.get_oxid()
        authority = wstr(args.authority)
        if args.action in ('request', 'retrieve'):
            req = Request()
            req['pwszAuthority'] = authority
            if args.action == 'request':
                with open(args.csr, 'rb') as f:
                    csr = f.read()
                req['dwFlags'] = CR_IN_PKCS10
                req['pdwRequestId'] = 0
                req['pwszAttributes'] = wstr(template_attributes(args.template))
                req['pctbRequest'] = blob(csr)
            else:
                req['dwFlags'] = 0
                req['pdwRequestId'] = args.request_id
                req['pwszAttributes'] = NULL
                req['pctbRequest'] = blob(b'')
            resp = call(iface, req)
            chain = blob_bytes(resp['pctbCertChain'])
        elif args.action == 'request2':
            req = Request2()
            req['pwszAuthority'] = authority
            req['dwFlags'] = CR_IN_PKCS10 | (CR_IN_FULLRESPONSE if args.full_response else 0)
            req['pwszSerialNumber'] = NULL
            req['pdwRequestId'] = 0
            req['pwszAttributes'] = wstr(template_attributes(args.template))
            with open(args.csr, 'rb') as f:
                req['pctbRequest'] = blob(f.read())
            resp = call(iface, req)
            chain = blob_bytes(resp['pctbFullResponse'])
            if args.full_response and chain and args.ca_pem:
                out.update(cmc_status(chain, args.ca_pem))
        if args.action in ('request', 'retrieve', 'request2'):
            out.update(enrollment_outcome(resp, chain))
        elif args.action in ('ca-cert', 'fault-then-ca-cert'):
            if args.action == 'fault-then-ca-cert':
                # An opnum the interface lacks: a fault on the sealed
                # connection, which must leave it usable for the next call.
                bad = GetCACert()
                bad.opnum = 99
                bad['fchain'] = 0
                bad['pwszAuthority'] = authority
                try:
                    call(iface, bad)
                    out['first'] = 'answered'
                except Exception as e:  # the expected outcome: a fault
                    out['first'] = 'fault: %s' % e
            req = GetCACert()
            req['fchain'] = 0
            req['pwszAuthority'] = authority
            resp = call(iface, req)
            out['return'] = resp['ErrorCode']
            out['blob'] = base64.b64encode(blob_bytes(resp['pctbOut'])).decode()
        elif args.action == 'ca-property':
            req = GetCAProperty()
            req['pwszAuthority'] = authority
            req['PropID'] = args.prop_id
            req['PropIndex'] = 0
            req['PropType'] = args.prop_type
            resp = call(iface, req)
            out['return'] = resp['ErrorCode']
            value = blob_bytes(resp['pctbOut'])
            out['blob'] = base64.b64encode(value).decode()
            if args.prop_type == 4:
                out['text'] = value.decode('utf-16-le').rstrip('\x00')
        elif args.action == 'release-then-call':
            out['released'] = release(iface)
            req = Ping2()
            req['pwszAuthority'] = authority
            try:
                resp = call(iface, req)
                out['after_release'] = 'answered 0x%08x' % resp['ErrorCode']
            except Exception as e:  # the expected outcome: a fault
                out['after_release'] = 'fault: %s' % e
        # 'abandon': the client vanishes with no RemRelease, and no pings follow.
        if args.action not in ('abandon', 'release-then-call') and not args.no_release:
            out['released'] = release(iface)
    except Exception as e:  # every failure (bind refused, fault, socket) is an outcome to report
        out['error'] = str(e)
    finally:
        if dcom is not None:
            try:
                dcom.disconnect()
            except Exception:  # the outcome is already recorded
                pass
    return print_outcome(out)


if __name__ == '__main__':
    sys.exit(main())
