"""impacket's NTLM client side, driven line by line by impacket_interop_test.

Usage: impacket_ntlm_client.py DOMAIN USER PASSWORD PDUS

stdout: the NEGOTIATE (hex); reads the CHALLENGE (hex) from stdin; writes the
AUTHENTICATE (hex); then PDUS client PDUs sealed as impacket's DCE/RPC
transport seals them, one a line: "<plain pdu hex> <sealed pdu hex> <stub
offset> <stub length> <signature hex>". Then it reads PDUS server PDUs in the
same form (plain field "-") and answers each with "ok <plain pdu hex>" when
the signature verifies, else "bad".
"""
import sys

from Cryptodome.Cipher import ARC4
from impacket import ntlm


def main():
    domain, user, password, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    type1 = ntlm.getNTLMSSPType1('', '', signingRequired=True)
    print(type1.getData().hex(), flush=True)
    challenge = bytes.fromhex(sys.stdin.readline().strip())
    type3, session_key = ntlm.getNTLMSSPType3(type1, challenge, user, password, domain)
    print(type3.getData().hex(), flush=True)

    flags = type3['flags']
    client_sign = ntlm.SIGNKEY(flags, session_key, 'Client')
    client_seal = ARC4.new(ntlm.SEALKEY(flags, session_key, 'Client')).encrypt
    server_sign = ntlm.SIGNKEY(flags, session_key, 'Server')
    server_seal = ARC4.new(ntlm.SEALKEY(flags, session_key, 'Server')).encrypt

    for seq in range(count):
        header = bytes((seq * 3 + i) & 0xff for i in range(16))
        stub = bytes((seq + i * 5) & 0xff for i in range(24 + seq * 8))
        trailer = bytes([10, 6, 0, 0, 0, 0, 0, 0])
        plain = header + stub + trailer
        sealed, signature = ntlm.SEAL(flags, client_sign, None, plain, stub, seq, client_seal)
        wire = header + sealed + trailer
        print(plain.hex(), wire.hex(), len(header), len(stub), signature.getData().hex(),
              flush=True)

    for seq in range(count):
        _, wire_hex, offset, length, signature_hex = sys.stdin.readline().split()
        wire, offset, length = bytearray.fromhex(wire_hex), int(offset), int(length)
        wire[offset:offset + length] = server_seal(bytes(wire[offset:offset + length]))
        expected = ntlm.MAC(flags, server_seal, server_sign, seq, bytes(wire)).getData()
        if expected.hex() == signature_hex:
            print('ok', bytes(wire).hex(), flush=True)
        else:
            print('bad', flush=True)


if __name__ == '__main__':
    main()
