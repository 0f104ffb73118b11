#!/usr/bin/env python3
"""Writes the typed Swift layer of the Swift binding from ``schemas/api.json`` (``teho
api``'s output), the same single description the Python, TypeScript and Kotlin layers come
from:

- ``Sources/Teho/Api.swift``: a Swift type per result and input type of the engine, each
  with ``toJSON()`` and ``fromJSON(_:)`` for exactly the JSON serde writes and reads, and
  ``protocol Commands`` whose extension has one typed method per engine command over
  ``call(actor:request:)``.

How the description maps (the Kotlin generator's decisions, in Swift):

- an id (a named ``{"type": "string", "format": "uuid"}``) is ``struct X: Hashable { let
  value: UUID }``; another named string (``PersonalCode``, ``Recurrence``) is ``struct X:
  Hashable { let value: String }``; both are made with ``X(value)``;
- ``date`` is ``DateComponents`` with year, month and day; ``date-time`` is ``Date``;
  ``partial-date-time`` (a local date and time, no zone) is ``DateComponents`` with year to
  second (and the nanosecond when there is a fraction);
- every integer is ``Int`` (64 bits on the platforms Swift runs TEHO on), a number
  ``Double``;
- a tuple is ``Pair<A, B>`` or ``Triple<A, B, C>`` (Wire.swift: Swift tuples cannot be
  Equatable or Hashable, so a type holding one could not be either);
- an object is a ``struct`` of ``let`` properties in camelCase: required ones first, then
  the nullable or optional ones as ``T? = nil`` in its ``init``;
- an enum of unit variants only is ``enum X: String`` whose raw values are the wire's
  names and whose cases are the names in lowerCamelCase; an enum with data is an
  ``indirect enum`` with a case per variant: none for a unit variant, the fields as
  labelled associated values when the content is an object, else one unlabelled value;
- every type is ``Hashable``; none is ``Codable`` (its JSON form is serde's, written by
  ``toJSON()`` and read by ``fromJSON(_:)``, not what Codable would synthesise);
- an input type named like a result type of another shape is ``…Input`` (as in the
  TypeScript and Kotlin layers); a type named like a Foundation, standard-library or
  concurrency type (``Notification``) takes the prefix ``Teho`` (``TehoNotification``) so
  that an app importing both never has to qualify it; a type named like one of the
  binding's own names is refused.

The codecs the generated code calls are hand-written in ``Wire.swift``; decoding names the
JSON path of whatever is missing or of the wrong type (``WireError``), never the value.

    python3 bindings/swift/generate.py          # rewrite Api.swift
    python3 bindings/swift/generate.py --check  # exit 1 if Api.swift is out of date

Only the standard library is used; the schema helpers are the Python generator's and the
naming rules the Kotlin generator's.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import sys
from typing import Any, Dict, List, Optional, Set, Tuple

HERE = pathlib.Path(__file__).resolve().parent
API = HERE.parent.parent / "schemas" / "api.json"
TARGET = HERE / "Sources" / "Teho" / "Api.swift"


def _load(name: str, path: pathlib.Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shared = _load("teho_python_generate", HERE.parent / "python" / "generate.py")
kotlin = _load("teho_kotlin_generate", HERE.parent / "kotlin" / "generate.py")

Schema = Dict[str, Any]

# Swift's keywords: a name so spelled is written in backticks.
KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "precedencegroup",
    "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
    "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough",
    "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while",
    "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
    "try", "_",
}

# Names no property, case or parameter may take even in backticks: they would hide
# something every type has, or cannot be a member at all.
REFUSED = {"self", "Self", "init", "Type", "Protocol", "_"}

# Names the hand-written part of the module takes (Teho.swift, Wire.swift) and the public
# names of the uniffi module it imports (TehoFFI.swift); no engine type may take them.
TAKEN = {
    "Engine", "Actor", "Commands", "TehoError", "Wire", "WireError", "WireTime", "JSONValue",
    "PopulationRegister", "ClockSource", "EngineClock", "BatchResult", "Pair", "Triple", "Teho",
    "TehoFFI", "TehoFFIC", "FfiError", "NoticeSource", "NoticeFeed", "FeedFormat", "EngineProtocol",
    "ClockSourceImpl", "NoticeSourceImpl", "RegisterFeed",
}

# Names of Foundation, the standard library and Swift concurrency (and the types the
# generated code names plainly): an engine type so named takes the prefix `Teho`, so that it
# hides none of them in this module and is never ambiguous where an app imports both.
CLASHES = {
    # the generated code's own
    "String", "Int", "Int64", "Double", "Bool", "Date", "DateComponents", "UUID", "Array",
    "Dictionary", "Optional",
    # the standard library and concurrency
    "Any", "AnyObject", "Character", "Clock", "Codable", "Collection", "Comparable", "Decodable",
    "Duration", "Encodable", "Equatable", "Error", "Float", "Hashable", "Hasher", "Identifiable",
    "Int8", "Int16", "Int32", "Mirror", "Never", "Range", "Result", "Sendable", "Sequence", "Set",
    "Substring", "Task", "UInt", "UInt8", "UInt16", "UInt32", "UInt64", "Unicode", "Void",
    "Protocol", "Type", "Self",
    # Foundation
    "AttributedString", "Bundle", "Calendar", "CharacterSet", "Data", "DateFormatter",
    "DateInterval", "Decimal", "Expression", "FileHandle", "FileManager", "Formatter", "Host",
    "IndexPath", "IndexSet", "JSONDecoder", "JSONEncoder", "Locale", "Measurement",
    "Notification", "NotificationCenter", "NumberFormatter", "Operation", "OperationQueue",
    "PersonNameComponents", "Pipe", "Port", "Predicate", "Process", "ProcessInfo", "Progress",
    "RunLoop", "Scanner", "Stream", "Thread", "TimeInterval", "TimeZone", "Timer", "Unit", "URL",
    "URLComponents", "URLRequest", "URLSession", "UserDefaults",
}
PREFIX = "Teho"

# Members every generated type has; a property or case may not take their names.
MEMBERS = {"toJSON", "fromJSON", "decode", "hash", "hashValue", "rawValue", "allCases", "description"}

# Cases Optional has: an enum case so named would read ambiguously where the enum is optional.
OPTIONAL_CASES = {"none", "some"}

# What `Engine` has besides the generated methods; a command may not take these names.
METHODS = {"call", "callJSON", "callMany", "setClock", "checkpointFailure", "failNextIdForTests", "toJSON"}

# Locals of the generated methods; no argument may take them.
LOCALS = {"actor", "request", "args", "result"}

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

STRING_FORMATS = {
    None: ("String", "String"),
    "uuid": ("UUID", "UUID"),
    "date": ("DateComponents", "Date"),
    "date-time": ("Date", "Instant"),
    "partial-date-time": ("DateComponents", "LocalDateTime"),
}

camel = kotlin.camel


def ident(name: str) -> str:
    """A wire name as a Swift property or parameter (camelCase; a keyword in backticks)."""
    text = camel(name)
    if not IDENT.match(text) or text in REFUSED:
        raise shared.GenerationError(f"{name!r} is not a Swift name in camelCase")
    return f"`{text}`" if text in KEYWORDS else text


def case_name(variant: str) -> str:
    """A wire variant (`HomeCare`, `ICFCode`) as a Swift case (`homeCare`, `icfCode`): the
    leading capitals lowered, but the last of several when a lower-case letter follows."""
    run = len(variant) - len(variant.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if run > 1 and run < len(variant) and variant[run].islower():
        run -= 1
    text = variant[:run].lower() + variant[run:]
    if not IDENT.match(text) or text in REFUSED:
        raise shared.GenerationError(f"the variant {variant!r} is not a Swift name")
    return f"`{text}`" if text in KEYWORDS else text


def bare(name: str) -> str:
    return name.strip("`")


def literal(text: str) -> str:
    """A Swift string literal."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{out}"'


def path_to(base: str, segment: str) -> str:
    """A Swift expression for the JSON path `base` (a String expression) plus `.segment`."""
    seg = segment.replace("\\", "\\\\").replace('"', '\\"')
    if base.startswith('"') and base.endswith('"'):
        return f'{base[:-1]}.{seg}"'
    joined = re.match(r'^(\w+) \+ "(.*)"$', base)
    if joined:
        return f'{joined.group(1)} + "{joined.group(2)}.{seg}"'
    return f'{base} + ".{seg}"'


def doc(text: Optional[str], indent: str) -> List[str]:
    """A `///` comment, one line per line of the text."""
    if not text:
        return []
    return [f"{indent}/// {line}".rstrip() for line in text.strip().splitlines()]


class Generator:
    def __init__(self, api: Dict[str, Any]) -> None:
        self.api = api
        self.outputs: Dict[str, Schema] = api["output_types"]
        self.inputs: Dict[str, Schema] = api["input_types"]
        # The Python generator's argument descriptions, shared word for word.
        self.python = shared.Generator(api)
        self.types = self.declared()
        self.check_recursion()

    # -- names ---------------------------------------------------------------------------

    def input_name(self, name: str) -> str:
        """An input type's name before renaming: its own, or `…Input` when a result type of
        another shape has the name (the Kotlin generator's rule)."""
        return kotlin.Generator.input_name(self, name)

    def type_name(self, name: str, side: str) -> str:
        typed = self.input_name(name) if side == "input" else name
        return PREFIX + typed if typed in CLASHES else typed

    def declared(self) -> List[Tuple[str, str, Schema]]:
        """(Swift name, side, schema) of every type to declare: the result types, then the
        input types no result type already declares."""
        out: List[Tuple[str, str, Schema]] = []
        done: Set[str] = set()
        for side, defs in (("output", self.outputs), ("input", self.inputs)):
            for name, schema in sorted(defs.items()):
                typed = self.type_name(name, side)
                if typed in done:
                    continue
                done.add(typed)
                out.append((typed, side, schema))
        names = [n for n, _, _ in out]
        clash = sorted((TAKEN | CLASHES) & set(names))
        if clash:
            raise shared.GenerationError(f"engine types named like the binding's own names: {clash}")
        bad = [n for n in names if not IDENT.match(n) or n in KEYWORDS]
        if bad:
            raise shared.GenerationError(f"type names that are not Swift names: {bad}")
        return out

    def check_recursion(self) -> None:
        """A struct may not hold itself other than through an array, a map or an enum (a
        Swift value type of infinite size)."""
        def inline(schema: Schema, side: str) -> List[Tuple[str, str]]:
            inner, _ = shared.without_null(schema)
            name = shared.ref_name(inner)
            if name is not None:
                target = (self.outputs if side == "output" else self.inputs)[name]
                return [(name, side)] if shared.is_object(target) else []
            if inner.get("type") == "array" and "prefixItems" in inner:
                return [r for s in inner["prefixItems"] for r in inline(s, side)]
            return []

        def visit(name: str, side: str, trail: List[str]) -> None:
            if name in trail:
                raise shared.GenerationError(f"a struct that holds itself: {' → '.join(trail + [name])}")
            schema = (self.outputs if side == "output" else self.inputs)[name]
            for sub in schema.get("properties", {}).values():
                for ref, ref_side in inline(sub, side):
                    visit(ref, ref_side, trail + [name])

        for _typed, side, schema in self.types:
            if shared.is_object(schema):
                defs = self.outputs if side == "output" else self.inputs
                name = next(n for n, s in defs.items() if s is schema)
                visit(name, side, [])

    # -- types ---------------------------------------------------------------------------

    def sw(self, schema: Schema, side: str) -> str:
        inner, nullable = shared.without_null(schema)
        text = self._sw(inner, side)
        return f"{text}?" if nullable else text

    def _sw(self, schema: Schema, side: str) -> str:
        name = shared.ref_name(schema)
        if name is not None:
            return self.type_name(name, side)
        kind = schema.get("type")
        if kind == "string":
            return self.string_format(schema)[0]
        if kind == "integer":
            return "Int"
        if kind == "number":
            return "Double"
        if kind == "boolean":
            return "Bool"
        if kind == "array":
            if "prefixItems" in schema:
                items = [self.sw(s, side) for s in schema["prefixItems"]]
                holder = {2: "Pair", 3: "Triple"}.get(len(items))
                if holder is None:
                    raise shared.GenerationError(f"a tuple of {len(items)}: only pairs and triples map")
                return f"{holder}<{', '.join(items)}>"
            return f"[{self.sw(schema.get('items', {}), side)}]"
        if kind == "object":
            if "properties" in schema:
                raise shared.GenerationError(f"an object outside a named type or an enum arm: {schema}")
            extra = schema.get("additionalProperties", {})
            return f"[String: {self.sw(extra if isinstance(extra, dict) else {}, side)}]"
        if "oneOf" in schema:
            raise shared.GenerationError(f"an enum outside a named type: {schema}")
        if schema == {} or schema is True:
            return "JSONValue"
        raise shared.GenerationError(f"no Swift type for {schema}")

    @staticmethod
    def string_format(schema: Schema) -> Tuple[str, str]:
        fmt = schema.get("format")
        if fmt not in STRING_FORMATS:
            raise shared.GenerationError(f"a string of format {fmt!r}: no Swift type for it")
        return STRING_FORMATS[fmt]

    # -- codecs --------------------------------------------------------------------------

    def dec(self, schema: Schema, side: str, json: str, path: str, depth: int = 0) -> str:
        """A Swift expression (to be preceded by `try`) decoding `json` (a `JSONValue`
        expression; `JSONValue?` when the schema admits null) at the JSON path `path` (a
        String expression)."""
        inner, nullable = shared.without_null(schema)
        if nullable:
            return f"Wire.decodeNullable({json}, {path}) {self.dec_closure(inner, side, depth)}"
        name = shared.ref_name(inner)
        if name is not None:
            return f"{self.type_name(name, side)}.decode({json}, {path})"
        kind = inner.get("type")
        if kind == "string":
            return f"Wire.decode{self.string_format(inner)[1]}({json}, {path})"
        if kind == "integer":
            return f"Wire.decodeInt({json}, {path})"
        if kind == "number":
            return f"Wire.decodeDouble({json}, {path})"
        if kind == "boolean":
            return f"Wire.decodeBool({json}, {path})"
        if kind == "array":
            if "prefixItems" in inner:
                parts = ", ".join(self.dec_closure(s, side, depth) for s in inner["prefixItems"])
                holder = {2: "Pair", 3: "Triple"}[len(inner["prefixItems"])]
                return f"Wire.decode{holder}({json}, {path}, {parts})"
            return f"Wire.decodeList({json}, {path}) {self.dec_closure(inner.get('items', {}), side, depth)}"
        if kind == "object":
            extra = inner.get("additionalProperties", {})
            value = extra if isinstance(extra, dict) else {}
            return f"Wire.decodeMap({json}, {path}) {self.dec_closure(value, side, depth)}"
        if inner == {} or inner is True:
            return json
        raise shared.GenerationError(f"no decoder for {inner}")

    def dec_closure(self, schema: Schema, side: str, depth: int) -> str:
        """`{ (e0: JSONValue, p0: String) throws -> T in try … }`, typed in full so that
        the type checker has nothing to infer."""
        e, p = f"e{depth}", f"p{depth}"
        body = self.dec(schema, side, e, p, depth + 1)
        used = re.search(rf"\b{p}\b", body) is not None
        return f"{{ ({e}: JSONValue, {p if used else '_'}: String) throws -> {self.sw(schema, side)} in try {body} }}"

    def enc(self, schema: Schema, side: str, value: str, depth: int = 0) -> str:
        """A Swift expression encoding `value` (of the schema's Swift type) as a JSONValue."""
        inner, nullable = shared.without_null(schema)
        if nullable:
            return f"Wire.encodeNullable({value}) {self.enc_closure(inner, side, depth)}"
        if shared.ref_name(inner) is not None:
            return f"{value}.toJSON()"
        kind = inner.get("type")
        if kind == "string":
            return f"Wire.encode{self.string_format(inner)[1]}({value})"
        if kind == "integer":
            return f"Wire.encodeInt({value})"
        if kind == "number":
            return f"Wire.encodeDouble({value})"
        if kind == "boolean":
            return f"Wire.encodeBool({value})"
        if kind == "array":
            if "prefixItems" in inner:
                parts = ", ".join(self.enc_closure(s, side, depth) for s in inner["prefixItems"])
                holder = {2: "Pair", 3: "Triple"}[len(inner["prefixItems"])]
                return f"Wire.encode{holder}({value}, {parts})"
            return f"Wire.encodeList({value}) {self.enc_closure(inner.get('items', {}), side, depth)}"
        if kind == "object":
            extra = inner.get("additionalProperties", {})
            return f"Wire.encodeMap({value}) {self.enc_closure(extra if isinstance(extra, dict) else {}, side, depth)}"
        if inner == {} or inner is True:
            return value
        raise shared.GenerationError(f"no encoder for {inner}")

    def enc_closure(self, schema: Schema, side: str, depth: int) -> str:
        x = f"x{depth}"
        return f"{{ ({x}: {self.sw(schema, side)}) -> JSONValue in {self.enc(schema, side, x, depth + 1)} }}"

    # -- objects -------------------------------------------------------------------------

    def fields(self, owner: str, schema: Schema) -> List[Tuple[str, str, Schema, bool, bool]]:
        """(wire name, Swift name, schema, required, nullable-or-optional) per field: the
        required non-null ones first, then those that may be nil, each in the
        description's order."""
        required = set(schema.get("required", []))
        rows = []
        seen: Dict[str, str] = {}
        for field, sub in schema["properties"].items():
            name = ident(field)
            if bare(name) in MEMBERS:
                raise shared.GenerationError(f"{owner}.{field} would hide a member every type has")
            if bare(name) in seen:
                raise shared.GenerationError(f"{owner}: {field} and {seen[bare(name)]} are both {name} in Swift")
            seen[bare(name)] = field
            optional = field not in required or shared.without_null(sub)[1]
            rows.append((field, name, sub, field in required, optional))
        return [r for r in rows if not r[4]] + [r for r in rows if r[4]]

    def typed_field(self, sub: Schema, side: str, optional: bool) -> str:
        typed = self.sw(sub, side)
        return typed if not optional or typed.endswith("?") else f"{typed}?"

    def encode_fields(self, owner: str, schema: Schema, side: str, value_of: Dict[str, str], indent: str) -> List[str]:
        """Statements filling `var o: [String: JSONValue]`: an optional field left nil is
        left out, a required one that admits null is written as null. `value_of` gives the
        Swift expression of each field by its Swift name."""
        lines = [f"{indent}var o: [String: JSONValue] = [:]"]
        for field, name, sub, required, _optional in self.fields(owner, schema):
            value = value_of[name]
            if required:
                lines.append(f"{indent}o[{literal(field)}] = {self.enc(sub, side, value)}")
            else:
                inner, _ = shared.without_null(sub)
                lines.append(f"{indent}if let x0 = {value} {{ o[{literal(field)}] = {self.enc(inner, side, 'x0', 1)} }}")
        return lines

    def decode_fields(self, owner: str, schema: Schema, side: str, obj: str, path: str, indent: str) -> Tuple[List[str], List[str]]:
        """Statements decoding each field of the `[String: JSONValue]` `obj` at `path` into
        `f0`, `f1`, …: a required field must be there (null only if it admits null), an
        optional one may be absent. Also the `name: fN` arguments in declaration order."""
        lines: List[str] = []
        args: List[str] = []
        for i, (field, name, sub, required, optional) in enumerate(self.fields(owner, schema)):
            where = path_to(path, field)
            if required:
                value = self.dec(sub, side, f"Wire.field({obj}, {literal(field)}, {path})", where)
            else:
                inner, _ = shared.without_null(sub)
                value = self.dec({"anyOf": [inner, {"type": "null"}]}, side, f"{obj}[{literal(field)}]", where)
            lines.append(f"{indent}let f{i}: {self.typed_field(sub, side, optional)} = try {value}")
            args.append(f"{name}: f{i}")
        return lines, args

    def parameters(self, owner: str, schema: Schema, side: str) -> List[Tuple[str, str, bool]]:
        """(Swift name, Swift type, optional) per field, in the order of `fields`."""
        return [(name, self.typed_field(sub, side, optional), optional)
                for _field, name, sub, _required, optional in self.fields(owner, schema)]

    # -- declarations --------------------------------------------------------------------

    def codec_members(self, typed: str, body: List[str]) -> List[str]:
        """`fromJSON(_:)` and `decode(_:_:)` of a type, `decode`'s body given."""
        return [
            "",
            f"    /// Reads the JSON form of `{typed}`; a `WireError` names the path of what does not fit.",
            f"    public static func fromJSON(_ json: JSONValue) throws -> {typed} {{",
            "        try decode(json, \"$\")",
            "    }",
            "",
            f"    static func decode(_ json: JSONValue, _ path: String) throws -> {typed} {{",
        ] + [f"        {line}" if line else "" for line in body] + ["    }"]

    def declaration(self, typed: str, side: str, schema: Schema) -> List[str]:
        lines = [""] + doc(schema.get("description") or typed, "")
        if shared.is_object(schema):
            return lines + self.struct(typed, side, schema)
        if "oneOf" in schema:
            arms = shared.tagged_variants(schema)
            if not arms:
                return lines + self.raw_enum(typed, schema)
            return lines + self.tagged_enum(typed, side, schema, arms)
        if schema.get("type") == "string":
            swift, codec = self.string_format(schema)
            if swift not in ("UUID", "String"):
                raise shared.GenerationError(f"{typed}: a named {swift}; only ids and plain strings map")
            lines.append(f"public struct {typed}: Hashable{', CustomStringConvertible' if swift == 'UUID' else ''} {{")
            lines.append(f"    public let value: {swift}")
            lines.append("")
            lines.append(f"    public init(_ value: {swift}) {{")
            lines.append("        self.value = value")
            lines.append("    }")
            if swift == "UUID":
                lines.append("")
                lines.append("    /// The id as the engine writes it (`0190d6e2-…`).")
                lines.append("    public var description: String { value.uuidString.lowercased() }")
            lines.append("")
            lines.append("    /// The JSON form serde reads.")
            lines.append(f"    public func toJSON() -> JSONValue {{ Wire.encode{codec}(value) }}")
            lines.extend(self.codec_members(typed, [f"return {typed}(try Wire.decode{codec}(json, path))"]))
            lines.append("}")
            return lines
        raise shared.GenerationError(f"{typed}: no Swift declaration for {schema}")

    def struct(self, typed: str, side: str, schema: Schema) -> List[str]:
        if not schema["properties"]:
            raise shared.GenerationError(f"{typed}: an object without fields")
        lines = [f"public struct {typed}: Hashable {{"]
        for field, name, sub, _required, optional in self.fields(typed, schema):
            lines.extend(doc(sub.get("description"), "    "))
            lines.append(f"    public let {name}: {self.typed_field(sub, side, optional)}")
        params = self.parameters(typed, schema, side)
        lines.append("")
        lines.append("    public init(")
        for i, (name, swift, optional) in enumerate(params):
            default = " = nil" if optional else ""
            end = "," if i < len(params) - 1 else ""
            lines.append(f"        {name}: {swift}{default}{end}")
        lines.append("    ) {")
        lines.extend(f"        self.{name} = {name}" for name, _, _ in params)
        lines.append("    }")
        lines.append("")
        lines.append("    /// The JSON form serde reads.")
        lines.append("    public func toJSON() -> JSONValue {")
        lines.extend(self.encode_fields(typed, schema, side, {n: f"self.{n}" for n, _, _ in params}, "        "))
        lines.append("        return .object(o)")
        lines.append("    }")
        decoded, args = self.decode_fields(typed, schema, side, "o", "path", "")
        body = ["let o = try Wire.decodeObject(json, path)"] + decoded + [f"return {typed}({', '.join(args)})"]
        lines.extend(self.codec_members(typed, body))
        lines.append("}")
        return lines

    def case_names(self, typed: str, variants: List[str]) -> Dict[str, str]:
        names: Dict[str, str] = {}
        seen: Dict[str, str] = {}
        for variant in variants:
            name = case_name(variant)
            if bare(name) in MEMBERS or bare(name) in OPTIONAL_CASES:
                raise shared.GenerationError(f"{typed}: the variant {variant!r} would be the case {name}")
            if bare(name) in seen:
                raise shared.GenerationError(f"{typed}: {variant} and {seen[bare(name)]} are both {name}")
            seen[bare(name)] = variant
            names[variant] = name
        return names

    def raw_enum(self, typed: str, schema: Schema) -> List[str]:
        arms = schema["oneOf"]
        names = self.case_names(typed, [arm["const"] for arm in arms])
        lines = [f"public enum {typed}: String, CaseIterable, Hashable {{"]
        for arm in arms:
            wire = arm["const"]
            lines.extend(doc(arm.get("description"), "    "))
            lines.append(f"    case {names[wire]} = {literal(wire)}")
        lines.append("")
        lines.append("    /// The JSON form serde reads: the variant's name.")
        lines.append("    public func toJSON() -> JSONValue { .string(rawValue) }")
        body = [
            "let tag = try Wire.decodeUnitVariant(json, path)",
            f"guard let value = {typed}(rawValue: tag) else {{ throw Wire.unknownVariant(path, tag, {literal(typed)}) }}",
            "return value",
        ]
        lines.extend(self.codec_members(typed, body))
        lines.append("}")
        return lines

    def tagged_enum(self, typed: str, side: str, schema: Schema, arms: Dict[str, Schema]) -> List[str]:
        docs: Dict[str, Optional[str]] = {}
        order: List[str] = []
        for arm in schema["oneOf"]:
            key = arm["const"] if "const" in arm else next(iter(arm["properties"]))
            docs[key] = arm.get("description")
            order.append(key)
        names = self.case_names(typed, order)
        # `indirect` boxes the payloads, so that an enum may hold itself; Swift wants a
        # payload somewhere to box.
        payload = any(
            v in arms and not (shared.is_object(arms[v]) and not arms[v]["properties"])
            and not (arms[v].get("type") == "object" and "properties" not in arms[v] and "additionalProperties" not in arms[v])
            for v in order
        )
        lines = [f"public {'indirect ' if payload else ''}enum {typed}: Hashable {{"]
        encoders: List[str] = []
        decoders: List[str] = []
        for variant in order:
            case = names[variant]
            where = path_to("path", variant)
            lines.extend(doc(docs[variant], "    "))
            if variant not in arms:
                lines.append(f"    case {case}")
                encoders.append(f"case .{case}:")
                encoders.append(f"    return .string({literal(variant)})")
                decoders.append(f"case {literal(variant)}:")
                decoders.append(f"    try Wire.decodeUnitContent(content, {where})")
                decoders.append(f"    return .{case}")
                continue
            content = arms[variant]
            owner = f"{typed}.{variant}"
            if shared.is_object(content) and content["properties"]:
                params = self.parameters(owner, content, side)
                labelled = ", ".join(f"{n}: {t}{' = nil' if o else ''}" for n, t, o in params)
                lines.append(f"    case {case}({labelled})")
                bound = [f"v{i}" for i in range(len(params))]
                encoders.append(f"case .{case}({', '.join('let ' + b for b in bound)}):")
                encoders.extend(self.encode_fields(owner, content, side, {n: b for (n, _, _), b in zip(params, bound)}, "    "))
                encoders.append(f"    return Wire.encodeVariant({literal(variant)}, .object(o))")
                decoded, args = self.decode_fields(owner, content, side, "o", where, "    ")
                decoders.append(f"case {literal(variant)}:")
                decoders.append(f"    let o = try Wire.decodeObject(Wire.decodeContent(content, {where}), {where})")
                decoders.extend(decoded)
                decoders.append(f"    return .{case}({', '.join(args)})")
            elif shared.is_object(content) or (content.get("type") == "object" and "additionalProperties" not in content):
                # A struct variant without fields: `{"Variant": {}}`.
                lines.append(f"    case {case}")
                encoders.append(f"case .{case}:")
                encoders.append(f"    return Wire.encodeVariant({literal(variant)}, .object([:]))")
                decoders.append(f"case {literal(variant)}:")
                decoders.append(f"    _ = try Wire.decodeObject(Wire.decodeContent(content, {where}), {where})")
                decoders.append(f"    return .{case}")
            else:
                swift = self.sw(content, side)
                lines.append(f"    case {case}({swift})")
                encoders.append(f"case .{case}(let v0):")
                encoders.append(f"    return Wire.encodeVariant({literal(variant)}, {self.enc(content, side, 'v0')})")
                _, nullable = shared.without_null(content)
                json = "content" if nullable else f"Wire.decodeContent(content, {where})"
                decoders.append(f"case {literal(variant)}:")
                decoders.append(f"    let f0: {swift} = try {self.dec(content, side, json, where)}")
                decoders.append(f"    return .{case}(f0)")
        lines.append("")
        lines.append("    /// The JSON form serde reads: `\"Variant\"` or `{\"Variant\": content}`.")
        lines.append("    public func toJSON() -> JSONValue {")
        lines.append("        switch self {")
        lines.extend(f"        {line}" for line in encoders)
        lines.append("        }")
        lines.append("    }")
        body = ["let (tag, content) = try Wire.decodeVariant(json, path)", "switch tag {"]
        body.extend(decoders)
        body.append("default:")
        body.append(f"    throw Wire.unknownVariant(path, tag, {literal(typed)})")
        body.append("}")
        lines.extend(self.codec_members(typed, body))
        lines.append("}")
        return lines

    # -- commands ------------------------------------------------------------------------

    def arg_doc(self, schema: Schema) -> str:
        inner, _ = shared.without_null(schema)
        name = shared.ref_name(inner)
        if name is None:
            return f"`{self.sw(inner, 'input')}`."
        text = self.python.arg_doc(inner)
        typed = self.type_name(name, "input")
        return typed + text[len(name):] if text.startswith(name) else text

    def method(self, command: Dict[str, Any]) -> List[str]:
        name = command["name"]
        method = camel(name)
        if not IDENT.match(method) or method in KEYWORDS or method in METHODS:
            raise shared.GenerationError(f"the command {name!r} cannot be a method named {method!r}")
        args = command["args"]
        last_required = max(
            (i for i, a in enumerate(args) if not shared.without_null(a["schema"])[1]), default=-1
        )
        params = ["actor: Actor"]
        lines = [""] + doc(
            f"Runs the engine's `{name}` (a {command['kind']}, audited as `{command['audit_name']}`) "
            f"as `actor`: authorized, audited, then done.\n"
            "\n"
            "- Parameters:\n"
            "  - actor: who acts: the system, a worker, a person or a supervisor.",
            "    ",
        )
        for i, arg in enumerate(args):
            param = ident(arg["name"])
            if bare(param) in LOCALS or bare(param) in METHODS:
                raise shared.GenerationError(f"{name}: an argument named {arg['name']!r}")
            default = " = nil" if i > last_required else ""
            params.append(f"{param}: {self.sw(arg['schema'], 'input')}{default}")
            lines.append(f"    ///   - {bare(param)}: {self.arg_doc(arg['schema'])}")
        lines.append("    /// - Throws: `TehoError`, the engine's refusal: access denied, invalid input, not found, …")
        result = command["result"]
        unit = result == {"type": "null"}
        returns = "" if unit else f" -> {self.sw(result, 'output')}"
        lines.append(f"    public func {method}({', '.join(params)}) throws{returns} {{")
        # A command without arguments is a unit variant on the wire: no `args` at all.
        if args:
            lines.append("        var args: [String: JSONValue] = [:]")
            for arg in args:
                lines.append(f"        args[{literal(arg['name'])}] = {self.enc(arg['schema'], 'input', ident(arg['name']))}")
            lines.append(f"        let request = Wire.request({literal(name)}, args)")
        else:
            lines.append(f"        let request = Wire.request({literal(name)})")
        if unit:
            lines.append("        _ = try call(actor: actor, request: request)")
        else:
            lines.append(f"        let result = try call(actor: actor, request: request)")
            lines.append(f"        return try {self.dec(result, 'output', 'result', chr(34) + '$' + chr(34))}")
        lines.append("    }")
        return lines

    # -- file ----------------------------------------------------------------------------

    def module(self) -> str:
        lines = [
            "// Generated by bindings/swift/generate.py from schemas/api.json: do not edit.",
            "// The engine's result and input types with their JSON codecs, and one typed method",
            "// per engine command.",
            "",
            "import Foundation",
        ]
        for typed, side, schema in self.types:
            lines.extend(self.declaration(typed, side, schema))
        lines.append("")
        lines.extend(doc(
            "One typed method per engine command, each over `call(actor:request:)`: the request\n"
            "is `{\"command\": name, \"args\": {…}}` (no `args` when the command takes none) and\n"
            "the result is decoded into its type.",
            "",
        ))
        lines.append("public protocol Commands {")
        lines.append("    /// Runs one request as `actor` and returns the result's JSON; refusals throw `TehoError`.")
        lines.append("    func call(actor: Actor, request: [String: JSONValue]) throws -> JSONValue")
        lines.append("}")
        lines.append("")
        lines.append("extension Commands {")
        seen: Dict[str, str] = {}
        for command in self.api["commands"]:
            method = camel(command["name"])
            if method in seen:
                raise shared.GenerationError(f"{command['name']} and {seen[method]} are both {method}")
            seen[method] = command["name"]
            method_lines = self.method(command)
            lines.extend(method_lines[1:] if len(seen) == 1 else method_lines)
        lines.append("}")
        lines.append("")
        lines.append("/// The method name of each engine command (`create_plan` → `createPlan`).")
        lines.append("public let COMMANDS: [String: String] = [")
        lines.extend(f"    {literal(c['name'])}: {literal(camel(c['name']))}," for c in self.api["commands"])
        lines.append("]")
        return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    api = json.loads(API.read_text(encoding="utf-8"))
    return shared.write_or_check({TARGET: Generator(api).module()}, argv, "python3 bindings/swift/generate.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
