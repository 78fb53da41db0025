#!/usr/bin/python3
"""Kerberos material a KDC would not hand out, for the refusal tests.

expire: copies a ccache, rewriting the service ticket for --service (its
    enc-part decrypted and re-encrypted with the service key from --keytab)
    so that it ended hours ago. Only the ticket changes: the client side's
    copy of the times stays, so the client presents it.
rekey: copies a keytab with every key replaced by other bytes of the same
    length: the right principals, key versions and enctypes, the wrong keys.

Prints one JSON line: {"error": ""} or the error.
"""
import argparse
import datetime
import json
import os
import sys

from pyasn1.codec.der import decoder, encoder
from impacket.krb5.asn1 import EncTicketPart, Ticket
from impacket.krb5.ccache import CCache
from impacket.krb5.crypto import Key, _enctype_table
from impacket.krb5.keytab import Keytab
from impacket.krb5.types import KerberosTime

# RFC 4120 7.5.1: the key usage of a ticket's enc-part.
TICKET_KEY_USAGE = 2


def service_key(keytab, etype, kvno):
    for entry in keytab.entries:
        block = entry.main_part["keyblock"]
        if block["keytype"] == etype and entry.kvno == kvno:
            return Key(etype, block["keyvalue"]["data"])
    raise ValueError("the keytab has no key of enctype %d, kvno %d" % (etype, kvno))


def expire(args):
    keytab = Keytab.loadFile(args.keytab)
    cache = CCache.loadFile(args.ccache)
    wanted = args.service.lower()
    for cred in cache.credentials:
        server = cred["server"].prettyPrint().decode().lower()
        if server.split("@")[0] != wanted:
            continue
        ticket = decoder.decode(cred.ticket["data"], asn1Spec=Ticket())[0]
        etype = int(ticket["enc-part"]["etype"])
        key = service_key(keytab, etype, int(ticket["enc-part"]["kvno"]))
        cipher = _enctype_table[etype]
        plain = cipher.decrypt(key, TICKET_KEY_USAGE, bytes(ticket["enc-part"]["cipher"]))
        part = decoder.decode(plain, asn1Spec=EncTicketPart())[0]
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        part["authtime"] = KerberosTime.to_asn1(now - datetime.timedelta(hours=3))
        part["starttime"] = KerberosTime.to_asn1(now - datetime.timedelta(hours=3))
        part["endtime"] = KerberosTime.to_asn1(now - datetime.timedelta(hours=2))
        if part["renew-till"].hasValue():
            part["renew-till"] = KerberosTime.to_asn1(now - datetime.timedelta(hours=2))
        ticket["enc-part"]["cipher"] = cipher.encrypt(key, TICKET_KEY_USAGE, encoder.encode(part),
                                                      None)
        data = encoder.encode(ticket)
        cred.ticket["data"] = data
        cred.ticket["length"] = len(data)
        cache.saveFile(args.out)
        return
    raise ValueError("no ticket for %s in %s" % (args.service, args.ccache))


def rekey(args):
    keytab = Keytab.loadFile(args.keytab)
    for entry in keytab.entries:
        value = entry.main_part["keyblock"]["keyvalue"]
        value["data"] = os.urandom(len(value["data"]))
    keytab.saveFile(args.out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["expire", "rekey"])
    parser.add_argument("--keytab", required=True)
    parser.add_argument("--ccache")
    parser.add_argument("--service")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    try:
        if args.mode == "expire":
            expire(args)
        else:
            rekey(args)
    except Exception as e:  # noqa: BLE001 - reported to the test as JSON
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
        return 1
    print(json.dumps({"error": ""}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
