#!/usr/bin/python3
"""Times enrollments over ICertPassage by Debian's python3-impacket against a
running openadcsd: the latency an impacket-based tool sees.

For each --csr: --count enrollments each on a connection of its own (the
endpoint-mapper lookup, a connection, an NTLM bind at privacy, one
CertServerRequest, the close), as a tool that enrolls once per run does; then
--count on one kept connection. Prints the median and the maximum time of the
call, and for the connection of its own also from the lookup to the response.
Every request must be issued (disposition 3), or it exits 1.

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
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY  # noqa: E402

from icpr_client import MSRPC_UUID_ICPR, CertServerRequest  # noqa: E402
from wcce_ndr import CR_IN_PKCS10, argument_parser, blob, template_attributes  # noqa: E402

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


def bind(args):
    """The ICertPassage binding after an endpoint-mapper lookup, bound."""
    lookup = transport.DCERPCTransportFactory('ncacn_ip_tcp:%s[%d]' % (args.host, args.epm_port))
    epm_dce = lookup.get_dce_rpc()
    epm_dce.connect()
    binding = epm.hept_map(args.host, MSRPC_UUID_ICPR, protocol='ncacn_ip_tcp', dce=epm_dce)
    epm_dce.disconnect()
    rpc = transport.DCERPCTransportFactory(binding)
    rpc.set_credentials(args.user, args.password, args.domain)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(MSRPC_UUID_ICPR)
    return dce


def enroll(dce, args, csr):
    """One CertServerRequest; returns its duration in seconds."""
    req = CertServerRequest()
    req['dwFlags'] = CR_IN_PKCS10
    req['pwszAuthority'] = args.authority + '\x00'
    req['pdwRequestId'] = 0
    req['pctbAttribs'] = blob((template_attributes(args.template) + '\x00').encode('utf-16-le'))
    req['pctbRequest'] = blob(csr)
    start = time.perf_counter()
    resp = dce.request(req, checkError=False)
    took = time.perf_counter() - start
    if resp['pdwDisposition'] != ISSUED:
        sys.exit('not issued: disposition 0x%x' % resp['pdwDisposition'])
    return took


def ms(values):
    return 'median %.1f ms, max %.1f ms' % (statistics.median(values) * 1e3, max(values) * 1e3)


def main():
    p = argument_parser(__doc__)
    p.add_argument('--epm-port', type=int, default=135)
    p.add_argument('--authority', default='openadcs Root CA')
    p.set_defaults(template='AutoIssueSubject')
    p.add_argument('--csr', action='append', required=True, help='DER PKCS#10 file; repeatable')
    p.add_argument('--count', type=int, default=20)
    p.add_argument('--wait', type=float, default=10, help='seconds to wait for the daemon')
    args = p.parse_args()
    wait_for_port(args.host, args.epm_port, args.wait)
    for path in args.csr:
        with open(path, 'rb') as f:
            csr = f.read()
        calls, wholes = [], []
        for _ in range(args.count):
            start = time.perf_counter()
            dce = bind(args)
            calls.append(enroll(dce, args, csr))
            wholes.append(time.perf_counter() - start)
            dce.disconnect()
        print('%s (%d bytes), a connection each: call %s; lookup to response %s' %
              (os.path.basename(path), len(csr), ms(calls), ms(wholes)))
        dce = bind(args)
        kept = [enroll(dce, args, csr) for _ in range(args.count)]
        dce.disconnect()
        print('%s (%d bytes), one kept connection: call %s' %
              (os.path.basename(path), len(csr), ms(kept)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
