#!/usr/bin/python3
"""Drives ICertAdminD/ICertAdminD2 (MS-CSRA) over DCOM with Debian's python3-impacket.

impacket activates CCertAdminD (DCOMConnection with the OXID resolver,
CoCreateInstanceEx asking ICertAdminD2, always on port 135; NTLM at packet
privacy, which MS-CSRA admin calls require) and calls it through the
returned INTERFACE; ICertAdminD2 inherits ICertAdminD, so every method goes
through that one binding. The methods are declared in csra_ndr.py from the
IDL; impacket 0.10.0 has no MS-CSRA module.

    admin_client.py ACTION [OPERANDS] --authority CA --domain D --user U --password P [--host H]
    admin_client.py --self-test

One action per run on one connection (a RemRelease ends it unless
--no-release). Actions (see ACTION --help for each one's options):
  pending                  the pending requests: OpenView restricted to
                           Request.Disposition = 9, EnumView to the end marker,
                           CloseView
  view --columns A,B [--restrict NAME<op>VALUE ...] [--sort NAME:asc|desc]
                           the same for any query; op is = < <= >= >
  set-extension ID OID --string S | --long N | --binary HEX | --date ISO
                           [--critical] [--disabled]
  set-attributes ID NAME:VALUE ...
  approve ID | deny ID     ResubmitRequest | DenyRequest
  revoke SERIAL [--reason N] [--when ISO] | is-valid SERIAL
  publish-crl [--next-update ISO] | get-crl [--ca-pem FILE]
  publish-crls --flags N [--next-update ISO]    PublishCRLs (1 base, 2 delta, 0x10 republish)
  roles | get-security | set-security --sd-b64 B64 | ping | server-state
  get-officer-rights | set-officer-rights [--allow O:R ...] [--deny O:R ...] [--disable]
                           O and R are SIDs; the descriptor is built with
                           impacket's ldaptypes (MS-CSRA 2.2.1.11)
  ca-property [--prop-id N] [--prop-type N] [--prop-index N]
  extensions ID | attributes ID      EnumAttributesOrExtensions
  import-cert --cert-b64 B64 [--flags N]   ImportCertificate
  delete-row [ID] [--table N] [--flags N] [--before ISO]   DeleteRow
  flow ID OID VALUE        the officer half of MS-CERSOD 3.5 in one
                           connection: OpenView (pending), ID listed?,
                           SetExtension(ID, OID, STRING VALUE),
                           ResubmitRequest(ID), CloseView
A scenario that needs several calls on one object is an action of its own
(flow) rather than a list of steps, so each test is a single argv.

Columns are found by name in what EnumViewColumn (EnumViewColumnTable for
--table crl) returns, never by a hard-coded id, as MS-CSRA clients do; a
number (0x1009) names a column id directly, to send one the server did not
list. Rows are numbered from --ielt (default 1): MS-CSRA leaves the base of
ielt open, and certutil -view numbers its rows from 1.

Prints one JSON object on stdout: "ipid", "oxid", the action's outcome,
"calls" (every call in order: {"method", "return": HRESULT} or {"method",
"error"}; view calls add "ielt" and "fetched"), "released" (RemRelease's
HRESULT), and "error" when a call faulted, failed where the action cannot go
on, or returned a malformed blob. Exit code 0 either way; 2 for usage errors.
HRESULTs and dispositions are unsigned integers. The outcome:
  pending, view   column_count, open_view, close_view, rows ([{"row_id",
                  "columns": {NAME: value}}]: LONG an int, DATE ISO 8601 UTC,
                  BINARY hex, STRING text, no value null), row_count, total
                  (the end marker's count), request_ids ("5,7")
  flow            the same, then listed, set_extension, resubmit, disposition
  approve         return, disposition      is-valid  return, disposition, reason
  set-extension   return, value (hex of the blob sent)
  get-crl         return, crl (base64 DER), revoked_serials ("1A2B,..."), and
                  with --ca-pem crl_verified (and crl_error when false)
  roles           return, roles, role_names ("officer,read")
  get-security    return, sd (base64)      server-state  return, state
  get-officer-rights  return, enabled, sd and agent_sd (base64; empty: disabled)
  set-officer-rights  return, sd (base64, what was sent)
  ping            ping, ping2              ca-property   return, blob, text
  extensions      return, count, extensions ([{"name", "flags", "critical",
                  "disabled", "origin", "value" (hex)}]), values ({OID: hex})
  attributes      return, count, attributes ([{"name", "value"}]), values
  import-cert     return, request_id       delete-row    return, deleted
  the others      return
--self-test checks the NDR encoding and the blob parsers offline and prints
{"ok": true}.
Runs under /usr/bin/python3: Debian's impacket is not visible to other builds.
"""
import argparse
import base64
import contextlib
import os
import re
import struct
import subprocess
import sys
import tempfile

from impacket.dcerpc.v5.dcomrt import ORPCTHIS, DCOMConnection
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY
from impacket.uuid import bin_to_string

from csra_ndr import (CLSID_CCertAdminD, COLUMN_INDEXED, DB_DISP_PENDING, ENUM_ATTRIBUTES,
                      ENUM_EXTENSIONS, ERROR_ARITHMETIC_OVERFLOW, EXTENSION_CRITICAL,
                      EXTENSION_DISABLED, IID_ICertAdminD2, PROPTYPE_BINARY, PROPTYPE_DATE,
                      PROPTYPE_LONG, PROPTYPE_NAMES, PROPTYPE_STRING, ROLES, SEEK_OPERATORS,
                      SORT_ORDERS, TABLE_CRL, TABLE_REQUEST, BlobError, CloseView, DeleteRow,
                      DenyRequest, ImportCertificate,
                      EnumAttributesOrExtensions, EnumView, EnumViewColumn, EnumViewColumnTable,
                      GetCAProperty, GetCASecurity, GetCRL, GetMyRoles, GetOfficerRights,
                      GetServerState,
                      EnumViewColumnResponse, HresultResponse, IsValidCertificate, OpenView,
                      OpenViewResponse, Ping, Ping2, PublishCRL, PublishCRLs, ResubmitRequest,
                      ResubmitRequestResponse, RevokeCertificate, SetAttributes, SetCAProperty,
                      SetCASecurity, SetExtension, SetOfficerRights, decode_value, encode_value,
                      filetime, filetime_from_text, officer_rights_sd, split_officer_rights,
                      filetime_to_iso, parse_attributes, parse_columns, parse_extensions,
                      parse_result_rows, restriction)
from wcce_ndr import blob, blob_bytes, connection_options, print_outcome, release

# Columns per EnumViewColumn call.
COLUMN_PAGE = 50
PENDING_COLUMNS = ('Request.RequestID', 'Request.RequesterName', 'Request.Disposition')
# Added to the pending view when the server lists it.
PENDING_OPTIONAL_COLUMNS = ('Request.CommonName', 'CertificateTemplate')
REQUEST_ID_COLUMN = 'Request.RequestID'


class CallFailed(Exception):
    """A call whose HRESULT leaves the action nothing to go on with."""

    def __init__(self, method, hresult):
        super().__init__('%s returned 0x%08x' % (method, hresult))


def wstr(s):
    return (s + '\x00') if s else NULL


class Session:
    """One activated CCertAdminD and the authority every call names; keeps
    each call's method and HRESULT in `calls`, in order."""

    def __init__(self, iface, authority):
        self.iface = iface
        self.authority = authority
        self.calls = []

    def call(self, method, **params):
        """Calls `method` (a csra_ndr request class) with `params`; returns
        the response, whatever its HRESULT. Faults raise."""
        req = method()
        req['ORPCthis'] = self.iface.get_cinstance().get_ORPCthis()
        req['ORPCthis']['flags'] = 0
        req['pwszAuthority'] = wstr(self.authority)
        for name, value in params.items():
            req[name] = value
        record = {'method': method.__name__}
        self.calls.append(record)
        try:
            self.iface.connect(IID_ICertAdminD2)
            resp = self.iface.get_dce_rpc().request(req, uuid=self.iface.get_iPid(),
                                                    checkError=False)
        except Exception as e:
            record['error'] = str(e)
            raise
        record['return'] = resp['ErrorCode']
        return resp


# --- Views ---------------------------------------------------------------------

def list_columns(session, table):
    """Every column of `table`, as EnumViewColumn (the Request table) or
    EnumViewColumnTable describes it, asked for a page at a time."""
    columns = []
    while True:
        if table == TABLE_REQUEST:
            resp = session.call(EnumViewColumn, iColumn=len(columns), cColumn=COLUMN_PAGE)
        else:
            resp = session.call(EnumViewColumnTable, iTable=table, iColumn=len(columns),
                                cColumn=COLUMN_PAGE)
        hr = resp['ErrorCode']
        # Asking from just past the last column is how a full last page ends.
        if hr == ERROR_ARITHMETIC_OVERFLOW and columns:
            return columns
        if hr:
            raise CallFailed(session.calls[-1]['method'], hr)
        page = parse_columns(blob_bytes(resp['pctbColumnInfo']), resp['pcColumn'])
        columns += page
        if len(page) < COLUMN_PAGE:
            return columns


def column_named(columns, name):
    """The column called `name` (case-insensitive, as Windows compares
    them), or for a number a LONG column with that id."""
    for c in columns:
        if c['name'].lower() == name.lower():
            return c
    if re.fullmatch(r'0x[0-9a-fA-F]+|[0-9]+', name):
        return {'name': name, 'index': int(name, 0), 'type': PROPTYPE_LONG}
    raise LookupError('no column %s among the %d the server listed' % (name, len(columns)))


@contextlib.contextmanager
def open_view(session, out, restrictions, column_ids, ielt, celt):
    """OpenView; yields its response, and CloseView once done with it."""
    resp = session.call(OpenView, ccvr=len(restrictions), acvr=restrictions,
                        ccolOut=len(column_ids), acolOut=column_ids, ielt=ielt, celt=celt)
    out['open_view'] = resp['ErrorCode']
    if resp['ErrorCode']:
        raise CallFailed('OpenView', resp['ErrorCode'])
    try:
        yield resp
    finally:
        out['close_view'] = session.call(CloseView)['ErrorCode']


def read_rows(session, first, ielt, celt):
    """The rows of OpenView's response `first`, then EnumView's from the
    next row on until the end marker. Returns (rows, total)."""
    rows, total = parse_result_rows(blob_bytes(first['pctbResultRows']), first['pceltFetched'])
    session.calls[-1].update(ielt=ielt, fetched=first['pceltFetched'])  # OpenView's record
    while total is None:
        resp = session.call(EnumView, ielt=ielt + len(rows), celt=celt)
        session.calls[-1].update(ielt=ielt + len(rows), fetched=resp['pceltFetched'])
        if resp['ErrorCode']:
            raise CallFailed('EnumView', resp['ErrorCode'])
        more, total = parse_result_rows(blob_bytes(resp['pctbResultRows']), resp['pceltFetched'])
        if not more and total is None:
            raise ValueError('EnumView returned neither rows nor the end marker')
        rows += more
    return rows, total


def view_outcome(rows, total, columns):
    """The rows as JSON, values named by column, and the request ids as one
    comma-separated string, easy to match in a test."""
    names = {c['index']: c['name'] for c in columns}
    listed = [{'row_id': r['row_id'],
               'columns': {names.get(index, '0x%x' % index): value
                           for index, _, value in r['values']}} for r in rows]
    ids = [row['columns'][REQUEST_ID_COLUMN] for row in listed
           if REQUEST_ID_COLUMN in row['columns']]
    return {'rows': listed, 'row_count': len(rows), 'total': total,
            'request_ids': ','.join(str(i) for i in ids)}


def pending_query(columns, disposition):
    """The pending view's restrictions and output column ids."""
    wanted = list(PENDING_COLUMNS) + [name for name in PENDING_OPTIONAL_COLUMNS
                                      if any(c['name'].lower() == name.lower() for c in columns)]
    ids = [column_named(columns, name)['index'] for name in wanted]
    column = column_named(columns, 'Request.Disposition')
    restrictions = [restriction(column['index'], SEEK_OPERATORS['='], SORT_ORDERS['none'],
                                struct.pack('<l', disposition))]
    return restrictions, ids


def view_query(columns, args):
    """The restrictions and output column ids `view`'s options ask for."""
    restrictions = []
    unsorted = args.sort
    for name, op, text in args.restrict:
        column = column_named(columns, name)
        sort = 'none'
        # Only one restriction may carry a sort order (MS-CSRA 3.1.4.1.12).
        if unsorted and unsorted[0].lower() == name.lower():
            sort, unsorted = unsorted[1], None
        restrictions.append(restriction(column['index'], SEEK_OPERATORS[op], SORT_ORDERS[sort],
                                        encode_value(column['type'], text)))
    ids = [column_named(columns, name)['index'] for name in args.columns]
    return restrictions, ids


def run_view(session, out, table, args, query):
    """Lists the columns, builds the query with query(columns), and reads
    the whole view into `out`."""
    columns = list_columns(session, table)
    out['column_count'] = len(columns)
    restrictions, ids = query(columns)
    with open_view(session, out, restrictions, ids, args.ielt, args.page) as first:
        rows, total = read_rows(session, first, args.ielt, args.page)
    out.update(view_outcome(rows, total, columns))


# --- Actions -------------------------------------------------------------------

def pending(session, args, out):
    run_view(session, out, TABLE_REQUEST, args,
             lambda columns: pending_query(columns, args.disposition))


def view(session, args, out):
    table = TABLE_CRL if args.table == 'crl' else TABLE_REQUEST
    run_view(session, out, table, args, lambda columns: view_query(columns, args))


def set_extension(session, args, out):
    proptype, text = args.value
    value = encode_value(proptype, text)
    flags = (EXTENSION_CRITICAL if args.critical else 0) | \
        (EXTENSION_DISABLED if args.disabled else 0)
    resp = session.call(SetExtension, dwRequestId=args.id, pwszExtensionName=wstr(args.oid),
                        dwType=proptype, dwFlags=flags, pctbValue=blob(value))
    out['return'] = resp['ErrorCode']
    out['value'] = value.hex()


def set_attributes(session, args, out):
    resp = session.call(SetAttributes, dwRequestId=args.id,
                        pwszAttributes=wstr('\n'.join(args.attributes)))
    out['return'] = resp['ErrorCode']


def approve(session, args, out):
    resp = session.call(ResubmitRequest, dwRequestId=args.id)
    out['return'] = resp['ErrorCode']
    out['disposition'] = resp['pdwDisposition']


def deny(session, args, out):
    out['return'] = session.call(DenyRequest, dwRequestId=args.id)['ErrorCode']


def revoke(session, args, out):
    resp = session.call(RevokeCertificate, pwszSerialNumber=wstr(args.serial), Reason=args.reason,
                        FileTime=filetime(filetime_from_text(args.when)))
    out['return'] = resp['ErrorCode']


def is_valid(session, args, out):
    resp = session.call(IsValidCertificate, pSerialNumber=wstr(args.serial))
    out['return'] = resp['ErrorCode']
    out['disposition'] = resp['pDisposition']
    out['reason'] = resp['pRevocationReason']


def publish_crl(session, args, out):
    resp = session.call(PublishCRL, FileTime=filetime(filetime_from_text(args.next_update)))
    out['return'] = resp['ErrorCode']


def publish_crls(session, args, out):
    resp = session.call(PublishCRLs, FileTime=filetime(filetime_from_text(args.next_update)),
                        Flags=args.flags)
    out['return'] = resp['ErrorCode']


def crl_facts(der, ca_pem):
    """The serials `der` (a CRL) lists, as openssl prints them, and with
    `ca_pem` whether the CA's signature on it verifies."""
    out = {}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'crl.der')
        with open(path, 'wb') as f:
            f.write(der)
        r = subprocess.run(['openssl', 'crl', '-inform', 'DER', '-in', path, '-noout', '-text'],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            return {'crl_error': r.stderr.strip()}
        out['revoked_serials'] = ','.join(re.findall(r'Serial Number: ([0-9A-Fa-f]+)', r.stdout))
        if ca_pem:
            r = subprocess.run(['openssl', 'crl', '-inform', 'DER', '-in', path, '-noout',
                                '-CAfile', ca_pem], capture_output=True, text=True, timeout=30)
            # openssl 3 exits 0 on a failed verification too; only its message tells.
            out['crl_verified'] = r.returncode == 0 and 'verify OK' in r.stderr
            if not out['crl_verified']:
                out['crl_error'] = (r.stderr + r.stdout).strip()
    return out


def get_crl(session, args, out):
    resp = session.call(GetCRL)
    out['return'] = resp['ErrorCode']
    der = blob_bytes(resp['pctbCRL'])
    out['crl'] = base64.b64encode(der).decode()
    if der:
        out.update(crl_facts(der, args.ca_pem))


def roles(session, args, out):
    resp = session.call(GetMyRoles)
    out['return'] = resp['ErrorCode']
    out['roles'] = resp['pdwRoles']
    out['role_names'] = ','.join(name for bit, name in sorted(ROLES.items())
                                 if resp['pdwRoles'] & bit)


def get_security(session, args, out):
    resp = session.call(GetCASecurity)
    out['return'] = resp['ErrorCode']
    out['sd'] = base64.b64encode(blob_bytes(resp['pctbSD'])).decode()


def set_security(session, args, out):
    out['return'] = session.call(SetCASecurity, pctbSD=blob(args.sd_b64))['ErrorCode']


def import_cert(session, args, out):
    resp = session.call(ImportCertificate, pctbCertificate=blob(args.cert_b64),
                        dwFlags=args.flags)
    out['return'] = resp['ErrorCode']
    out['request_id'] = resp['pdwRequestId']


def delete_row(session, args, out):
    resp = session.call(DeleteRow, dwFlags=args.flags, dwTable=args.table, dwRowId=args.id,
                        FileTime=filetime(filetime_from_text(args.before)))
    out['return'] = resp['ErrorCode']
    out['deleted'] = resp['pcDeleted']


def get_officer_rights(session, args, out):
    resp = session.call(GetOfficerRights)
    out['return'] = resp['ErrorCode']
    out['enabled'] = resp['pfEnabled']
    officer, agent = split_officer_rights(resp['pfEnabled'], blob_bytes(resp['pctbSD']))
    out['sd'] = base64.b64encode(officer).decode()
    out['agent_sd'] = base64.b64encode(agent).decode()


def set_officer_rights(session, args, out):
    entries = []
    for allow, pairs in ((False, args.deny), (True, args.allow)):
        for pair in pairs:
            officer, _, requester = pair.partition(':')
            entries.append((allow, officer, [requester]))
    sd = b'' if args.disable else officer_rights_sd(entries)
    out['sd'] = base64.b64encode(sd).decode()
    out['return'] = session.call(SetOfficerRights, fEnable=0 if args.disable else 1,
                                 pctbSD=blob(sd))['ErrorCode']


def ping(session, args, out):
    out['ping'] = session.call(Ping)['ErrorCode']
    out['ping2'] = session.call(Ping2)['ErrorCode']


def server_state(session, args, out):
    resp = session.call(GetServerState)
    out['return'] = resp['ErrorCode']
    out['state'] = resp['pdwState']


def ca_property(session, args, out):
    resp = session.call(GetCAProperty, PropId=args.prop_id, PropIndex=args.prop_index,
                        PropType=args.prop_type)
    out['return'] = resp['ErrorCode']
    value = blob_bytes(resp['pctbPropertyValue'])
    out['blob'] = base64.b64encode(value).decode()
    if args.prop_type == PROPTYPE_STRING:
        out['text'] = value.decode('utf-16-le').rstrip('\x00')


def set_ca_property(session, args, out):
    """SetCAProperty with a PROPTYPE_STRING value: args.text, UTF-16LE with its NUL."""
    value = (args.text + '\x00').encode('utf-16-le')
    out['return'] = session.call(SetCAProperty, PropId=args.prop_id, PropIndex=args.prop_index,
                                 PropType=args.prop_type, pctbPropertyValue=blob(value))['ErrorCode']


def enumerate_entries(session, args, out, key, flags, parse):
    """EnumAttributesOrExtensions for request args.id, args.page entries a
    call, each next call from the last name on, until a short page; the
    entries go to out[key] and, name -> value, out['values']."""
    entries = []
    last = NULL
    while True:
        resp = session.call(EnumAttributesOrExtensions, RowId=args.id, Flags=flags,
                            pwszLast=last, celt=args.page)
        out['return'] = resp['ErrorCode']
        if resp['ErrorCode']:
            break
        page = parse(blob_bytes(resp['pctbOut']), resp['pceltFetched'])
        entries += page
        if len(page) < args.page:
            break
        last = wstr(page[-1]['name'])
    out[key] = entries
    out['count'] = len(entries)
    out['values'] = {e['name']: e['value'] for e in entries}


def extensions(session, args, out):
    enumerate_entries(session, args, out, 'extensions', ENUM_EXTENSIONS, parse_extensions)


def attributes(session, args, out):
    enumerate_entries(session, args, out, 'attributes', ENUM_ATTRIBUTES, parse_attributes)


def flow(session, args, out):
    """MS-CERSOD 3.5 C: the view stays open while the officer acts on the
    request, and is closed last."""
    columns = list_columns(session, TABLE_REQUEST)
    restrictions, ids = pending_query(columns, args.disposition)
    with open_view(session, out, restrictions, ids, args.ielt, args.page) as first:
        rows, total = read_rows(session, first, args.ielt, args.page)
        out.update(view_outcome(rows, total, columns))
        out['listed'] = any(row['columns'].get(REQUEST_ID_COLUMN) == args.id
                            for row in out['rows'])
        if not out['listed']:
            return
        resp = session.call(SetExtension, dwRequestId=args.id, pwszExtensionName=wstr(args.oid),
                            dwType=PROPTYPE_STRING, dwFlags=0,
                            pctbValue=blob(encode_value(PROPTYPE_STRING, args.value)))
        out['set_extension'] = resp['ErrorCode']
        if resp['ErrorCode']:
            return
        resp = session.call(ResubmitRequest, dwRequestId=args.id)
        out['resubmit'] = resp['ErrorCode']
        out['disposition'] = resp['pdwDisposition']


# --- Self-test -----------------------------------------------------------------

class _Stub:
    """Expected NDR octets, built by hand; alignment padding matches any
    byte, as NDR leaves its value open."""

    def __init__(self, data=b''):
        self.data = bytearray(data)
        self.padding = set()

    def add(self, data):
        self.data += data
        return self

    def align(self):
        while len(self.data) % 4:
            self.padding.add(len(self.data))
            self.data.append(0)
        return self

    def wstring(self, text):
        """A [string] wchar_t* referent: max count, offset, actual count,
        the UTF-16LE characters with their NUL."""
        chars = (text + '\x00').encode('utf-16-le')
        return self.add(struct.pack('<3L', len(chars) // 2, 0, len(chars) // 2) + chars)

    def check(self, data):
        masked = bytes(b if i not in self.padding else self.data[i] for i, b in enumerate(data))
        assert masked == bytes(self.data), '\n%s\n%s' % (data.hex(), self.data.hex())


def _orpcthis():
    orpc = ORPCTHIS()
    orpc['cid'] = b'\x11' * 16
    orpc['extensions'] = NULL
    return orpc


def _expect_blob_error(parse, *args):
    try:
        parse(*args)
    except BlobError:
        return
    raise AssertionError('%s accepted a malformed blob' % parse.__name__)


def _self_test_open_view():
    """OpenView's request stub, as NDR lays it out by hand, and its response."""
    values = [encode_value(PROPTYPE_STRING, 'a'), b'', encode_value(PROPTYPE_LONG, '9')]
    restrictions = [restriction(0x1011, SEEK_OPERATORS['>='], SORT_ORDERS['asc'], values[0]),
                    restriction(0x1012, SEEK_OPERATORS['='], SORT_ORDERS['none'], values[1]),
                    restriction(0x1009, SEEK_OPERATORS['='], SORT_ORDERS['none'], values[2])]
    req = OpenView()
    req['ORPCthis'] = _orpcthis()
    req['pwszAuthority'] = wstr('CA')
    req['ccvr'] = 3
    req['acvr'] = restrictions
    req['ccolOut'] = 2
    req['acolOut'] = [0x1000, 0x1009]
    req['ielt'] = 1
    req['celt'] = 100
    data = req.getData()
    # A NULL pointer (impacket's NDRPOINTERNULL) has no ReferentID field: 0.
    refs = [r.fields['pbValue'].fields.get('ReferentID', 0) for r in restrictions]
    assert refs[0] and refs[2] and refs[1] == 0, refs
    orpc = struct.pack('<HHLL', 5, 7, 0, 0) + b'\x11' * 16 + struct.pack('<L', 0)
    expected = _Stub(orpc).add(struct.pack('<L', req.fields['pwszAuthority']['ReferentID']))
    expected.wstring('CA').align().add(struct.pack('<L', 3))
    # acvr: max count, the three structs, then the non-NULL pbValue referents.
    expected.add(struct.pack('<L', 3))
    for r, ref, value in zip(restrictions, refs, values):
        expected.add(struct.pack('<LllLL', r['ColumnIndex'], r['SeekOperator'], r['SortOrder'],
                                 ref, len(value)))
    expected.add(struct.pack('<L', 4) + b'a\x00\x00\x00')
    expected.add(struct.pack('<L', 4) + b'\x09\x00\x00\x00')
    expected.add(struct.pack('<L', 2) + struct.pack('<3L', 2, 0x1000, 0x1009))
    expected.add(struct.pack('<LL', 1, 100)).check(data)

    rows = struct.pack('<3L', 2, 0xFFFFFFFD, 12)
    stub = struct.pack('<LL', 0, 0)                      # ORPCTHAT: flags, no extensions
    stub += struct.pack('<L', 0)                          # pceltFetched
    stub += struct.pack('<LL', len(rows), 0x20000)        # pctbResultRows: cb, pb
    stub += struct.pack('<L', len(rows)) + rows           # pb's referent
    stub += struct.pack('<L', 0x80070057)                 # the HRESULT
    resp = OpenViewResponse(stub)
    assert resp['pceltFetched'] == 0 and resp['ErrorCode'] == 0x80070057
    assert parse_result_rows(blob_bytes(resp['pctbResultRows']), 0) == ([], 2)


def _self_test_other_requests():
    """The stub tails that carry SetExtension's value and a FILETIME."""
    req = SetExtension()
    req['ORPCthis'] = _orpcthis()
    req['pwszAuthority'] = wstr('CA')
    req['dwRequestId'] = 7
    req['pwszExtensionName'] = wstr('1.2.3.4')
    req['dwType'] = PROPTYPE_STRING
    req['dwFlags'] = EXTENSION_CRITICAL
    req['pctbValue'] = blob(encode_value(PROPTYPE_STRING, 'ab'))
    data = req.getData()
    ref = req.fields['pctbValue'].fields['pb']['ReferentID']
    assert data.endswith(struct.pack('<LLLLL', PROPTYPE_STRING, EXTENSION_CRITICAL, 6, ref, 6)
                         + b'a\x00b\x00\x00\x00'), data.hex()

    req = RevokeCertificate()
    req['ORPCthis'] = _orpcthis()
    req['pwszAuthority'] = wstr('CA')
    req['pwszSerialNumber'] = wstr('0a1b')
    req['Reason'] = 0xFFFFFFFF
    req['FileTime'] = filetime(filetime_from_text('2000-01-01T00:00:00Z'))
    data = req.getData()
    expected = _Stub(data[:32]).add(struct.pack('<L', req.fields['pwszAuthority']['ReferentID']))
    expected.wstring('CA').align()
    expected.add(struct.pack('<L', req.fields['pwszSerialNumber']['ReferentID']))
    expected.wstring('0a1b').align().add(struct.pack('<LQ', 0xFFFFFFFF, 125911584000000000))
    expected.check(data)

    # DeleteRow: dwFlags, FILETIME (two DWORDs), dwTable, dwRowId after the head.
    req = DeleteRow()
    req['ORPCthis'] = _orpcthis()
    req['pwszAuthority'] = wstr('CA')
    req['dwFlags'] = 1
    req['FileTime'] = filetime(125911584000000000)
    req['dwTable'] = 0x5000
    req['dwRowId'] = 0
    data = req.getData()
    assert data.endswith(struct.pack('<LQLL', 1, 125911584000000000, 0x5000, 0)), data.hex()

    # ImportCertificate: the CERTTRANSBLOB inline (cb, pb pointer) with pb's
    # bytes (a parameter's deferred pointees precede the next parameter),
    # then dwFlags.
    req = ImportCertificate()
    req['ORPCthis'] = _orpcthis()
    req['pwszAuthority'] = wstr('CA')
    req['pctbCertificate'] = blob(b'\x30\x00')
    req['dwFlags'] = 0x10000
    data = req.getData()
    ref = req.fields['pctbCertificate'].fields['pb']['ReferentID']
    expected = _Stub(data[:-20]).add(struct.pack('<LLL', 2, ref, 2) + b'\x30\x00').align()
    expected.add(struct.pack('<L', 0x10000)).check(data)

    req = PublishCRLs()
    req['ORPCthis'] = _orpcthis()
    req['pwszAuthority'] = wstr('CA')
    req['FileTime'] = filetime(125911584000000000)
    req['Flags'] = 3
    assert req.getData().endswith(struct.pack('<QL', 125911584000000000, 3)), req.getData().hex()


def _self_test_values():
    assert encode_value(PROPTYPE_STRING, 'ab') == b'a\x00b\x00\x00\x00'
    assert encode_value(PROPTYPE_LONG, '9') == b'\x09\x00\x00\x00'
    assert encode_value(PROPTYPE_LONG, '-1') == b'\xff\xff\xff\xff'
    assert decode_value(PROPTYPE_LONG, b'\xfe\xff\xff\xff', 'LONG') == -2
    assert encode_value(PROPTYPE_BINARY, '0a0b') == b'\x0a\x0b'
    assert encode_value(PROPTYPE_DATE, '2000-01-01T00:00:00Z') == \
        struct.pack('<Q', 125911584000000000)
    assert encode_value(PROPTYPE_DATE, '2000-01-01T00:00:00') == \
        encode_value(PROPTYPE_DATE, '2000-01-01T01:00:00+01:00')
    assert filetime_to_iso(125911584000000000) == '2000-01-01T00:00:00Z'
    assert filetime_to_iso(125911584000000010) == '2000-01-01T00:00:00.000001Z'
    assert restriction_arg('Request.Disposition>=9') == ('Request.Disposition', '>=', '9')
    assert restriction_arg('A<=b') == ('A', '<=', 'b')
    assert restriction_arg('A<b') == ('A', '<', 'b')
    assert restriction_arg('A=b=c') == ('A', '=', 'b=c')
    assert sort_arg('Request.RequestID:desc') == ('Request.RequestID', 'desc')


def _self_test_rows():
    """Two rows laid out by hand (offsets from each row's start), the end
    marker, and the ways a row blob can break."""
    requester = 'EXAMPLE\\alice'.encode('utf-16-le') + b'\x00\x00'     # 28 bytes
    row1 = struct.pack('<3L', 5, 4, 12 + 64 + 4 + 28 + 8 + 4)
    row1 += struct.pack('<4L', PROPTYPE_LONG, 0x1000, 76, 4)
    row1 += struct.pack('<4L', PROPTYPE_STRING, 0x1011, 80, len(requester))
    row1 += struct.pack('<4L', PROPTYPE_DATE | COLUMN_INDEXED, 0x100b, 108, 8)
    row1 += struct.pack('<4L', PROPTYPE_BINARY, 0x1001, 116, 3)
    row1 += struct.pack('<l', 5) + requester + struct.pack('<Q', 125911584000000000)
    row1 += b'\x01\x02\x03\x00'
    assert len(row1) == 120
    row2 = struct.pack('<3L', 6, 2, 12 + 32 + 4)
    row2 += struct.pack('<4L', PROPTYPE_LONG, 0x1000, 44, 4)
    row2 += struct.pack('<4L', PROPTYPE_STRING, 0x1011, 0, 0)       # no value
    row2 += struct.pack('<l', 6)
    marker = struct.pack('<3L', 2, 0xFFFFFFFD, 12)
    rows, total = parse_result_rows(row1 + row2 + marker, 2)
    assert total == 2
    assert rows[0] == {'row_id': 5, 'values': [
        (0x1000, PROPTYPE_LONG, 5), (0x1011, PROPTYPE_STRING, 'EXAMPLE\\alice'),
        (0x100b, PROPTYPE_DATE, '2000-01-01T00:00:00Z'), (0x1001, PROPTYPE_BINARY, '010203')]}
    assert rows[1] == {'row_id': 6, 'values': [(0x1000, PROPTYPE_LONG, 6),
                                               (0x1011, PROPTYPE_STRING, None)]}
    # A page in the middle of a view: no marker.
    assert parse_result_rows(row1, 1) == (rows[:1], None)
    columns = [{'index': 0x1000, 'name': 'Request.RequestID'},
               {'index': 0x1011, 'name': 'Request.RequesterName'}]
    outcome = view_outcome(rows, total, columns)
    assert outcome['request_ids'] == '5,6' and outcome['total'] == 2
    assert outcome['rows'][0]['columns']['0x100b'] == '2000-01-01T00:00:00Z'

    _expect_blob_error(parse_result_rows, row1[:-4], 1)                  # cbrow past the end
    _expect_blob_error(parse_result_rows, row1 + b'\x00' * 4, 1)         # trailing bytes
    _expect_blob_error(parse_result_rows, row1 + struct.pack('<3L', 1, 1, 12), 1)  # no marker
    _expect_blob_error(parse_result_rows, row1 + marker, 2)              # a row short
    bad_offset = bytearray(row1)
    struct.pack_into('<L', bad_offset, 12 + 8, 78)                       # obValue not 4-aligned
    _expect_blob_error(parse_result_rows, bytes(bad_offset), 1)
    struct.pack_into('<L', bad_offset, 12 + 8, 120)                      # value past cbrow
    _expect_blob_error(parse_result_rows, bytes(bad_offset), 1)
    no_nul = bytearray(row1)
    no_nul[80 + 26:80 + 28] = b'e\x00'                                   # STRING without NUL
    _expect_blob_error(parse_result_rows, bytes(no_nul), 1)


def _self_test_columns_and_entries():
    """CERTTRANSDBCOLUMN, CERTTRANSDBEXTENSION and CERTTRANSDBATTRIBUTE
    blobs laid out by hand, offsets from the blob start."""
    def text(s):
        b = (s + '\x00').encode('utf-16-le')
        return b + b'\x00' * (-len(b) % 4)
    names = [text('Request.RequestID'), text('Request ID'), text('Request.Disposition'),
             text('Request Disposition')]
    offsets = [40]
    for n in names[:-1]:
        offsets.append(offsets[-1] + len(n))
    buf = struct.pack('<5L', PROPTYPE_LONG | COLUMN_INDEXED, 0x1000, 4, offsets[0], offsets[1])
    buf += struct.pack('<5L', PROPTYPE_LONG, 0x1009, 4, offsets[2], offsets[3])
    buf += b''.join(names)
    assert parse_columns(buf, 2) == [
        {'name': 'Request.RequestID', 'display_name': 'Request ID', 'index': 0x1000,
         'type': PROPTYPE_LONG, 'indexed': True, 'cb_max': 4},
        {'name': 'Request.Disposition', 'display_name': 'Request Disposition', 'index': 0x1009,
         'type': PROPTYPE_LONG, 'indexed': False, 'cb_max': 4}]
    assert column_named(parse_columns(buf, 2), 'request.disposition')['index'] == 0x1009
    assert column_named([], '0x1009') == {'name': '0x1009', 'index': 0x1009,
                                          'type': PROPTYPE_LONG}
    _expect_blob_error(parse_columns, buf, 3)                            # headers past the end
    _expect_blob_error(parse_columns, buf[:-4], 2)                       # unterminated name
    misaligned = bytearray(buf)
    struct.pack_into('<L', misaligned, 12, 42)
    _expect_blob_error(parse_columns, bytes(misaligned), 2)

    oid = text('1.2.3.4')                                                # 16 bytes
    ext = struct.pack('<4L', 16, 0x30001, 3, 32) + oid + b'\x04\x01\x41\x00'
    assert parse_extensions(ext, 1) == [{'name': '1.2.3.4', 'flags': 0x30001, 'critical': True,
                                         'disabled': False, 'origin': 3, 'value': '040141'}]
    _expect_blob_error(parse_extensions, ext[:-2], 1)                    # value past the end

    attrs = struct.pack('<2L', 8, 8 + len(text('CertificateTemplate')))
    attrs += text('CertificateTemplate') + text('User')
    assert parse_attributes(attrs, 1) == [{'name': 'CertificateTemplate', 'value': 'User'}]
    _expect_blob_error(parse_attributes, attrs, 2)


def _blob_stub(data):
    """A CERTTRANSBLOB out parameter: cb, pb, then pb's referent."""
    if not data:
        return struct.pack('<LL', 0, 0)
    return struct.pack('<LLL', len(data), 0x20000, len(data)) + data + b'\x00' * (-len(data) % 4)


class _FakeAdmin:
    """An impacket INTERFACE and its DCE/RPC connection in one, answering as
    a CA with three pending requests (3, 5, 8) would: enough to run the view
    and flow actions offline. Rows are numbered from 1, as --ielt's default
    assumes."""
    COLUMNS = [(PROPTYPE_LONG, 0x1000, 'Request.RequestID'),
               (PROPTYPE_STRING, 0x1011, 'Request.RequesterName'),
               (PROPTYPE_LONG, 0x1009, 'Request.Disposition')]
    PENDING = [3, 5, 8]

    def __init__(self):
        self.extension = None

    def get_cinstance(self):
        return self

    def get_ORPCthis(self):
        return _orpcthis()

    def connect(self, iid):
        assert iid == IID_ICertAdminD2

    def get_dce_rpc(self):
        return self

    def get_iPid(self):
        return b'\x22' * 16

    def request(self, req, uuid, checkError):
        assert uuid == self.get_iPid() and not checkError
        req.getData()  # what would go on the wire must encode
        return getattr(self, req.__class__.__name__)(req)

    @staticmethod
    def _answer(response, *fields):
        return response(struct.pack('<LL', 0, 0) + b''.join(fields))

    def EnumViewColumn(self, req):
        first = req['iColumn']
        page = self.COLUMNS[first:first + req['cColumn']]
        headers, strings = b'', b''
        for proptype, index, name in page:
            offset = 20 * len(page) + len(strings)
            # The name doubles as the display name.
            headers += struct.pack('<5L', proptype, index, 4, offset, offset)
            text = (name + '\x00').encode('utf-16-le')
            strings += text + b'\x00' * (-len(text) % 4)
        return self._answer(EnumViewColumnResponse, struct.pack('<L', len(page)),
                            _blob_stub(headers + strings), struct.pack('<L', 0))

    def _rows(self, response, ielt, celt):
        start = ielt - 1
        rows = b''
        for request_id in self.PENDING[start:start + celt]:
            rows += struct.pack('<3L4Ll', request_id, 1, 32, PROPTYPE_LONG, 0x1000, 28, 4,
                                request_id)
        fetched = len(self.PENDING[start:start + celt])
        if start + celt >= len(self.PENDING):
            rows += struct.pack('<3L', len(self.PENDING), len(self.PENDING) ^ 0xFFFFFFFF, 12)
        return self._answer(response, struct.pack('<L', fetched), _blob_stub(rows),
                            struct.pack('<L', 0))

    def OpenView(self, req):
        (r,) = req['acvr']
        assert (r['ColumnIndex'], r['SeekOperator'], bytes(r['pbValue'])) == \
            (0x1009, SEEK_OPERATORS['='], struct.pack('<l', DB_DISP_PENDING))
        assert req['acolOut'] == [0x1000, 0x1011, 0x1009]
        return self._rows(OpenViewResponse, req['ielt'], req['celt'])

    def EnumView(self, req):
        return self._rows(OpenViewResponse, req['ielt'], req['celt'])

    def SetExtension(self, req):
        self.extension = (req['dwRequestId'], req['dwType'], bytes(req['pctbValue']['pb']))
        return self._answer(HresultResponse, struct.pack('<L', 0))

    def ResubmitRequest(self, req):
        return self._answer(ResubmitRequestResponse, struct.pack('<LL', 3, 0))

    def CloseView(self, req):
        return self._answer(HresultResponse, struct.pack('<L', 0))


def _self_test_actions():
    """pending, a page of one row at a time, and flow against _FakeAdmin."""
    server = _FakeAdmin()
    session = Session(server, 'CA')
    out = {}
    pending(session, argparse.Namespace(ielt=1, page=1, disposition=DB_DISP_PENDING), out)
    assert (out['request_ids'], out['total'], out['open_view'], out['close_view']) == \
        ('3,5,8', 3, 0, 0), out
    assert [(c['method'], c.get('ielt')) for c in session.calls] == [
        ('EnumViewColumn', None), ('OpenView', 1), ('EnumView', 2), ('EnumView', 3),
        ('CloseView', None)], session.calls

    session = Session(server, 'CA')
    out = {}
    flow(session, argparse.Namespace(id=5, oid='1.2.3.4', value='x', ielt=1, page=100,
                                     disposition=DB_DISP_PENDING), out)
    assert (out['listed'], out['set_extension'], out['resubmit'], out['disposition'],
            out['close_view']) == (True, 0, 0, 3, 0), out
    assert server.extension == (5, PROPTYPE_STRING, b'x\x00\x00\x00')
    assert [c['method'] for c in session.calls] == [
        'EnumViewColumn', 'OpenView', 'SetExtension', 'ResubmitRequest', 'CloseView']


def self_test():
    """Offline checks of the NDR encoding, the blob parsers and the view
    logic; raises AssertionError on the first that fails."""
    _self_test_open_view()
    _self_test_other_requests()
    _self_test_values()
    _self_test_rows()
    _self_test_columns_and_entries()
    _self_test_actions()


# --- Command line --------------------------------------------------------------

def restriction_arg(text):
    """NAME<op>VALUE; the first operator found splits it, '<=' and '>='
    before '<', '>' and '='."""
    m = re.fullmatch(r'(.+?)(<=|>=|=|<|>)(.*)', text)
    if not m:
        raise argparse.ArgumentTypeError('%r is not NAME<op>VALUE' % text)
    return m.group(1), m.group(2), m.group(3)


def sort_arg(text):
    name, _, order = text.rpartition(':')
    if not name or order not in ('asc', 'desc'):
        raise argparse.ArgumentTypeError('%r is not NAME:asc or NAME:desc' % text)
    return name, order


def columns_arg(text):
    names = [n for n in text.split(',') if n]
    if not names:
        raise argparse.ArgumentTypeError('no column named')
    return names


def number(text):
    return int(text, 0)


def base64_arg(text):
    return base64.b64decode(text, validate=True)


ACTIONS = {
    'pending': pending, 'view': view, 'set-extension': set_extension,
    'set-attributes': set_attributes, 'approve': approve, 'deny': deny, 'revoke': revoke,
    'is-valid': is_valid, 'publish-crl': publish_crl, 'publish-crls': publish_crls,
    'get-crl': get_crl, 'roles': roles,
    'get-security': get_security, 'set-security': set_security, 'ping': ping,
    'get-officer-rights': get_officer_rights, 'set-officer-rights': set_officer_rights,
    'server-state': server_state, 'ca-property': ca_property,
    'set-ca-property': set_ca_property, 'extensions': extensions,
    'attributes': attributes, 'flow': flow, 'import-cert': import_cert,
    'delete-row': delete_row,
}


def argument_parser():
    common = argparse.ArgumentParser(add_help=False, parents=[connection_options()])
    common.add_argument('--authority', default='', help="the CA's name; '' sends NULL")
    common.add_argument('--no-release', action='store_true', help='end without RemRelease')
    paging = argparse.ArgumentParser(add_help=False)
    paging.add_argument('--ielt', type=int, default=1, help='the first row to ask for')
    paging.add_argument('--page', type=int, default=100, help='rows (celt) per call')
    pend = argparse.ArgumentParser(add_help=False)
    pend.add_argument('--disposition', type=int, default=DB_DISP_PENDING,
                      help='the Request.Disposition value that means pending')
    request_id = argparse.ArgumentParser(add_help=False)
    request_id.add_argument('id', type=int, help='the request id')

    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--self-test', action='store_true', help='offline checks; prints {"ok": true}')
    sub = p.add_subparsers(dest='action', metavar='ACTION')

    def action(name, *parents, **kwargs):
        return sub.add_parser(name, parents=[common] + list(parents), **kwargs)

    action('pending', paging, pend, help='list the pending requests')
    a = action('view', paging, help='OpenView/EnumView/CloseView on any query')
    a.add_argument('--columns', type=columns_arg, required=True, help='A,B,C: output columns')
    a.add_argument('--restrict', type=restriction_arg, action='append', default=[],
                   help='NAME<op>VALUE, op one of = < <= >= >; repeatable')
    a.add_argument('--sort', type=sort_arg, help='NAME:asc|desc, on the restriction on NAME')
    a.add_argument('--table', choices=['request', 'crl'], default='request')
    a = action('set-extension', request_id, help='SetExtension on a pending request')
    a.add_argument('oid')
    value = a.add_mutually_exclusive_group(required=True)
    for name, proptype in PROPTYPE_NAMES.items():
        value.add_argument('--' + name, dest='value', metavar=name.upper(),
                           type=lambda text, t=proptype: (t, text))
    a.add_argument('--critical', action='store_true')
    a.add_argument('--disabled', action='store_true')
    a = action('set-attributes', request_id, help='SetAttributes: NAME:VALUE lines')
    a.add_argument('attributes', nargs='+', metavar='NAME:VALUE')
    action('approve', request_id, help='ResubmitRequest')
    action('deny', request_id, help='DenyRequest')
    a = action('revoke', help='RevokeCertificate')
    a.add_argument('serial', help='hex digits')
    a.add_argument('--reason', type=number, default=0)
    a.add_argument('--when', default='now', help="ISO 8601, 'now' or a FILETIME count")
    action('get-officer-rights', help='GetOfficerRights')
    a = action('set-officer-rights', help='SetOfficerRights: a descriptor impacket builds')
    a.add_argument('--allow', action='append', default=[], metavar='OFFICER_SID:REQUESTER_SID')
    a.add_argument('--deny', action='append', default=[], metavar='OFFICER_SID:REQUESTER_SID')
    a.add_argument('--disable', action='store_true', help='fEnable 0, an empty descriptor')
    a = action('is-valid', help='IsValidCertificate')
    a.add_argument('serial', help='hex digits')
    a = action('publish-crl', help='PublishCRL')
    a.add_argument('--next-update', default='0', help="ISO 8601, 'now' or a FILETIME count")
    a = action('publish-crls', help='PublishCRLs')
    a.add_argument('--flags', type=number, required=True, help='CA_CRL_* bits')
    a.add_argument('--next-update', default='0', help="ISO 8601, 'now' or a FILETIME count")
    a = action('get-crl', help='GetCRL')
    a.add_argument('--ca-pem', help='CA certificate to verify the CRL with')
    action('roles', help='GetMyRoles')
    action('get-security', help='GetCASecurity')
    a = action('set-security', help='SetCASecurity')
    a.add_argument('--sd-b64', type=base64_arg, required=True,
                   help='the self-relative security descriptor')
    action('ping', help='Ping and Ping2')
    action('server-state', help='GetServerState')
    a = action('ca-property', help='ICertAdminD2::GetCAProperty')
    a.add_argument('--prop-id', type=number, default=0x1d)
    a.add_argument('--prop-index', type=number, default=0)
    a.add_argument('--prop-type', type=number, default=PROPTYPE_STRING)
    a = action('set-ca-property', help='ICertAdminD2::SetCAProperty with a string value')
    a.add_argument('--prop-id', type=number, default=0x1d)
    a.add_argument('--prop-index', type=number, default=0)
    a.add_argument('--prop-type', type=number, default=PROPTYPE_STRING)
    a.add_argument('--text', required=True, help="the value; '\\n' separates lines")
    for name in ('extensions', 'attributes'):
        a = action(name, request_id, help='EnumAttributesOrExtensions')
        a.add_argument('--page', type=int, default=100, help='entries (celt) per call')
    a = action('import-cert', help='ImportCertificate')
    a.add_argument('--cert-b64', type=base64_arg, required=True, help='the DER certificate')
    a.add_argument('--flags', type=number, default=0, help='dwFlags (0x10000: allow foreign)')
    a = action('delete-row', help='DeleteRow')
    a.add_argument('id', type=int, nargs='?', default=0, help='dwRowId (0: by date)')
    a.add_argument('--table', type=number, default=0, help='dwTable: 0, 0x3000, 0x4000, 0x5000')
    a.add_argument('--flags', type=number, default=0, help='dwFlags: 1 expired, 2 last changed')
    a.add_argument('--before', default='0', help="FileTime: ISO 8601, 'now' or a FILETIME count")
    a = action('flow', request_id, paging, pend, help='MS-CERSOD 3.5: view, extend, approve')
    a.add_argument('oid')
    a.add_argument('value', help='the extension value, sent as a STRING')
    return p


def parse_args(p):
    args = p.parse_args()
    if args.self_test:
        return args
    if args.action is None:
        p.error('an ACTION or --self-test is required')
    if getattr(args, 'page', 1) < 1:
        p.error('--page must be at least 1')
    if getattr(args, 'ielt', 0) < 0:
        p.error('--ielt must not be negative')
    if args.action == 'view' and args.sort and \
            not any(name.lower() == args.sort[0].lower() for name, _, _ in args.restrict):
        p.error('--sort names a column no --restrict does')
    return args


def main():
    p = argument_parser()
    args = parse_args(p)
    if args.self_test:
        self_test()
        return print_outcome({'ok': True})

    out = {}
    dcom = None
    try:
        dcom = DCOMConnection(args.host, args.user, args.password, args.domain,
                              authLevel=RPC_C_AUTHN_LEVEL_PKT_PRIVACY, oxidResolver=True)
        iface = dcom.CoCreateInstanceEx(CLSID_CCertAdminD, IID_ICertAdminD2)
        iface.get_cinstance().set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        out['ipid'] = bin_to_string(iface.get_iPid())
        out['oxid'] = iface.get_oxid()
        session = Session(iface, args.authority)
        try:
            ACTIONS[args.action](session, args, out)
        except Exception as e:  # a fault or a bad answer: the object still takes the RemRelease
            out['error'] = str(e)
        out['calls'] = session.calls
        if not args.no_release:
            out['released'] = release(iface)
    except Exception as e:  # bind refused, activation failed, socket gone: an outcome too
        out.setdefault('error', str(e))
    finally:
        if dcom is not None:
            try:
                dcom.disconnect()
            except Exception:  # the outcome is already recorded
                pass
    return print_outcome(out)


if __name__ == '__main__':
    sys.exit(main())
