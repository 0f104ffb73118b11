#!/usr/bin/env python3
"""Checks that the generated Kotlin layer keeps dates, instants, ids and enums typed.

For every field of an object in ``schemas/api.json`` (named objects and the objects inside
enum variants, results and inputs) whose schema, with null taken out and one ``$ref``
followed to a named type that is not an object, is a ``date``, ``date-time`` or
``partial-date-time`` string, a uuid id or an enum, it finds the property in the
generated ``Api.kt`` by regular expression and checks that its declared type is not
``String``. It reads the Kotlin text, not the generator, so a generator that falls back to
strings is caught.

    python3 bindings/kotlin/check_types.py   # exit 1 listing the offenders

Only the standard library is used.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

HERE = pathlib.Path(__file__).resolve().parent
API = HERE.parent.parent / "schemas" / "api.json"
KOTLIN = HERE / "src" / "main" / "kotlin" / "ee" / "tallinn" / "teho" / "Api.kt"

Schema = Dict[str, Any]


def unwrap_null(schema: Schema) -> Schema:
    any_of = schema.get("anyOf")
    if isinstance(any_of, list) and {"type": "null"} in any_of:
        rest = [s for s in any_of if s != {"type": "null"}]
        return rest[0] if len(rest) == 1 else schema
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        return {**schema, "type": rest[0] if len(rest) == 1 else rest}
    return schema


def what(schema: Schema, defs: Dict[str, Schema]) -> Optional[str]:
    """"date", "instant", "local", "id" or "enum" when the field must not be a String."""
    schema = unwrap_null(schema)
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs[ref.rsplit("/", 1)[-1]]
        if target.get("type") == "object":
            return None
        schema = target
    if "oneOf" in schema:
        return "enum"
    if schema.get("type") == "string":
        return {"date": "date", "date-time": "instant", "partial-date-time": "local", "uuid": "id"}.get(
            schema.get("format")
        )
    return None


def kotlin_class(api: Dict[str, Any], name: str, side: str) -> str:
    """The Kotlin name of a named type: an input named like a result of another shape is
    `…Input`."""
    if side == "input" and name in api["output_types"] and api["output_types"][name] != api["input_types"][name]:
        return f"{name}Input"
    return name


def objects(api: Dict[str, Any]) -> Iterator[Tuple[str, Optional[str], str, Schema, Dict[str, Schema]]]:
    """(Kotlin type, variant or None, side, object schema, defs) of every object."""
    for side in ("output", "input"):
        defs = api[f"{side}_types"]
        for name, schema in sorted(defs.items()):
            typed = kotlin_class(api, name, side)
            if schema.get("type") == "object" and "properties" in schema:
                yield typed, None, side, schema, defs
            for arm in schema.get("oneOf", []):
                for variant, content in arm.get("properties", {}).items():
                    if isinstance(content, dict) and content.get("type") == "object" and content.get("properties"):
                        yield typed, variant, side, content, defs


def block(text: str, start: int) -> str:
    """The text from `start` to the line that closes the declaration opened on its line
    (the next line, at the same indentation, that starts with `)` or `}`)."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = re.match(r"[ ]*", text[line_start:]).group(0)
    end = re.compile(rf"^{indent}[)}}]", re.M).search(text, start)
    return text[start: end.start() if end else len(text)]


def declared_type(text: str, typed: str, variant: Optional[str], field: str) -> Optional[str]:
    if variant is None:
        found = re.search(rf"^data class {re.escape(typed)}\(", text, re.M)
        if not found:
            return None
        body = block(text, found.start())
    else:
        outer = re.search(rf"^sealed interface {re.escape(typed)} \{{", text, re.M)
        if not outer:
            return None
        inner = block(text, outer.start())
        found = re.search(rf"^    data class {re.escape(variant)}\(", inner, re.M)
        if not found:
            return None
        body = block(inner, found.start())
    head, *rest = field.split("_")
    name = head + "".join(p[:1].upper() + p[1:] for p in rest)
    prop = re.search(rf"^\s*val `?{re.escape(name)}`?: ([^=\n]+?),?\s*(=.*)?$", body, re.M)
    return prop.group(1).strip().rstrip(",") if prop else None


def main() -> int:
    api = json.loads(API.read_text(encoding="utf-8"))
    text = KOTLIN.read_text(encoding="utf-8")
    checked = 0
    offenders: List[str] = []
    seen = set()
    for typed, variant, _side, schema, defs in objects(api):
        for field, sub in schema["properties"].items():
            kind = what(sub, defs)
            if kind is None:
                continue
            owner = typed if variant is None else f"{typed}.{variant}"
            if (owner, field) in seen:
                continue
            seen.add((owner, field))
            checked += 1
            found = declared_type(text, typed, variant, field)
            if found is None:
                offenders.append(f"{owner}.{field} ({kind}): no property found in {KOTLIN.name}")
            elif found in ("String", "String?", "kotlin.String", "kotlin.String?"):
                offenders.append(f"{owner}.{field} ({kind}): declared {found}")
    if offenders:
        print(f"{len(offenders)} of {checked} typed fields are not typed in {KOTLIN.name}:", file=sys.stderr)
        for line in offenders:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"{checked} date, instant, id and enum fields checked in {KOTLIN.name}: none is a String")
    return 0


if __name__ == "__main__":
    sys.exit(main())
