#!/usr/bin/env python3
"""Derives the interface table (UUID, version, opnums) from proto-idl/*.idl.

Usage: gen_interfaces.py --out-dir DIR [--list] FILE.idl...

Reads only what the table needs: each interface's attribute block (uuid,
version), its name, its base interface and its method names in declaration
order. Opnums count from the end of the base interface's methods, so
ICertRequestD's Request (after IUnknown's three) is opnum 3. Types are not
parsed: NDR marshalling is hand-written in src/ndr/.

With --list, prints the header paths that would be written, one a line (CMake
reads them at configure time). Exits non-zero, naming file and line, on any
construct it does not understand: a silent skip would drop an opnum.
"""

import argparse
import os
import re
import sys

# Statements inside an interface body that declare no method.
NON_METHOD_KEYWORDS = ("typedef", "const", "struct", "union", "enum", "cpp_quote", "import")


class IdlError(Exception):
    pass


class Interface:
    def __init__(self, name, uuid, version, base, methods, where):
        self.name = name
        self.uuid = uuid
        self.version = version
        self.base = base
        self.methods = methods
        self.where = where


def strip_comments(text):
    """Blanks comments and preprocessor lines, keeping newlines for line numbers."""

    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))

    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    text = re.sub(r"//[^\n]*", blank, text)
    return re.sub(r"^[ \t]*#[^\n]*", blank, text, flags=re.M)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def matching(text, pos, open_ch, close_ch, where):
    """Index of the bracket closing the one at text[pos]."""
    depth = 0
    for i in range(pos, len(text)):
        if text[i] == open_ch:
            depth += 1
        elif text[i] == close_ch:
            depth -= 1
            if depth == 0:
                return i
    raise IdlError(f"{where}: unbalanced '{open_ch}'")


def remove_attribute_blocks(body, where):
    out, i = [], 0
    while i < len(body):
        if body[i] == "[":
            j = matching(body, i, "[", "]", where)
            out.append(" " * (j - i + 1))
            i = j + 1
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def split_statements(body, where):
    """Splits on ';' outside (), {} so typedef'd structs stay whole."""
    statements, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth < 0:
                raise IdlError(f"{where}: unbalanced '{ch}'")
        elif ch == ";" and depth == 0:
            statements.append((start, body[start:i]))
            start = i + 1
    if body[start:].strip():
        raise IdlError(f"{where}: text after the last ';': {body[start:].strip()[:40]!r}")
    return statements


METHOD_RE = re.compile(r"^(?:[A-Za-z_]\w*[\s*]+)+?([A-Za-z_]\w*)\s*\((.*)\)$", re.S)


def parse_methods(text, body_start, body, path):
    methods = []
    clean = remove_attribute_blocks(body, f"{path}:{line_of(text, body_start)}")
    for offset, statement in split_statements(clean, f"{path}:{line_of(text, body_start)}"):
        stmt = statement.strip()
        if not stmt:
            continue
        where = f"{path}:{line_of(text, body_start + offset + len(statement) - len(statement.lstrip()))}"
        if stmt.split()[0] in NON_METHOD_KEYWORDS:
            continue
        m = METHOD_RE.match(stmt)
        if not m:
            raise IdlError(f"{where}: cannot parse interface member: {' '.join(stmt.split())[:60]!r}")
        methods.append(m.group(1))
    return methods


ATTR_RE = re.compile(r"\[([^\[\]]*)\]\s*interface\s+([A-Za-z_]\w*)\s*(?::\s*([A-Za-z_]\w*))?\s*\{")
UUID_RE = re.compile(r"\buuid\s*\(\s*([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                     r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\s*\)")
VERSION_RE = re.compile(r"\bversion\s*\(\s*(\d+)(?:\s*\.\s*(\d+))?\s*\)")


def parse_file(path):
    with open(path, encoding="utf-8") as f:
        text = strip_comments(f.read())
    interfaces = []
    found = 0
    for m in ATTR_RE.finditer(text):
        where = f"{path}:{line_of(text, m.start())}"
        attrs, name, base = m.group(1), m.group(2), m.group(3)
        um = UUID_RE.search(attrs)
        if not um:
            raise IdlError(f"{where}: interface {name} has no uuid() attribute")
        vm = VERSION_RE.search(attrs)
        version = (int(vm.group(1)), int(vm.group(2) or 0)) if vm else (0, 0)
        if max(version) > 0xFFFF:
            raise IdlError(f"{where}: interface {name}: version out of range")
        close = matching(text, m.end() - 1, "{", "}", where)
        methods = parse_methods(text, m.end(), text[m.end():close], path)
        interfaces.append(Interface(name, um.group(1).lower(), version, base, methods, where))
        found += 1
    # Every 'interface' keyword must have been matched by the pattern above.
    keywords = len(re.findall(r"\binterface\s+[A-Za-z_]\w*\s*(?::\s*\w+\s*)?\{", text))
    if keywords != found:
        raise IdlError(f"{path}: {keywords - found} interface(s) without a parsable attribute block")
    return interfaces


def snake_name(name):
    """ICertPassage -> icert_passage, IRemoteSCMActivator -> iremote_scm_activator, epm -> epm."""
    prefix = ""
    if re.match(r"I[A-Z]", name):
        prefix, name = "i", name[1:]
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return prefix + s.lower()


def constant_name(method):
    """CertServerRequest -> kCertServerRequest, ept_map -> kEptMap."""
    return "k" + "".join(part[:1].upper() + part[1:] for part in method.split("_") if part)


def all_methods(iface, by_name, seen=()):
    if iface.name in seen:
        raise IdlError(f"{iface.where}: inheritance cycle through {iface.name}")
    inherited = []
    if iface.base:
        base = by_name.get(iface.base)
        if base is None:
            raise IdlError(f"{iface.where}: base interface {iface.base} is not defined in proto-idl")
        inherited = all_methods(base, by_name, seen + (iface.name,))
    return inherited + iface.methods


def render(iface, methods, source):
    ns = snake_name(iface.name)
    u = iface.uuid.replace("-", "")
    data4 = ", ".join(f"0x{u[i:i + 2]}" for i in range(16, 32, 2))
    names = {}
    for i, method in enumerate(methods):
        const = constant_name(method)
        if const in names:
            raise IdlError(f"{iface.where}: {iface.name}: duplicate method name {method}")
        names[const] = i
    enum_lines = "\n".join(f"  {c} = {i}," for c, i in names.items())
    name_lines = "\n".join(f'    "{m}",' for m in methods)
    guard = f"OPENADCS_IDL_{ns.upper()}_H_"
    return f"""// Generated by proto-idl/gen_interfaces.py from proto-idl/{source}. Do not edit.
// Interface {iface.name}{' : ' + iface.base if iface.base else ''}: id, version and opnums as on the wire.
#ifndef {guard}
#define {guard}

#include <array>
#include <cstdint>
#include <string_view>

#include "openadcs/util/uuid.h"

namespace openadcs::idl::{ns} {{

inline constexpr std::string_view kName = "{iface.name}";
inline constexpr Uuid kUuid{{0x{u[0:8]}, 0x{u[8:12]}, 0x{u[12:16]}, {{{data4}}}}};
inline constexpr std::uint16_t kVersionMajor = {iface.version[0]}, kVersionMinor = {iface.version[1]};

enum class Opnum : std::uint16_t {{
{enum_lines}
}};
inline constexpr std::uint16_t kOpnumCount = {len(methods)};

// Method names indexed by opnum, for logs.
inline constexpr std::array<std::string_view, kOpnumCount> kMethodNames = {{
{name_lines}
}};

}}  // namespace openadcs::idl::{ns}

#endif  // {guard}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("idl", nargs="+")
    args = ap.parse_args()
    try:
        parsed = []
        for path in args.idl:
            for iface in parse_file(path):
                parsed.append((iface, os.path.basename(path)))
        by_name = {}
        for iface, _ in parsed:
            if iface.name in by_name:
                raise IdlError(f"{iface.where}: interface {iface.name} defined twice")
            by_name[iface.name] = iface
        outputs = []
        for iface, source in parsed:
            methods = all_methods(iface, by_name)
            if not methods or len(methods) > 0xFFFF:
                raise IdlError(f"{iface.where}: interface {iface.name} has {len(methods)} methods")
            path = os.path.join(args.out_dir, "openadcs", "idl", snake_name(iface.name) + ".h")
            outputs.append((path, render(iface, methods, source)))
    except (IdlError, OSError) as e:
        print(f"gen_interfaces.py: error: {e}", file=sys.stderr)
        return 1
    if args.list:
        print("\n".join(p for p, _ in outputs))
        return 0
    for path, content in outputs:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
