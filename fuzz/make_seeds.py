#!/usr/bin/python3
"""Writes the seeds of the targets whose inputs are made from other data:

  rpc_sealed_call/  the request stubs of fuzz/corpus/ndr/ (captured from
                    impacket and our client) as records of the framing
                    rpc_sealed_call_fuzz.cc reads, on the context, object and
                    opnum that serve them
  template_entry/   the entries of config/templates/*.ldif as the records
                    template_entry_fuzz.cc reads
  ldif_template/    each config/templates/*.ldif with the enrollment service,
                    and the inputs of its findings (so the short run replays
                    them)

Run from anywhere: fuzz/make_seeds.py. Overwrites those three folders.
"""
import base64
import pathlib
import shutil
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
TEMPLATES = ROOT / "config" / "templates"

# rpc_sealed_call_fuzz.cc: presentation contexts in the order of the
# server's handlers, and the object selectors.
EPM, ICPR, ACTIVATOR, EXPORTER, REMUNK, REMUNK2, REQ_D2, ADMIN_D2, REQ_D, ADMIN_D = range(10)
NO_OBJECT, REQUEST_OBJECT, ADMIN_OBJECT, REMUNK_OBJECT = range(4)
FIRST, LAST = 0x01, 0x02

# ndr_fuzz.cc selector -> the calls whose request stub it decodes:
# (context, object, opnum).
CALLS = {
    0: [(ICPR, NO_OBJECT, 0)],
    1: [(EPM, NO_OBJECT, 3)],
    2: [(EPM, NO_OBJECT, 2)],
    6: [(ACTIVATOR, NO_OBJECT, 4)],
    7: [(ACTIVATOR, NO_OBJECT, 3)],
    9: [(REMUNK2, REMUNK_OBJECT, 3)],
    10: [(REMUNK2, REMUNK_OBJECT, 4)],
    11: [(REMUNK2, REMUNK_OBJECT, 5)],
    13: [(EXPORTER, NO_OBJECT, 0), (EXPORTER, NO_OBJECT, 4)],
    14: [(EXPORTER, NO_OBJECT, 1)],
    15: [(EXPORTER, NO_OBJECT, 2)],
    17: [(REQ_D, REQUEST_OBJECT, 3)],
    18: [(REQ_D2, REQUEST_OBJECT, 6)],
    19: [(REQ_D, REQUEST_OBJECT, 4)],
    20: [(REQ_D2, REQUEST_OBJECT, 9), (REQ_D2, REQUEST_OBJECT, 8)],
    21: [(REQ_D2, REQUEST_OBJECT, 7)],
    27: [(ADMIN_D2, ADMIN_OBJECT, 18)],
    28: [(ADMIN_D2, ADMIN_OBJECT, op) for op in (9, 36, 38, 40, 42, 47)],
    29: [(ADMIN_D2, ADMIN_OBJECT, op) for op in (5, 6, 12, 41)],
    30: [(ADMIN_D2, ADMIN_OBJECT, 37)],
    31: [(ADMIN_D2, ADMIN_OBJECT, 3)],
    32: [(ADMIN_D2, ADMIN_OBJECT, 4)],
    33: [(ADMIN_D2, ADMIN_OBJECT, 7)],
    34: [(ADMIN_D2, ADMIN_OBJECT, 8)],
    35: [(ADMIN_D2, ADMIN_OBJECT, 31)],
    36: [(ADMIN_D2, ADMIN_OBJECT, 10)],
    37: [(ADMIN_D2, ADMIN_OBJECT, 11)],
    38: [(ADMIN_D2, ADMIN_OBJECT, 35)],
    39: [(ADMIN_D2, ADMIN_OBJECT, 13)],
    40: [(ADMIN_D2, ADMIN_OBJECT, 14)],
    41: [(ADMIN_D2, ADMIN_OBJECT, 15)],
    42: [(ADMIN_D2, ADMIN_OBJECT, 20)],
    43: [(ADMIN_D2, ADMIN_OBJECT, 24)],
    44: [(ADMIN_D2, ADMIN_OBJECT, 25)],
    45: [(ADMIN_D2, ADMIN_OBJECT, 28)],
    46: [(ADMIN_D2, ADMIN_OBJECT, 32), (ADMIN_D2, ADMIN_OBJECT, 34)],
    47: [(ADMIN_D2, ADMIN_OBJECT, 33)],
    48: [(ADMIN_D2, ADMIN_OBJECT, 43)],
    49: [(ADMIN_D2, ADMIN_OBJECT, 44)],
    50: [(ADMIN_D2, ADMIN_OBJECT, 45)],
    51: [(ADMIN_D2, ADMIN_OBJECT, 46)],
    52: [(ADMIN_D2, ADMIN_OBJECT, 48)],
}


def record(flags, context, obj, opnum, stub):
    return struct.pack("<BBBHH", flags, context, obj, opnum, len(stub)) + stub


def rpc_sealed_call():
    out = CORPUS / "rpc_sealed_call"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for seed in sorted((CORPUS / "ndr").iterdir()):
        data = seed.read_bytes()
        for context, obj, opnum in CALLS.get(data[0], []):
            stub = data[1:]
            name = f"{seed.name}.{context}.{opnum}"
            # Sealed, in one fragment.
            (out / name).write_bytes(b"\x01" + record(FIRST | LAST, context, obj, opnum, stub))
            if context in (ICPR, REQ_D):
                # Signed only, and sealed in two fragments.
                (out / (name + ".integrity")).write_bytes(
                    b"\x00" + record(FIRST | LAST, context, obj, opnum, stub))
                half = len(stub) // 2
                (out / (name + ".fragments")).write_bytes(
                    b"\x01" + record(FIRST, context, obj, opnum, stub[:half]) +
                    record(LAST, context, obj, opnum, stub[half:]))


def ldif_entries(text):
    """(dn, [(name, bytes)]) per record of an LDIF text, as libldap reads it."""
    lines = []
    for line in text.splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += line[1:]
        elif not line.startswith("#"):
            lines.append(line)
    entries, current = [], None
    for line in lines + [""]:
        if not line:
            if current:
                entries.append(current)
            current = None
            continue
        name, _, value = line.partition(":")
        if value.startswith(":"):
            raw = base64.b64decode(value[1:].strip())
        else:
            raw = value.strip().encode()
        if name.lower() == "version" and current is None:
            continue
        if name.lower() == "dn":
            current = (raw, [])
        elif current is not None:
            current[1].append((name, raw))
    return entries


def template_entry():
    out = CORPUS / "template_entry"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for ldif in sorted(TEMPLATES.glob("*.ldif")):
        for i, (dn, attributes) in enumerate(ldif_entries(ldif.read_text())):
            data = struct.pack("<BH", 0, len(dn)) + dn
            for name, value in attributes:
                data += struct.pack("<B", len(name)) + name.encode()
                data += struct.pack("<H", len(value)) + value
            (out / f"{ldif.stem}.{i}").write_bytes(data)


# Inputs that crashed ldif_template_fuzz.cc, minimized (docs/fuzzing.md,
# "Findings").
LDIF_FINDINGS = {
    "finding-modify-separator-after-dn": "dn:\n-",
    "finding-blank-attribute-name": "dn:\n\r:(",
}


def ldif_template():
    out = CORPUS / "ldif_template"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    service = (TEMPLATES / "enrollment-service.ldif").read_text()
    for ldif in sorted(TEMPLATES.glob("*.ldif")):
        if ldif.name != "enrollment-service.ldif":
            (out / ldif.stem).write_text(ldif.read_text() + "\n" + service)
    for name, text in LDIF_FINDINGS.items():
        (out / name).write_text(text)


if __name__ == "__main__":
    rpc_sealed_call()
    template_entry()
    ldif_template()
