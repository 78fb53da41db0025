#!/usr/bin/python3
"""Times enrollments by Debian's python3-impacket against a running openadcsd,
over ICertPassage (--protocol icpr) or DCOM's ICertRequestD2::Request
(--protocol dcom): the latency an impacket-based tool sees.

For each --csr: --count enrollments each on connections of their own (for
icpr the endpoint-mapper lookup, a connection, an NTLM bind at privacy, one
CertServerRequest and the close; for dcom the activation through port 135,
the object's connection and bind, one Request, RemRelease and the close), as
a tool that enrolls once per run does; then --count on one kept connection
(one activated object for dcom). Prints the median and the maximum time of
the call, and for connections of their own also from the first connection to
the response. Every request must be issued (disposition 3), or it exits 1.

Waits up to --wait seconds for the endpoint mapper to accept, so that it can
start right after the daemon. Runs under /usr/bin/python3: Debian's impacket
is not visible to other builds. A recipe is in docs/performance.md ("ACKs for
bytes that get no answer yet").
"""
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                                'interop'))

from impacket.dcerpc.v5 import epm, transport  # noqa: E402
from impacket.dcerpc.v5.dcomrt import DCOMConnection  # noqa: E402
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY  # noqa: E402

import dcom_client  # noqa: E402
from icpr_client import MSRPC_UUID_ICPR, CertServerRequest  # noqa: E402
from wcce_ndr import CR_IN_PKCS10, argument_parser, blob, release, template_attributes  # noqa: E402

ISSUED = 3


def wait_for_port(host, port, seconds):
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling interval


class Icpr:
    """ICertPassage: a binding found through the endpoint mapper, bound."""

    def __init__(self, args):
        lookup = transport.DCERPCTransportFactory('ncacn_ip_tcp:%s[%d]' %
                                                  (args.host, args.epm_port))
        epm_dce = lookup.get_dce_rpc()
        epm_dce.connect()
        binding = epm.hept_map(args.host, MSRPC_UUID_ICPR, protocol='ncacn_ip_tcp', dce=epm_dce)
        epm_dce.disconnect()
        rpc = transport.DCERPCTransportFactory(binding)
        rpc.set_credentials(args.user, args.password, args.domain)
        self.dce = rpc.get_dce_rpc()
        self.dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        self.dce.connect()
        self.dce.bind(MSRPC_UUID_ICPR)

    def request(self, args, csr):
        req = CertServerRequest()
        req['dwFlags'] = CR_IN_PKCS10
        req['pwszAuthority'] = args.authority + '\x00'
        req['pdwRequestId'] = 0
        req['pctbAttribs'] = blob((template_attributes(args.template) + '\x00').encode('utf-16-le'))
        req['pctbRequest'] = blob(csr)
        return self.dce.request(req, checkError=False)

    def close(self):
        self.dce.disconnect()


class Dcom:
    """ICertRequestD2 on an object activated through port 135."""

    def __init__(self, args):
        self.connection = DCOMConnection(args.host, args.user, args.password, args.domain,
                                         oxidResolver=True)
        self.iface = self.connection.CoCreateInstanceEx(dcom_client.CLSID_CCertRequestD,
                                                        dcom_client.IID_ICertRequestD2)

    def request(self, args, csr):
        req = dcom_client.Request()
        req['dwFlags'] = CR_IN_PKCS10
        req['pwszAuthority'] = args.authority + '\x00'
        req['pdwRequestId'] = 0
        req['pwszAttributes'] = template_attributes(args.template) + '\x00'
        req['pctbRequest'] = blob(csr)
        return dcom_client.call(self.iface, req)

    def close(self):
        release(self.iface)
        self.connection.disconnect()


def enroll(client, args, csr):
    """One request; returns its duration in seconds."""
    start = time.perf_counter()
    resp = client.request(args, csr)
    took = time.perf_counter() - start
    if resp['pdwDisposition'] != ISSUED:
        sys.exit('not issued: disposition 0x%x' % resp['pdwDisposition'])
    return took


def ms(values):
    return 'median %.1f ms, max %.1f ms' % (statistics.median(values) * 1e3, max(values) * 1e3)


def main():
    p = argument_parser(__doc__)
    p.add_argument('--protocol', choices=['icpr', 'dcom'], default='icpr')
    p.add_argument('--epm-port', type=int, default=135, help='for icpr; dcom uses 135')
    p.add_argument('--authority', default='openadcs Root CA')
    p.add_argument('--csr', action='append', required=True, help='DER PKCS#10 file; repeatable')
    p.add_argument('--count', type=int, default=20)
    p.add_argument('--wait', type=float, default=10, help='seconds to wait for the daemon')
    p.set_defaults(template='AutoIssueSubject')
    args = p.parse_args()
    # The shared parser's other options are the interop clients'.
    if args.kerberos or args.request_id:
        p.error('NTLM and new requests only: no --kerberos, --request-id')
    client_type = Icpr if args.protocol == 'icpr' else Dcom
    wait_for_port(args.host, args.epm_port if args.protocol == 'icpr' else 135, args.wait)
    for path in args.csr:
        with open(path, 'rb') as f:
            csr = f.read()
        name = '%s %s (%d bytes)' % (args.protocol, os.path.basename(path), len(csr))
        calls, wholes = [], []
        for _ in range(args.count):
            start = time.perf_counter()
            client = client_type(args)
            calls.append(enroll(client, args, csr))
            wholes.append(time.perf_counter() - start)
            client.close()
        print('%s, connections of their own: call %s; first connection to response %s' %
              (name, ms(calls), ms(wholes)))
        client = client_type(args)
        kept = [enroll(client, args, csr) for _ in range(args.count)]
        client.close()
        print('%s, one kept connection: call %s' % (name, ms(kept)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
