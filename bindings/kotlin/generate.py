#!/usr/bin/env python3
"""Writes the typed Kotlin layer of the JVM binding from ``schemas/api.json`` (``teho
api``'s output), the same single description the Python and TypeScript layers come from:

- ``src/main/kotlin/ee/tallinn/teho/Api.kt``: a Kotlin type per result and input type of
  the engine, each with ``toJson()`` and ``fromJson(json)`` for exactly the JSON serde
  writes and reads, and ``abstract class Commands`` with one typed method per engine
  command over ``call(actor, request)``.

How the description maps:

- an id (a named ``{"type": "string", "format": "uuid"}``) is ``data class X(val value:
  UUID)``; another named string (``PersonalCode``, ``Recurrence``) is ``data class X(val
  value: String)``;
- ``date`` is ``LocalDate``, ``date-time`` is ``Instant``, ``partial-date-time`` (a local
  date and time, no zone) is ``LocalDateTime``;
- an object is a ``data class``: required fields first, then the nullable or optional
  ones as ``T? = null``;
- an enum of unit variants only is an ``enum class`` whose entries are named as on the
  wire; an enum with data is a ``sealed interface`` with a ``data object`` per unit
  variant and a ``data class`` per variant with data (its fields inline when the content
  is an object, else one ``value``);
- an input type named like a result type of another shape is ``…Input`` (as in the
  TypeScript layer).

The primitive codecs the generated code calls are hand-written in ``Wire.kt``; decoding
names the JSON path of whatever is missing or of the wrong type (``WireException``).

    python3 bindings/kotlin/generate.py          # rewrite Api.kt
    python3 bindings/kotlin/generate.py --check  # exit 1 if Api.kt is out of date

Only the standard library is used; the schema helpers are the Python generator's.
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
PACKAGE = "ee.tallinn.teho"
TARGET = HERE / "src" / "main" / "kotlin" / pathlib.Path(*PACKAGE.split(".")) / "Api.kt"

_spec = importlib.util.spec_from_file_location("teho_python_generate", HERE.parent / "python" / "generate.py")
assert _spec is not None and _spec.loader is not None
shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shared)

Schema = Dict[str, Any]

# Kotlin's hard keywords: a property or parameter so named is written in backticks.
KEYWORDS = {
    "as", "break", "class", "continue", "do", "else", "false", "for", "fun", "if", "in",
    "interface", "is", "null", "object", "package", "return", "super", "this", "throw", "true",
    "try", "typealias", "typeof", "val", "var", "when", "while",
}

# Names the hand-written part of the package takes (Teho.kt, Wire.kt) and the Kotlin
# names the binding's signatures use; no engine type may take them.
TAKEN = {
    "Engine", "Actor", "Commands", "TehoException", "Wire", "WireException", "PopulationRegister",
    "ClockSource", "BatchResult", "Teho", "Pair", "Triple", "Unit", "List", "Map",
}

# Names the generated code uses without qualifying them (imports and Kotlin's own types);
# an engine type so named would shadow them in this file.
USED = {
    "Any", "Boolean", "Double", "Int", "Long", "Nothing", "String", "Instant", "LocalDate",
    "LocalDateTime", "UUID", "JsonElement", "JsonObject", "JsonPrimitive", "COMMANDS",
}

# Where a type the generated code names plainly lives, for when a nested variant of the
# same name hides it.
QUALIFIED = {
    "Boolean": "kotlin.Boolean", "Double": "kotlin.Double", "Int": "kotlin.Int",
    "Long": "kotlin.Long", "String": "kotlin.String", "Unit": "kotlin.Unit",
    "List": "kotlin.collections.List", "Map": "kotlin.collections.Map", "Pair": "kotlin.Pair",
    "Triple": "kotlin.Triple", "UUID": "java.util.UUID", "Instant": "java.time.Instant",
    "LocalDate": "java.time.LocalDate", "LocalDateTime": "java.time.LocalDateTime",
    "JsonElement": "kotlinx.serialization.json.JsonElement",
}

# Names the bodies of sealed interfaces call; a variant may not hide them.
CALLED = {"Wire", "WireException", "JsonPrimitive", "JsonObject", "Companion"}

# Members every data class has; a field may not take their names.
MEMBERS = {"toJson", "copy", "equals", "hashCode", "toString"}

# Methods `Commands` has besides the generated ones.
METHODS = {"call", "equals", "hashCode", "toString"}

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

STRING_FORMATS = {
    None: ("String", "String"),
    "uuid": ("UUID", "Uuid"),
    "date": ("LocalDate", "Date"),
    "date-time": ("Instant", "Instant"),
    "partial-date-time": ("LocalDateTime", "LocalDateTime"),
}
INT_FORMATS = {"uint8", "uint16", "int8", "int16", "int32"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def ident(name: str) -> str:
    """A snake_case wire name as a Kotlin property or parameter (camelCase; a keyword in
    backticks)."""
    text = camel(name)
    if not IDENT.match(text):
        raise shared.GenerationError(f"{name!r} is not a Kotlin identifier in camelCase")
    return f"`{text}`" if text in KEYWORDS else text


def literal(text: str) -> str:
    """A Kotlin string literal."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{out}"'


def path_to(base: str, segment: str) -> str:
    """A Kotlin expression for the JSON path `base` (a `JsonPath` expression) plus
    `.segment` (a `JsonPath` builds its text only when a message needs it)."""
    return f"{base}.dot({literal(segment)})"


def kdoc(text: Optional[str], indent: str) -> List[str]:
    """A `/** … */` comment; `*/` and `/*` inside the text are broken so that neither
    ends the comment nor opens a nested one."""
    if not text:
        return []
    body = text.strip().replace("*/", "*\u200b/").replace("/*", "/\u200b*")
    lines = body.splitlines()
    if len(lines) == 1:
        return [f"{indent}/** {lines[0]} */"]
    return [f"{indent}/**"] + [f"{indent} * {l}".rstrip() for l in lines] + [f"{indent} */"]


class Generator:
    def __init__(self, api: Dict[str, Any]) -> None:
        self.api = api
        self.outputs: Dict[str, Schema] = api["output_types"]
        self.inputs: Dict[str, Schema] = api["input_types"]
        # The Python generator's argument descriptions, shared word for word.
        self.python = shared.Generator(api)
        self.types = self.declared()

    # -- names ---------------------------------------------------------------------------

    def input_name(self, name: str) -> str:
        """An input type's Kotlin name: its own, or `…Input` when a result type of another
        shape has the name."""
        other = self.outputs.get(name)
        if other is not None and other != self.inputs[name]:
            return f"{name}Input"
        return name

    def type_name(self, name: str, side: str) -> str:
        return self.input_name(name) if side == "input" else name

    def declared(self) -> List[Tuple[str, str, Schema]]:
        """(Kotlin name, side, schema) of every type to declare: the result types, then
        the input types no result type already declares."""
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
        clash = sorted((TAKEN | USED) & set(names))
        if clash:
            raise shared.GenerationError(f"engine types named like the binding's own names: {clash}")
        bad = [n for n in names if not IDENT.match(n)]
        if bad:
            raise shared.GenerationError(f"type names that are not Kotlin identifiers: {bad}")
        return out

    @staticmethod
    def scoped(name: str, scope: Set[str]) -> str:
        """`name` as written where the names in `scope` (nested variants) hide top-level ones."""
        if name not in scope:
            return name
        return QUALIFIED.get(name, f"{PACKAGE}.{name}")

    # -- types ---------------------------------------------------------------------------

    def kt(self, schema: Schema, side: str, scope: Set[str]) -> str:
        inner, nullable = shared.without_null(schema)
        text = self._kt(inner, side, scope)
        return f"{text}?" if nullable else text

    def _kt(self, schema: Schema, side: str, scope: Set[str]) -> str:
        name = shared.ref_name(schema)
        if name is not None:
            return self.scoped(self.type_name(name, side), scope)
        kind = schema.get("type")
        if kind == "string":
            return self.scoped(self.string_format(schema)[0], scope)
        if kind == "integer":
            return self.scoped("Int" if schema.get("format") in INT_FORMATS else "Long", scope)
        if kind == "number":
            return self.scoped("Double", scope)
        if kind == "boolean":
            return self.scoped("Boolean", scope)
        if kind == "array":
            if "prefixItems" in schema:
                items = [self.kt(s, side, scope) for s in schema["prefixItems"]]
                holder = {2: "Pair", 3: "Triple"}.get(len(items))
                if holder is None:
                    raise shared.GenerationError(f"a tuple of {len(items)}: only pairs and triples map")
                return f"{self.scoped(holder, scope)}<{', '.join(items)}>"
            return f"{self.scoped('List', scope)}<{self.kt(schema.get('items', {}), side, scope)}>"
        if kind == "object":
            if "properties" in schema:
                raise shared.GenerationError(f"an object outside a named type or an enum arm: {schema}")
            extra = schema.get("additionalProperties", {})
            value = self.kt(extra if isinstance(extra, dict) else {}, side, scope)
            return f"{self.scoped('Map', scope)}<{self.scoped('String', scope)}, {value}>"
        if "oneOf" in schema:
            raise shared.GenerationError(f"an enum outside a named type: {schema}")
        if schema == {} or schema is True:
            return self.scoped("JsonElement", scope)
        raise shared.GenerationError(f"no Kotlin type for {schema}")

    @staticmethod
    def string_format(schema: Schema) -> Tuple[str, str]:
        fmt = schema.get("format")
        if fmt not in STRING_FORMATS:
            raise shared.GenerationError(f"a string of format {fmt!r}: no Kotlin type for it")
        return STRING_FORMATS[fmt]

    # -- codecs --------------------------------------------------------------------------

    def dec(self, schema: Schema, side: str, json: str, path: str, scope: Set[str], depth: int = 0) -> str:
        """A Kotlin expression decoding `json` (a JsonElement expression; `JsonElement?`
        when the schema admits null) at the JSON path `path` (a String expression)."""
        inner, nullable = shared.without_null(schema)
        if nullable:
            return f"Wire.decodeNullable({json}, {path}) {self.dec_lambda(inner, side, scope, depth)}"
        name = shared.ref_name(inner)
        if name is not None:
            return f"{self.scoped(self.type_name(name, side), scope)}.decode({json}, {path})"
        kind = inner.get("type")
        if kind == "string":
            return f"Wire.decode{self.string_format(inner)[1]}({json}, {path})"
        if kind == "integer":
            return f"Wire.decode{'Int' if inner.get('format') in INT_FORMATS else 'Long'}({json}, {path})"
        if kind == "number":
            return f"Wire.decodeDouble({json}, {path})"
        if kind == "boolean":
            return f"Wire.decodeBoolean({json}, {path})"
        if kind == "array":
            if "prefixItems" in inner:
                parts = ", ".join(self.dec_lambda(s, side, scope, depth) for s in inner["prefixItems"])
                holder = {2: "Pair", 3: "Triple"}[len(inner["prefixItems"])]
                return f"Wire.decode{holder}({json}, {path}, {parts})"
            return f"Wire.decodeList({json}, {path}) {self.dec_lambda(inner.get('items', {}), side, scope, depth)}"
        if kind == "object":
            extra = inner.get("additionalProperties", {})
            value = extra if isinstance(extra, dict) else {}
            return f"Wire.decodeMap({json}, {path}) {self.dec_lambda(value, side, scope, depth)}"
        if inner == {} or inner is True:
            return json
        raise shared.GenerationError(f"no decoder for {inner}")

    def dec_lambda(self, schema: Schema, side: str, scope: Set[str], depth: int) -> str:
        e, p = f"e{depth}", f"p{depth}"
        body = self.dec(schema, side, e, p, scope, depth + 1)
        used = re.search(rf"\b{p}\b", body) is not None
        return f"{{ {e}, {p if used else '_'} -> {body} }}"

    def enc(self, schema: Schema, side: str, value: str, depth: int = 0) -> str:
        """A Kotlin expression encoding `value` (of the schema's Kotlin type) as a JsonElement."""
        inner, nullable = shared.without_null(schema)
        if nullable:
            return f"Wire.encodeNullable({value}) {self.enc_lambda(inner, side, depth)}"
        if shared.ref_name(inner) is not None:
            return f"{value}.toJson()"
        kind = inner.get("type")
        if kind == "string":
            return f"Wire.encode{self.string_format(inner)[1]}({value})"
        if kind in ("integer", "number", "boolean"):
            return f"JsonPrimitive({value})"
        if kind == "array":
            if "prefixItems" in inner:
                parts = ", ".join(self.enc_lambda(s, side, depth) for s in inner["prefixItems"])
                holder = {2: "Pair", 3: "Triple"}[len(inner["prefixItems"])]
                return f"Wire.encode{holder}({value}, {parts})"
            return f"Wire.encodeList({value}) {self.enc_lambda(inner.get('items', {}), side, depth)}"
        if kind == "object":
            extra = inner.get("additionalProperties", {})
            return f"Wire.encodeMap({value}) {self.enc_lambda(extra if isinstance(extra, dict) else {}, side, depth)}"
        if inner == {} or inner is True:
            return value
        raise shared.GenerationError(f"no encoder for {inner}")

    def enc_lambda(self, schema: Schema, side: str, depth: int) -> str:
        x = f"x{depth}"
        return f"{{ {x} -> {self.enc(schema, side, x, depth + 1)} }}"

    # -- objects -------------------------------------------------------------------------

    def fields(self, owner: str, schema: Schema) -> List[Tuple[str, str, Schema, bool, bool]]:
        """(wire name, Kotlin name, schema, required, nullable-or-optional) per field:
        the required non-null ones first, then those that may be null, each in the
        description's order."""
        required = set(schema.get("required", []))
        rows = []
        seen: Dict[str, str] = {}
        for field, sub in schema["properties"].items():
            name = ident(field)
            if name in MEMBERS or re.match(r"^component\d+$", name):
                raise shared.GenerationError(f"{owner}.{field} would hide a member of a data class")
            if name in seen:
                raise shared.GenerationError(f"{owner}: {field} and {seen[name]} are both {name} in Kotlin")
            seen[name] = field
            optional = field not in required or shared.without_null(sub)[1]
            rows.append((field, name, sub, field in required, optional))
        return [r for r in rows if not r[4]] + [r for r in rows if r[4]]

    def parameters(self, owner: str, schema: Schema, side: str, scope: Set[str], indent: str) -> List[str]:
        lines: List[str] = []
        for field, name, sub, _required, optional in self.fields(owner, schema):
            lines.extend(kdoc(sub.get("description"), indent))
            typed = self.kt(sub, side, scope)
            if optional:
                typed = typed if typed.endswith("?") else f"{typed}?"
                lines.append(f"{indent}val {name}: {typed} = null,")
            else:
                lines.append(f"{indent}val {name}: {typed},")
        return lines

    def encode_fields(self, owner: str, schema: Schema, side: str) -> List[str]:
        """The `"field" to json` pairs of `Wire.encodeObject(…)`: an optional field left
        null is left out, a required one that admits null is written as null."""
        pairs = []
        for field, name, sub, required, _optional in self.fields(owner, schema):
            if required:
                value = self.enc(sub, side, name)
            else:
                inner, _ = shared.without_null(sub)
                value = f"{name}?.let {{ x0 -> {self.enc(inner, side, 'x0', 1)} }}"
            pairs.append(f"{literal(field)} to {value}")
        return pairs

    @staticmethod
    def call_lines(head: str, args: List[str]) -> List[str]:
        """`head(args…)`, one argument a line (to be indented by the caller)."""
        return [f"{head}("] + [f"    {a}," for a in args] + [")"]

    def decode_fields(self, owner: str, cls: str, schema: Schema, side: str, scope: Set[str],
                      obj: str, path: str, indent: str) -> List[str]:
        """The constructor call of `cls` from the JsonObject `obj` at `path`: a required
        field must be there (null only if it admits null), an optional one may be absent."""
        lines = [f"{indent}{cls}("]
        for field, name, sub, required, _optional in self.fields(owner, schema):
            where = path_to(path, field)
            if required:
                value = self.dec(sub, side, f"Wire.field({obj}, {literal(field)}, {path})", where, scope)
            else:
                inner, _ = shared.without_null(sub)
                value = self.dec({"anyOf": [inner, {"type": "null"}]}, side, f"{obj}[{literal(field)}]", where, scope)
            lines.append(f"{indent}    {name} = {value},")
        lines.append(f"{indent})")
        return lines

    # -- declarations --------------------------------------------------------------------

    def companion(self, typed: str, body: List[str], indent: str, scope: Set[str] = frozenset()) -> List[str]:
        inner = indent + "    "
        json_type, path_type = self.scoped("JsonElement", scope), self.scoped("JsonPath", scope)
        lines = [
            "",
            f"{indent}companion object {{",
            f"{inner}/** Reads the JSON form of [{typed}]; [WireException] names the path of what does not fit. */",
            f"{inner}fun fromJson(json: {json_type}): {typed} = decode(json, JsonPath.ROOT)",
            "",
            f"{inner}internal fun decode(json: {json_type}, path: {path_type}): {typed}" + (" {" if len(body) > 1 else " ="),
        ]
        if len(body) > 1:
            lines.extend(f"{inner}    {l}" if l else "" for l in body)
            lines.append(f"{inner}}}")
        else:
            lines.append(f"{inner}    {body[0]}")
        lines.append(f"{indent}}}")
        return lines

    def declaration(self, typed: str, side: str, schema: Schema) -> List[str]:
        doc = schema.get("description") or typed
        lines = [""] + kdoc(doc, "")
        if shared.is_object(schema):
            return lines + self.data_class(typed, side, schema)
        if "oneOf" in schema:
            arms = shared.tagged_variants(schema)
            if not arms:
                return lines + self.enum_class(typed, schema)
            return lines + self.sealed(typed, side, schema, arms)
        if schema.get("type") == "string":
            kotlin, codec = self.string_format(schema)
            if kotlin not in ("UUID", "String"):
                raise shared.GenerationError(f"{typed}: a named {kotlin}; only ids and plain strings map")
            lines.append(f"data class {typed}(val value: {kotlin}) {{")
            if kotlin == "UUID":
                lines.append("    /** The id as the engine writes it (`0190d6e2-…`). */")
                lines.append("    override fun toString(): String = value.toString()")
                lines.append("")
            lines.append(f"    fun toJson(): JsonElement = Wire.encode{codec}(value)")
            lines.extend(self.companion(typed, [f"{typed}(Wire.decode{codec}(json, path))"], "    "))
            lines.append("}")
            return lines
        raise shared.GenerationError(f"{typed}: no Kotlin declaration for {schema}")

    def data_class(self, typed: str, side: str, schema: Schema) -> List[str]:
        if not schema["properties"]:
            raise shared.GenerationError(f"{typed}: an object without fields")
        lines = [f"data class {typed}("]
        lines.extend(self.parameters(typed, schema, side, set(), "    "))
        lines.append(") {")
        encoded = self.call_lines("Wire.encodeObject", self.encode_fields(typed, schema, side))
        lines.append(f"    fun toJson(): JsonElement = {encoded[0]}")
        lines.extend(f"    {l}" for l in encoded[1:])
        body = ["val o = Wire.decodeObject(json, path)"]
        body.extend(self.decode_fields(typed, typed, schema, side, set(), "o", "path", ""))
        body[1] = "return " + body[1]
        lines.extend(self.companion(typed, body, "    "))
        lines.append("}")
        return lines

    def enum_class(self, typed: str, schema: Schema) -> List[str]:
        lines = [f"enum class {typed}(val wire: String) {{"]
        arms = schema["oneOf"]
        for i, arm in enumerate(arms):
            wire = arm["const"]
            if not IDENT.match(wire) or wire in KEYWORDS:
                raise shared.GenerationError(f"{typed}: the variant {wire!r} is not a Kotlin name")
            lines.extend(kdoc(arm.get("description"), "    "))
            end = ";" if i == len(arms) - 1 else ","
            lines.append(f"    {wire}({literal(wire)}){end}")
        lines.append("")
        lines.append("    fun toJson(): JsonElement = JsonPrimitive(wire)")
        body = [
            "val tag = Wire.decodeUnitVariant(json, path)",
            f"return entries.firstOrNull {{ it.wire == tag }} ?: throw Wire.unknownVariant(path, tag, {literal(typed)})",
        ]
        lines.extend(self.companion(typed, body, "    "))
        lines.append("}")
        return lines

    def sealed(self, typed: str, side: str, schema: Schema, arms: Dict[str, Schema]) -> List[str]:
        units = shared.consts(schema)
        names = units + list(arms)
        for n in names:
            if not IDENT.match(n) or n in KEYWORDS:
                raise shared.GenerationError(f"{typed}: the variant {n!r} is not a Kotlin name")
        hidden = sorted(CALLED & set(names))
        if hidden:
            raise shared.GenerationError(f"{typed}: variants named like what the codecs call: {hidden}")
        scope = set(names) | {typed}
        docs = {}
        for arm in schema["oneOf"]:
            key = arm["const"] if "const" in arm else next(iter(arm["properties"]))
            docs[key] = arm.get("description")
        me = self.scoped(typed, scope - {typed})
        je = self.scoped("JsonElement", scope)
        lines = [f"sealed interface {typed} {{"]
        lines.append("    /** The JSON form serde reads: `\"Variant\"` or `{\"Variant\": content}`. */")
        lines.append(f"    fun toJson(): {je}")
        branches: List[str] = []
        for arm in schema["oneOf"]:
            lines.append("")
            if "const" in arm:
                variant = arm["const"]
                lines.extend(kdoc(docs[variant], "    "))
                lines.append(f"    data object {variant} : {me} {{")
                lines.append(f"        override fun toJson(): {je} = JsonPrimitive({literal(variant)})")
                lines.append("    }")
                branches.append(f"{literal(variant)} -> {{ Wire.decodeUnitContent(content, {path_to('path', variant)}); {variant} }}")
                continue
            variant = next(iter(arm["properties"]))
            content = arms[variant]
            where = path_to("path", variant)
            lines.extend(kdoc(docs[variant], "    "))
            if shared.is_object(content) and content["properties"]:
                lines.append(f"    data class {variant}(")
                lines.extend(self.parameters(f"{typed}.{variant}", content, side, scope, "        "))
                lines.append(f"    ) : {me} {{")
                encoded = self.call_lines(
                    f"Wire.encodeVariant({literal(variant)}, Wire.encodeObject",
                    self.encode_fields(f"{typed}.{variant}", content, side),
                )
                encoded[-1] += ")"
                lines.append(f"        override fun toJson(): {je} = {encoded[0]}")
                lines.extend(f"        {l}" for l in encoded[1:])
                lines.append("    }")
                branches.append(f"{literal(variant)} -> {{")
                branches.append(f"    val o = Wire.decodeObject(Wire.decodeContent(content, {where}), {where})")
                branches.extend(self.decode_fields(f"{typed}.{variant}", variant, content, side, scope, "o", where, "    "))
                branches.append("}")
            elif shared.is_object(content) or (content.get("type") == "object" and "additionalProperties" not in content):
                # A struct variant without fields: `{"Variant": {}}`.
                lines.append(f"    data object {variant} : {me} {{")
                lines.append(f"        override fun toJson(): {je} = Wire.encodeVariant({literal(variant)}, Wire.encodeObject())")
                lines.append("    }")
                branches.append(f"{literal(variant)} -> {{ Wire.decodeObject(Wire.decodeContent(content, {where}), {where}); {variant} }}")
            else:
                lines.append(f"    data class {variant}(val value: {self.kt(content, side, scope)}) : {me} {{")
                encoded = self.enc(content, side, "value")
                lines.append(f"        override fun toJson(): {je} = Wire.encodeVariant({literal(variant)}, {encoded})")
                lines.append("    }")
                _, nullable = shared.without_null(content)
                json = "content" if nullable else f"Wire.decodeContent(content, {where})"
                branches.append(f"{literal(variant)} -> {variant}({self.dec(content, side, json, where, scope)})")
        body = ["val (tag, content) = Wire.decodeVariant(json, path)", "return when (tag) {"]
        body.extend(f"    {b}" for b in branches)
        body.append(f"    else -> throw Wire.unknownVariant(path, tag, {literal(typed)})")
        body.append("}")
        lines.extend(self.companion(me, body, "    ", scope))
        lines.append("}")
        return lines

    # -- commands ------------------------------------------------------------------------

    def arg_doc(self, schema: Schema) -> str:
        inner, _ = shared.without_null(schema)
        name = shared.ref_name(inner)
        if name is None:
            return f"`{self.kt(inner, 'input', set())}`."
        text = self.python.arg_doc(inner)
        typed = self.input_name(name)
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
        doc = [
            f"Runs the engine's `{name}` (a {command['kind']}, audited as `{command['audit_name']}`) "
            f"as [actor]: authorized, audited, then done.",
            "",
            "@param actor who acts: the system, a worker, a person or a supervisor.",
        ]
        for i, arg in enumerate(args):
            param = ident(arg["name"])
            if param.strip("`") in ("actor", "request"):
                raise shared.GenerationError(f"{name}: an argument named {arg['name']!r}")
            default = " = null" if i > last_required else ""
            params.append(f"{param}: {self.kt(arg['schema'], 'input', set())}{default}")
            doc.append(f"@param {param.strip('`')} {self.arg_doc(arg['schema'])}")
        doc.append("@throws TehoException the engine's refusal: access denied, invalid input, not found, …")
        result = command["result"]
        returns = "Unit" if result == {"type": "null"} else self.kt(result, "output", set())
        pairs = [f"{literal(a['name'])} to {self.enc(a['schema'], 'input', ident(a['name']))}" for a in args]
        lines = [""] + kdoc("\n".join(doc), "    ")
        typed = "" if returns == "Unit" else f": {returns}"
        lines.append(f"    fun {method}({', '.join(params)}){typed} {{")
        # A command without arguments is a unit variant on the wire: no `args` at all.
        request = self.call_lines("Wire.request", [literal(name)] + pairs) if pairs else [f"Wire.request({literal(name)})"]
        lines.append(f"        val request = {request[0]}")
        lines.extend(f"        {l}" for l in request[1:])
        if returns == "Unit":
            lines.append("        call(actor, request)")
        else:
            lines.append(f"        return {self.dec(result, 'output', 'call(actor, request)', 'JsonPath.ROOT', set())}")
        lines.append("    }")
        return lines

    # -- file ----------------------------------------------------------------------------

    def module(self) -> str:
        lines = [
            "// Generated by bindings/kotlin/generate.py from schemas/api.json: do not edit.",
            "// The engine's result and input types with their JSON codecs, and one typed method",
            "// per engine command.",
            "",
            f"package {PACKAGE}",
            "",
            "import java.time.Instant",
            "import java.time.LocalDate",
            "import java.time.LocalDateTime",
            "import java.util.UUID",
            "import kotlinx.serialization.json.JsonElement",
            "import kotlinx.serialization.json.JsonObject",
            "import kotlinx.serialization.json.JsonPrimitive",
        ]
        for typed, side, schema in self.types:
            lines.extend(self.declaration(typed, side, schema))
        lines.append("")
        lines.extend(kdoc(
            "One typed method per engine command, each over [call]: the request is\n"
            "`{\"command\": name, \"args\": {…}}` (no `args` when the command takes none) and the\n"
            "result is decoded into its type.",
            "",
        ))
        lines.append("abstract class Commands {")
        lines.append("    /** Runs one request as [actor] and returns the result's JSON; refusals throw [TehoException]. */")
        lines.append("    abstract fun call(actor: Actor, request: JsonObject): JsonElement")
        seen: Dict[str, str] = {}
        for command in self.api["commands"]:
            method = camel(command["name"])
            if method in seen:
                raise shared.GenerationError(f"{command['name']} and {seen[method]} are both {method}")
            seen[method] = command["name"]
            lines.extend(self.method(command))
        lines.append("}")
        lines.append("")
        lines.append("/** The method name of each engine command (`create_plan` → `createPlan`). */")
        lines.append("val COMMANDS: Map<String, String> = mapOf(")
        lines.extend(f"    {literal(c['name'])} to {literal(camel(c['name']))}," for c in self.api["commands"])
        lines.append(")")
        return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    api = json.loads(API.read_text(encoding="utf-8"))
    return shared.write_or_check({TARGET: Generator(api).module()}, argv, "python3 bindings/kotlin/generate.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
