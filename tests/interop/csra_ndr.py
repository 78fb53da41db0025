"""MS-CSRA (ICertAdminD, ICertAdminD2) for impacket: the calls and the blobs.

impacket 0.10.0 has no MS-CSRA module, so the methods admin_client.py calls
are declared here from the IDL (proto-idl/ms-csra.idl, MS-CSRA 6) with
impacket's NDR classes; ORPCTHIS/ORPCTHAT are impacket's, CERTTRANSBLOB is
wcce_ndr's. Opnums: IUnknown holds 0-2, ICertAdminD's methods follow in IDL
order (3-30), ICertAdminD2 continues at 31.

impacket picks a response class by the request class's name + 'Response' in
the request's module, so every response class lives here too.

The rest of the module reads and writes the custom-marshalled blobs these
calls carry (MS-CSRA 2.2.1.7-2.2.1.10, 2.2.3): column descriptions, result
rows, extensions and attributes, and the typed values (LONG, DATE, BINARY,
STRING) of restrictions and SetExtension. The blobs come from the server
under test, so every read is bounds-checked and a blob that breaks its format
raises BlobError rather than yielding a guess.
"""
import datetime
import re
import struct

from impacket.dcerpc.v5.dcomrt import ORPCTHAT, ORPCTHIS
from impacket.dcerpc.v5.dtypes import DWORD, DWORD_ARRAY, FILETIME, LONG, LPWSTR, NULL, PBYTE, ULONG
from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT, NDRUniConformantArray
from impacket.uuid import string_to_bin, uuidtup_to_bin

from wcce_ndr import CERTTRANSBLOB

CLSID_CCertAdminD = string_to_bin('d99e6e73-fc88-11d0-b498-00a0c90312f3')
IID_ICertAdminD = uuidtup_to_bin(('d99e6e71-fc88-11d0-b498-00a0c90312f3', '0.0'))
IID_ICertAdminD2 = uuidtup_to_bin(('7fe0d935-dda6-443f-85d0-1cfb58fe41dd', '0.0'))

# Value types: CERTTRANSDBCOLUMN/CERTTRANSDBRESULTCOLUMN Type (low byte) and
# SetExtension dwType (MS-CSRA 2.2.1.7, 3.1.4.1.1).
PROPTYPE_LONG = 1
PROPTYPE_DATE = 2
PROPTYPE_BINARY = 3
PROPTYPE_STRING = 4
PROPTYPE_NAMES = {'long': PROPTYPE_LONG, 'date': PROPTYPE_DATE, 'binary': PROPTYPE_BINARY,
                  'string': PROPTYPE_STRING}
# CERTTRANSDBCOLUMN Type, high WORD: the column is indexed.
COLUMN_INDEXED = 0x10000

# CERTVIEWRESTRICTION SeekOperator and SortOrder (MS-CSRA 2.2.1.3).
SEEK_OPERATORS = {'=': 0x1, '<': 0x2, '<=': 0x4, '>=': 0x8, '>': 0x10}
SORT_ORDERS = {'none': 0, 'asc': 1, 'desc': 2}

# EnumViewColumnTable iTable (MS-CSRA 3.1.4.2.5).
TABLE_REQUEST = 0x0
TABLE_CRL = 0x5000

# EnumAttributesOrExtensions Flags (MS-CSRA 3.1.4.1.11).
ENUM_ATTRIBUTES = 0
ENUM_EXTENSIONS = 1

# SetExtension dwFlags and CERTTRANSDBEXTENSION ExtFlags (MS-CSRA 2.2.1.9).
EXTENSION_CRITICAL = 0x1
EXTENSION_DISABLED = 0x2

# Request.Disposition as stored: pending (MS-CSRA 3.1.4.1.3 uses these
# DB_DISP values; protocol-facts 7 notes note <5> lists CR_DISP ones instead).
DB_DISP_PENDING = 9

# GetMyRoles bits (MS-CSRA 3.1.1.7).
ROLES = {0x1: 'admin', 0x2: 'officer', 0x4: 'auditor', 0x8: 'operator', 0x100: 'read',
         0x200: 'enroll'}

# EnumViewColumn(Table) past the last column (MS-CSRA 3.1.4.2.5).
ERROR_ARITHMETIC_OVERFLOW = 0x80070216

_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


# --- NDR types ---------------------------------------------------------------

class CERTVIEWRESTRICTION(NDRSTRUCT):
    structure = (
        ('ColumnIndex', DWORD),
        ('SeekOperator', LONG),
        ('SortOrder', LONG),
        ('pbValue', PBYTE),
        ('cbValue', DWORD),
    )


class CERTVIEWRESTRICTION_ARRAY(NDRUniConformantArray):
    item = CERTVIEWRESTRICTION


# Every method's first two parameters, in every request.
_HEAD = (
    ('ORPCthis', ORPCTHIS),
    ('pwszAuthority', LPWSTR),
)


class SetExtension(NDRCALL):
    opnum = 3
    structure = _HEAD + (
        ('dwRequestId', DWORD),
        ('pwszExtensionName', LPWSTR),
        ('dwType', DWORD),
        ('dwFlags', DWORD),
        ('pctbValue', CERTTRANSBLOB),  # [in, ref]: inline, no referent id
    )


class SetAttributes(NDRCALL):
    opnum = 4
    structure = _HEAD + (
        ('dwRequestId', DWORD),
        ('pwszAttributes', LPWSTR),
    )


class ResubmitRequest(NDRCALL):
    opnum = 5
    structure = _HEAD + (
        ('dwRequestId', DWORD),
    )


class ResubmitRequestResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pdwDisposition', DWORD),
        ('ErrorCode', ULONG),
    )


class DenyRequest(NDRCALL):
    opnum = 6
    structure = _HEAD + (
        ('dwRequestId', DWORD),
    )


class IsValidCertificate(NDRCALL):
    opnum = 7
    structure = _HEAD + (
        ('pSerialNumber', LPWSTR),
    )


class IsValidCertificateResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pRevocationReason', LONG),
        ('pDisposition', LONG),
        ('ErrorCode', ULONG),
    )


class PublishCRL(NDRCALL):
    opnum = 8
    structure = _HEAD + (
        ('FileTime', FILETIME),
    )


class GetCRL(NDRCALL):
    opnum = 9
    structure = _HEAD


class GetCRLResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pctbCRL', CERTTRANSBLOB),  # [out, ref]: inline
        ('ErrorCode', ULONG),
    )


class RevokeCertificate(NDRCALL):
    opnum = 10
    structure = _HEAD + (
        ('pwszSerialNumber', LPWSTR),
        ('Reason', DWORD),
        ('FileTime', FILETIME),
    )


class EnumViewColumn(NDRCALL):
    opnum = 11
    structure = _HEAD + (
        ('iColumn', DWORD),
        ('cColumn', DWORD),
    )


class EnumViewColumnResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pcColumn', DWORD),
        ('pctbColumnInfo', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class EnumAttributesOrExtensions(NDRCALL):
    opnum = 13
    structure = _HEAD + (
        ('RowId', DWORD),
        ('Flags', DWORD),
        ('pwszLast', LPWSTR),
        ('celt', DWORD),
    )


class EnumAttributesOrExtensionsResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pceltFetched', DWORD),
        ('pctbOut', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class OpenView(NDRCALL):
    opnum = 14
    # acvr and acolOut are top-level [size_is] pointers, [ref] by default:
    # on the wire only the conformant arrays (max count, then the elements;
    # the restrictions' pbValue referents follow the whole array).
    structure = _HEAD + (
        ('ccvr', DWORD),
        ('acvr', CERTVIEWRESTRICTION_ARRAY),
        ('ccolOut', DWORD),
        ('acolOut', DWORD_ARRAY),
        ('ielt', DWORD),
        ('celt', DWORD),
    )


class OpenViewResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pceltFetched', DWORD),
        ('pctbResultRows', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class EnumView(NDRCALL):
    opnum = 15
    structure = _HEAD + (
        ('ielt', DWORD),
        ('celt', DWORD),
    )


class CloseView(NDRCALL):
    opnum = 16
    structure = _HEAD


class Ping(NDRCALL):
    opnum = 18
    structure = _HEAD


class GetServerState(NDRCALL):
    opnum = 19
    structure = _HEAD


class GetServerStateResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pdwState', DWORD),
        ('ErrorCode', ULONG),
    )


class PublishCRLs(NDRCALL):
    opnum = 31
    structure = _HEAD + (
        ('FileTime', FILETIME),
        ('Flags', DWORD),
    )


class GetCAProperty(NDRCALL):
    opnum = 32
    structure = _HEAD + (
        ('PropId', LONG),
        ('PropIndex', LONG),
        ('PropType', LONG),
    )


class GetCAPropertyResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pctbPropertyValue', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class SetCAProperty(NDRCALL):
    opnum = 33
    structure = _HEAD + (
        ('PropId', LONG),
        ('PropIndex', LONG),
        ('PropType', LONG),
        ('pctbPropertyValue', CERTTRANSBLOB),  # [in, ref]: inline
    )


class EnumViewColumnTable(NDRCALL):
    opnum = 35
    structure = _HEAD + (
        ('iTable', DWORD),
        ('iColumn', DWORD),
        ('cColumn', DWORD),
    )


class GetCASecurity(NDRCALL):
    opnum = 36
    structure = _HEAD


class GetCASecurityResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pctbSD', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class SetCASecurity(NDRCALL):
    opnum = 37
    structure = _HEAD + (
        ('pctbSD', CERTTRANSBLOB),  # [in, ref]: inline
    )


class Ping2(NDRCALL):
    opnum = 38
    structure = _HEAD


class GetMyRoles(NDRCALL):
    opnum = 47
    structure = _HEAD


class GetMyRolesResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pdwRoles', LONG),
        ('ErrorCode', ULONG),
    )


class ImportCertificate(NDRCALL):
    opnum = 28
    structure = _HEAD + (
        ('pctbCertificate', CERTTRANSBLOB),  # [in, ref]: inline
        ('dwFlags', LONG),
    )


class ImportCertificateResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pdwRequestId', LONG),
        ('ErrorCode', ULONG),
    )


class GetOfficerRights(NDRCALL):
    opnum = 42
    structure = _HEAD


class GetOfficerRightsResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pfEnabled', LONG),
        ('pctbSD', CERTTRANSBLOB),
        ('ErrorCode', ULONG),
    )


class DeleteRow(NDRCALL):
    opnum = 48
    structure = _HEAD + (
        ('dwFlags', DWORD),
        ('FileTime', FILETIME),
        ('dwTable', DWORD),
        ('dwRowId', DWORD),
    )


class DeleteRowResponse(NDRCALL):
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('pcDeleted', LONG),
        ('ErrorCode', ULONG),
    )


class SetOfficerRights(NDRCALL):
    opnum = 43
    structure = _HEAD + (
        ('fEnable', LONG),
        ('pctbSD', CERTTRANSBLOB),  # [in, ref]: inline
    )


class HresultResponse(NDRCALL):
    """The response of a method with no out parameter but its HRESULT."""
    structure = (
        ('ORPCthat', ORPCTHAT),
        ('ErrorCode', ULONG),
    )


SetExtensionResponse = HresultResponse
SetAttributesResponse = HresultResponse
DenyRequestResponse = HresultResponse
PublishCRLResponse = HresultResponse
PublishCRLsResponse = HresultResponse
RevokeCertificateResponse = HresultResponse
CloseViewResponse = HresultResponse
PingResponse = HresultResponse
SetCASecurityResponse = HresultResponse
SetCAPropertyResponse = HresultResponse
SetOfficerRightsResponse = HresultResponse
Ping2Response = HresultResponse
EnumViewResponse = OpenViewResponse
EnumViewColumnTableResponse = EnumViewColumnResponse


OFFICER_RIGHTS_MASK = 0x00010000


def security_descriptor_size(data):
    """Where the self-relative descriptor at the start of `data` ends: past
    its header and every part its offsets point at (MS-DTYP 2.4.6)."""
    owner, group, sacl, dacl = struct.unpack_from('<4I', data, 4)
    end = 20
    for offset in (owner, group):
        if offset:
            end = max(end, offset + 8 + 4 * data[offset + 1])
    for offset in (sacl, dacl):
        if offset:
            end = max(end, offset + struct.unpack_from('<H', data, offset + 2)[0])
    return end


def split_officer_rights(enabled, data):
    """GetOfficerRights' pctbSD as a server with enrollment agent rights
    marshals it (MS-CSRA 2.2.1.11.1): (officer SD, agent SD), each b'' when
    disabled. pfEnabled (`enabled`) says whether an officer SD comes first; a
    server without enrollment agent rights stops after it."""
    officer = agent = b''
    if enabled:
        officer = data[:security_descriptor_size(data)]
        data = data[len(officer):]
    if data:
        flag, = struct.unpack_from('<I', data)
        agent = data[4:]
        if flag and len(agent) != security_descriptor_size(agent):
            raise ValueError('bytes after the enrollment agent rights')
        if not flag and agent:
            raise ValueError('bytes after bEARightsDisabled')
    return officer, agent


def officer_rights_sd(entries):
    """An officer-rights security descriptor (MS-CSRA 2.2.1.11) built with
    impacket's own MS-DTYP classes, independently of the server's codec:
    `entries` is [(allow, officer_sid, [requester_sid, ...])], each one
    ACCESS_ALLOWED_CALLBACK or ACCESS_DENIED_CALLBACK ACE whose application
    data is SIDCount, the SIDs and an empty TemplateName, padded to 4."""
    from impacket.ldap import ldaptypes

    sd = ldaptypes.SR_SECURITY_DESCRIPTOR()
    sd['Revision'] = b'\x01'
    sd['Sbz1'] = b'\x00'
    sd['Control'] = 0x8004  # SE_SELF_RELATIVE | SE_DACL_PRESENT
    owner = ldaptypes.LDAP_SID()
    owner.fromCanonical('S-1-5-32-544')
    sd['OwnerSid'] = owner
    sd['GroupSid'] = b''
    sd['Sacl'] = b''
    acl = ldaptypes.ACL()
    acl['AclRevision'] = 2
    acl['Sbz1'] = 0
    acl['Sbz2'] = 0
    acl.aces = []
    for allow, officer, requesters in entries:
        body = (ldaptypes.ACCESS_ALLOWED_CALLBACK_ACE() if allow
                else ldaptypes.ACCESS_DENIED_CALLBACK_ACE())
        mask = ldaptypes.ACCESS_MASK()
        mask['Mask'] = OFFICER_RIGHTS_MASK
        body['Mask'] = mask
        sid = ldaptypes.LDAP_SID()
        sid.fromCanonical(officer)
        body['Sid'] = sid
        data = struct.pack('<L', len(requesters))
        for text in requesters:
            r = ldaptypes.LDAP_SID()
            r.fromCanonical(text)
            data += r.getData()
        data += b'\x00\x00'  # TemplateName: empty, every template
        data += b'\x00' * (-len(data) % 4)
        body['ApplicationData'] = data
        ace = ldaptypes.ACE()
        ace['AceType'] = body.ACE_TYPE
        ace['AceFlags'] = 0
        ace['Ace'] = body
        acl.aces.append(ace)
    sd['Dacl'] = acl
    return sd.getData()


def restriction(column, seek, sort, value):
    """A CERTVIEWRESTRICTION on column id `column` with the encoded `value`."""
    r = CERTVIEWRESTRICTION()
    r['ColumnIndex'] = column
    r['SeekOperator'] = seek
    r['SortOrder'] = sort
    # An empty value travels as a NULL pointer, as an empty CERTTRANSBLOB does.
    r['pbValue'] = list(value) if value else NULL
    r['cbValue'] = len(value)
    return r


def filetime(value):
    """An impacket FILETIME holding the 64-bit count `value`."""
    ft = FILETIME()
    ft['dwLowDateTime'] = value & 0xFFFFFFFF
    ft['dwHighDateTime'] = value >> 32
    return ft


# --- Typed values --------------------------------------------------------------

def filetime_to_iso(value):
    """A FILETIME count as ISO 8601 UTC; microseconds only when not zero."""
    t = _FILETIME_EPOCH + datetime.timedelta(microseconds=value // 10)
    return t.strftime('%Y-%m-%dT%H:%M:%S.%fZ' if t.microsecond else '%Y-%m-%dT%H:%M:%SZ')


def filetime_from_text(text):
    """A FILETIME count from ISO 8601 (no zone: UTC), 'now', or a plain integer
    (the raw count, so that 0 can be sent)."""
    if re.fullmatch(r'[0-9]+', text):
        return int(text)
    if text == 'now':
        t = datetime.datetime.now(datetime.timezone.utc)
    else:
        t = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
    delta = t - _FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**7 + delta.microseconds * 10


def encode_value(proptype, text):
    """The bytes of `text` as a value of `proptype`, as restrictions and
    SetExtension carry them (MS-CSRA 3.1.4.1.1): LONG 4 bytes little-endian,
    DATE an 8-byte FILETIME, BINARY hex digits, STRING UTF-16LE with its NUL.
    ValueError when `text` is no such value."""
    if proptype == PROPTYPE_LONG:
        n = int(text, 0)
        if not -2**31 <= n < 2**32:
            raise ValueError('%s does not fit a LONG' % text)
        return struct.pack('<L', n & 0xFFFFFFFF)
    if proptype == PROPTYPE_DATE:
        return struct.pack('<Q', filetime_from_text(text))
    if proptype == PROPTYPE_BINARY:
        return bytes.fromhex(text)
    if proptype == PROPTYPE_STRING:
        return (text + '\x00').encode('utf-16-le')
    raise ValueError('no value type %d' % proptype)


# --- Blobs ---------------------------------------------------------------------

class BlobError(ValueError):
    """A custom-marshalled blob that breaks its format."""


def _dwords(buf, off, n, what):
    if off < 0 or off + 4 * n > len(buf):
        raise BlobError('%s: %d bytes at %d are past the end (%d bytes)'
                        % (what, 4 * n, off, len(buf)))
    return struct.unpack_from('<%dL' % n, buf, off)


def _wstring(buf, off, what):
    """The NUL-terminated UTF-16LE string at `off`, which the formats require
    to be a multiple of 4."""
    if off % 4:
        raise BlobError('%s: string offset %d is not a multiple of 4' % (what, off))
    end = off
    while True:
        if end + 2 > len(buf):
            raise BlobError('%s: string at %d has no terminating NUL' % (what, off))
        if buf[end:end + 2] == b'\x00\x00':
            break
        end += 2
    try:
        return buf[off:end].decode('utf-16-le')
    except UnicodeDecodeError as e:
        raise BlobError('%s: string at %d: %s' % (what, off, e)) from e


def _value(buf, off, cb, limit, what):
    """The `cb` bytes at `off`: inside [0, limit) and 4-aligned (every format
    here says so)."""
    if cb == 0:
        return b''
    if off % 4:
        raise BlobError('%s: value offset %d is not a multiple of 4' % (what, off))
    if off + cb > limit:
        raise BlobError('%s: value of %d bytes at %d runs past %d' % (what, cb, off, limit))
    return buf[off:off + cb]


def decode_value(proptype, value, what):
    """A row value as JSON: LONG an int, DATE ISO 8601 UTC, BINARY hex, STRING
    text; None when empty (the column has no value)."""
    if not value:
        return None
    if proptype == PROPTYPE_LONG:
        if len(value) != 4:
            raise BlobError('%s: LONG of %d bytes' % (what, len(value)))
        return struct.unpack('<l', value)[0]
    if proptype == PROPTYPE_DATE:
        if len(value) != 8:
            raise BlobError('%s: DATE of %d bytes' % (what, len(value)))
        return filetime_to_iso(struct.unpack('<Q', value)[0])
    if proptype == PROPTYPE_BINARY:
        return value.hex()
    if proptype == PROPTYPE_STRING:
        if len(value) % 2 or value[-2:] != b'\x00\x00':
            raise BlobError('%s: STRING of %d bytes without its NUL' % (what, len(value)))
        try:
            return value[:-2].decode('utf-16-le')
        except UnicodeDecodeError as e:
            raise BlobError('%s: %s' % (what, e)) from e
    raise BlobError('%s: value type %d' % (what, proptype))


def parse_columns(buf, count):
    """`count` CERTTRANSDBCOLUMN (MS-CSRA 2.2.1.7.1): 20 bytes each (Type,
    Index, cbMax, obwszName, obwszDisplayName), the name strings after all of
    them, offsets from the start of the blob."""
    headers = 20 * count
    columns = []
    for i in range(count):
        what = 'column %d' % i
        type_, index, cb_max, ob_name, ob_display = _dwords(buf, 20 * i, 5, what)
        for ob in (ob_name, ob_display):
            if ob < headers:
                raise BlobError('%s: string offset %d inside the headers' % (what, ob))
        columns.append({
            'name': _wstring(buf, ob_name, what),
            'display_name': _wstring(buf, ob_display, what),
            'index': index,
            'type': type_ & 0xFF,
            'indexed': bool(type_ & COLUMN_INDEXED),
            'cb_max': cb_max,
        })
    return columns


def parse_result_rows(buf, fetched):
    """`fetched` CERTTRANSDBRESULTROW (MS-CSRA 2.2.3.1) and the end marker.

    A row: rowid, ccol, cbrow, then ccol CERTTRANSDBRESULTCOLUMN of 16 bytes
    (Type, Index, obValue, cbValue; obValue from the start of the row); the
    next row starts cbrow bytes on. After the last row the server adds, once
    the enumeration is over, one more row header whose ccol is the bitwise
    inverse of its rowid, the view's total row count (MS-CSRA 3.1.4.1.13,
    3.2.4.1.12); nothing else may follow.

    Returns ([{'row_id', 'values': [(Index, Type, value)]}], total), total
    None without the marker."""
    rows = []
    off = 0
    for r in range(fetched):
        what = 'row %d' % r
        rowid, ccol, cbrow = _dwords(buf, off, 3, what)
        if ccol > (len(buf) - off) // 16 or cbrow < 12 + 16 * ccol or off + cbrow > len(buf):
            raise BlobError('%s: %d columns in %d bytes at %d of a %d-byte blob'
                            % (what, ccol, cbrow, off, len(buf)))
        row = buf[off:off + cbrow]
        values = []
        for c in range(ccol):
            cwhat = '%s column %d' % (what, c)
            type_, index, ob_value, cb_value = _dwords(row, 12 + 16 * c, 4, cwhat)
            if cb_value and ob_value < 12 + 16 * ccol:
                raise BlobError('%s: value offset %d inside the headers' % (cwhat, ob_value))
            value = _value(row, ob_value, cb_value, cbrow, cwhat)
            values.append((index, type_ & 0xFF, decode_value(type_ & 0xFF, value, cwhat)))
        rows.append({'row_id': rowid, 'values': values})
        off += cbrow
    total = None
    if len(buf) - off >= 12:
        rowid, ccol, _ = _dwords(buf, off, 3, 'end marker')
        if ccol != rowid ^ 0xFFFFFFFF:
            raise BlobError('%d bytes after row %d are no end marker (rowid %d, ccol 0x%x)'
                            % (len(buf) - off, fetched, rowid, ccol))
        total = rowid
        off += 12
    if off != len(buf):
        raise BlobError('%d bytes left over after %d rows' % (len(buf) - off, fetched))
    return rows, total


def parse_extensions(buf, count):
    """`count` CERTTRANSDBEXTENSION (MS-CSRA 2.2.1.9.1): 16 bytes each
    (obwszName, ExtFlags, cbValue, obValue), offsets from the blob start.

    ExtFlags: critical 0x1, disabled 0x2, the origin in the high WORD (1
    request, 2 policy, 3 admin, 4 server, ... 9 CA certificate). MS-CSRA
    2.2.1.9's origin table shows these bit-reversed (0x8000 for 1, 0x4000 for
    2); its prose numbering, which certsrv.h's EXTENSION_ORIGIN_* (0x10000
    request ...) matches, is what this reads."""
    headers = 16 * count
    out = []
    for i in range(count):
        what = 'extension %d' % i
        ob_name, flags, cb_value, ob_value = _dwords(buf, 16 * i, 4, what)
        if ob_name < headers or (cb_value and ob_value < headers):
            raise BlobError('%s: data offset inside the headers' % what)
        out.append({
            'name': _wstring(buf, ob_name, what),
            'flags': flags,
            'critical': bool(flags & EXTENSION_CRITICAL),
            'disabled': bool(flags & EXTENSION_DISABLED),
            'origin': flags >> 16,
            'value': _value(buf, ob_value, cb_value, len(buf), what).hex(),
        })
    return out


def parse_attributes(buf, count):
    """`count` CERTTRANSDBATTRIBUTE (MS-CSRA 2.2.1.8.1): 8 bytes each
    (obwszName, obwszValue), offsets from the blob start."""
    headers = 8 * count
    out = []
    for i in range(count):
        what = 'attribute %d' % i
        ob_name, ob_value = _dwords(buf, 8 * i, 2, what)
        if ob_name < headers or ob_value < headers:
            raise BlobError('%s: string offset inside the headers' % what)
        out.append({'name': _wstring(buf, ob_name, what), 'value': _wstring(buf, ob_value, what)})
    return out
