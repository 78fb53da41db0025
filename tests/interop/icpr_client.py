#!/usr/bin/python3
"""Enrolls over MS-ICPR with Debian's python3-impacket: the independent client.

impacket 0.10.0 has no ICertPassage module, so CertServerRequest is declared
here from the IDL (MS-ICPR 3.2.4.1.1) with impacket's own NDR classes and
wcce_ndr's CERTTRANSBLOB. The endpoint mapper is asked for the ICertPassage
port first, as real clients do.

Prints one JSON object on stdout: the outcome, or {"error": "..."} when the
bind or the call failed (exit code 0 either way; 2 for usage errors).
Runs under /usr/bin/python3: Debian's impacket is not visible to other builds.
"""
import sys

from impacket.dcerpc.v5 import epm, transport
from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, ULONG
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.dcerpc.v5.rpcrt import (RPC_C_AUTHN_GSS_NEGOTIATE, RPC_C_AUTHN_LEVEL_CONNECT,
                                      RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                      RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
from impacket.uuid import uuidtup_to_bin

from wcce_ndr import (CERTTRANSBLOB, CR_IN_PKCS10, argument_parser, blob, blob_bytes,
                      enrollment_outcome, print_outcome, template_attributes, use_ccache)

MSRPC_UUID_ICPR = uuidtup_to_bin(('91ae6020-9e3c-11cf-8d7c-00aa00c091be', '0.0'))


class CertServerRequest(NDRCALL):
    opnum = 0
    structure = (
        ('dwFlags', DWORD),
        ('pwszAuthority', LPWSTR),
        ('pdwRequestId', DWORD),
        ('pctbAttribs', CERTTRANSBLOB),
        ('pctbRequest', CERTTRANSBLOB),
    )


class CertServerRequestResponse(NDRCALL):
    structure = (
        ('pdwRequestId', DWORD),
        ('pdwDisposition', ULONG),
        ('pctbCert', CERTTRANSBLOB),
        ('pctbEncodedCert', CERTTRANSBLOB),
        ('pctbDispositionMessage', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


def main():
    p = argument_parser(__doc__)
    p.add_argument('--epm-port', type=int, required=True)
    p.add_argument('--level', choices=['privacy', 'integrity', 'connect', 'none'], default='privacy')
    p.add_argument('--authority', default='openadcs-CA')
    p.add_argument('--csr', help='DER PKCS#10 file; omit to retrieve --request-id')
    args = p.parse_args()

    out = {}
    try:
        # Unauthenticated endpoint-mapper lookup, as impacket-based tools do.
        epm_transport = transport.DCERPCTransportFactory(
            'ncacn_ip_tcp:%s[%d]' % (args.host, args.epm_port))
        epm_dce = epm_transport.get_dce_rpc()
        epm_dce.connect()
        binding = epm.hept_map(args.host, MSRPC_UUID_ICPR, protocol='ncacn_ip_tcp', dce=epm_dce)
        epm_dce.disconnect()
        out['binding'] = binding

        rpc_transport = transport.DCERPCTransportFactory(binding)
        if args.level != 'none':
            rpc_transport.set_credentials(args.user, args.password, args.domain)
        if args.kerberos:
            use_ccache(args.ccache)
            rpc_transport.setRemoteName(args.kerberos)
            rpc_transport.set_kerberos(True, args.kdc)
        dce = rpc_transport.get_dce_rpc()
        if args.kerberos:
            dce.set_auth_type(RPC_C_AUTHN_GSS_NEGOTIATE)
        if args.level != 'none':
            dce.set_auth_level({'privacy': RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                                'integrity': RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                'connect': RPC_C_AUTHN_LEVEL_CONNECT}[args.level])
        dce.connect()
        dce.bind(MSRPC_UUID_ICPR)

        req = CertServerRequest()
        req['pwszAuthority'] = args.authority + '\x00'
        if args.csr:
            with open(args.csr, 'rb') as f:
                csr = f.read()
            req['dwFlags'] = CR_IN_PKCS10
            req['pdwRequestId'] = 0
            attrs = template_attributes(args.template)
            req['pctbAttribs'] = blob((attrs + '\x00').encode('utf-16-le'))
            req['pctbRequest'] = blob(csr)
        else:
            req['dwFlags'] = 0
            req['pdwRequestId'] = args.request_id
            req['pctbAttribs'] = blob(b'')
            req['pctbRequest'] = blob(b'')
        resp = dce.request(req, checkError=False)
        out.update(enrollment_outcome(resp, blob_bytes(resp['pctbCert'])))
        dce.disconnect()
    except Exception as e:  # every failure (bind refused, fault, socket) is an outcome to report
        out['error'] = str(e)
    return print_outcome(out)


if __name__ == '__main__':
    sys.exit(main())
