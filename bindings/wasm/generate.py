#!/usr/bin/env python3
"""Writes the typed JavaScript surface of the WebAssembly package from
``schemas/api.json`` (``teho api``'s output), the same single description the Python
layer is generated from:

- ``js/api.mjs``: class ``Commands`` with one method per engine command (camelCase),
  each a ``call(actor, {command, args})`` with the arguments in the description's order;
- ``js/api.d.mts``: a TypeScript type per result and input type, and the typed
  signature of every method.

Values keep their JSON form: ids, dates and instants are ISO 8601 strings (a date is
a calendar day with no time zone, which a JavaScript ``Date`` cannot hold), enums are
string literals and tagged unions ``{Variant: content}`` objects.

    python3 bindings/wasm/generate.py          # rewrite both files
    python3 bindings/wasm/generate.py --check  # exit 1 if either is out of date

Only the standard library is used; the schema helpers are the Python generator's.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import sys
from typing import Any, Dict, List, Optional

HERE = pathlib.Path(__file__).resolve().parent
API = HERE.parent.parent / "schemas" / "api.json"
JS = HERE / "js" / "api.mjs"
DTS = HERE / "js" / "api.d.mts"

_spec = importlib.util.spec_from_file_location("teho_python_generate", HERE.parent / "python" / "generate.py")
assert _spec is not None and _spec.loader is not None
shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shared)

Schema = Dict[str, Any]

# Words a JavaScript parameter may not be named.
RESERVED = {
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
    "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
    "typeof", "var", "void", "while", "with", "yield", "let", "static", "implements", "interface",
    "package", "private", "protected", "public", "await",
}

# Names the hand-written part of the package takes (js/teho.d.mts); no engine type may.
TAKEN = {
    "Engine", "Actor", "Commands", "TehoError", "AccessDenied", "AlreadyInitialized", "Conflict",
    "InternalError", "InvalidIcf", "InvalidInput", "InvalidPeriod", "InvalidPersonalCode",
    "InvalidRecurrence", "NotFound", "NotATehoDatabase", "ReasonRequired", "SchemaTooNew",
    "StorageError", "BatchResult", "PersonalCodeInfo",
}

IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def param(name: str) -> str:
    text = camel(name)
    return text + "_" if text in RESERVED else text


def prop(name: str) -> str:
    return name if IDENT.match(name) else json.dumps(name)


def jsdoc(text: Optional[str], indent: str) -> List[str]:
    """A `/** … */` comment; `*/` inside the text is broken so it cannot end it."""
    if not text:
        return []
    lines = text.strip().replace("*/", "*\u200b/").splitlines()
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

    def input_name(self, name: str) -> str:
        """An input object's type: its own name, or `…Input` when a result type of another
        shape has the name."""
        target = self.inputs[name]
        other = self.outputs.get(name)
        if other is not None and other != target and shared.is_object(target):
            return f"{name}Input"
        return name

    def ts(self, schema: Schema, side: str, indent: str = "") -> str:
        inner, nullable = shared.without_null(schema)
        text = self._ts(inner, side, indent)
        return f"{text} | null" if nullable else text

    def _ts(self, schema: Schema, side: str, indent: str) -> str:
        name = shared.ref_name(schema)
        if name is not None:
            return self.input_name(name) if side == "input" else name
        kind = schema.get("type")
        if kind == "string":
            return "string"
        if kind in ("integer", "number"):
            return "number"
        if kind == "boolean":
            return "boolean"
        if kind == "array":
            if "prefixItems" in schema:
                return "[" + ", ".join(self.ts(s, side, indent) for s in schema["prefixItems"]) + "]"
            item = self.ts(schema.get("items", {}), side, indent)
            return f"Array<{item}>"
        if kind == "object":
            if "properties" in schema:
                return self.object(schema, side, indent)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return f"Record<string, {self.ts(extra, side, indent)}>"
            return "Record<string, unknown>"
        if "oneOf" in schema:
            arms: List[str] = [json.dumps(c) for c in shared.consts(schema)]
            for variant, content in shared.tagged_variants(schema).items():
                arms.append(f"{{ {prop(variant)}: {self.ts(content, side, indent)} }}")
            return " | ".join(arms) if arms else "never"
        if schema == {} or schema is True:
            return "unknown"
        raise shared.GenerationError(f"no TypeScript type for {schema}")

    def object(self, schema: Schema, side: str, indent: str) -> str:
        required = set(schema.get("required", []))
        inner = indent + "  "
        lines = ["{"]
        for field, sub in schema["properties"].items():
            lines.extend(jsdoc(sub.get("description"), inner))
            optional = "" if field in required else "?"
            lines.append(f"{inner}{prop(field)}{optional}: {self.ts(sub, side, inner)};")
        lines.append(indent + "}")
        return "\n".join(lines)

    # -- files ---------------------------------------------------------------------------

    def declarations(self) -> List[str]:
        out: List[str] = []
        done = set()
        for side, defs in (("output", self.outputs), ("input", self.inputs)):
            for name, schema in sorted(defs.items()):
                typed = self.input_name(name) if side == "input" else name
                if typed in done:
                    continue
                done.add(typed)
                out.append("")
                out.extend(jsdoc(schema.get("description") or typed, ""))
                body = self._ts(schema, side, "")
                if shared.is_object(schema):
                    out.append(f"export interface {typed} {body}")
                else:
                    nullable = shared.without_null(schema)[1]
                    out.append(f"export type {typed} = {body}{' | null' if nullable else ''};")
        return out

    def signature(self, command: Dict[str, Any]) -> str:
        args = command["args"]
        # An argument may be left out only when it admits null and nothing after it is
        # required; a nullable one before a required one takes `undefined` or `null`.
        last_required = max(
            (i for i, a in enumerate(args) if not shared.without_null(a["schema"])[1]), default=-1
        )
        params = ["actor: Actor"]
        for i, arg in enumerate(args):
            optional = "?" if i > last_required else ""
            params.append(f"{param(arg['name'])}{optional}: {self.ts(arg['schema'], 'input', '    ')}")
        return f"{camel(command['name'])}({', '.join(params)}): {self.ts(command['result'], 'output', '  ')}"

    def method_doc(self, command: Dict[str, Any]) -> str:
        lines = [
            f"Runs the engine's `{command['name']}` ({command['kind']}, audited as "
            f"`{command['audit_name']}`) as `actor`: authorized, audited, then done.",
            "",
            "@param actor who acts: `\"System\"`, `{Worker: id}`, `{Person: id}`, …",
        ]
        for arg in command["args"]:
            inner, _ = shared.without_null(arg["schema"])
            lines.append(f"@param {param(arg['name'])} {self.python.arg_doc(inner)}")
        lines.append("@throws {TehoError} the error of its kind: AccessDenied, InvalidInput, NotFound, …")
        return "\n".join(lines)

    def dts(self) -> str:
        clash = sorted(TAKEN & (set(self.outputs) | {self.input_name(n) for n in self.inputs}))
        if clash:
            raise shared.GenerationError(f"engine types named like the package's own names: {clash}")
        lines = [
            "// Generated by bindings/wasm/generate.py from schemas/api.json: do not edit.",
            "// The engine's result and input types as they cross in JSON, and one typed",
            "// method per engine command.",
            "",
            "/** Who acts: `\"System\"`, `{Worker: id}`, `{Person: id}` or a supervisor. */",
            "export type Actor = string | Record<string, unknown>;",
        ]
        lines.extend(self.declarations())
        lines.append("")
        lines.append("/** One typed method per engine command; each is `call(actor, {command, args})`. */")
        lines.append("export declare class Commands {")
        lines.append("  /** Runs one request as `actor`; the result as a JavaScript value. */")
        lines.append("  call(actor: Actor, request: { command: string; args: Record<string, unknown> }): unknown;")
        for command in self.api["commands"]:
            lines.extend(jsdoc(self.method_doc(command), "  "))
            lines.append(f"  {self.signature(command)};")
        lines.append("}")
        lines.append("")
        lines.append("/** The method name of each engine command (`create_plan` → `createPlan`). */")
        lines.append("export declare const COMMANDS: Readonly<Record<string, string>>;")
        return "\n".join(lines) + "\n"

    def js(self) -> str:
        lines = [
            "// Generated by bindings/wasm/generate.py from schemas/api.json: do not edit.",
            "// One method per engine command over `call(actor, request)`; the types are in",
            "// api.d.mts.",
            "",
            "/** One typed method per engine command; each is `call(actor, {command, args})`. */",
            "export class Commands {",
        ]
        for command in self.api["commands"]:
            names = [param(a["name"]) for a in command["args"]]
            pairs = ", ".join(f"{prop(a['name'])}: {p} ?? null" for a, p in zip(command["args"], names))
            lines.append("")
            lines.extend(jsdoc(f"The engine's `{command['name']}` as `actor`.", "  "))
            lines.append(f"  {camel(command['name'])}({', '.join(['actor'] + names)}) {{")
            # A command without arguments is a unit variant on the wire: no `args` at all.
            args = f", args: {{ {pairs} }}" if pairs else ""
            lines.append(f"    return this.call(actor, {{ command: {json.dumps(command['name'])}{args} }});")
            lines.append("  }")
        lines.append("}")
        lines.append("")
        lines.append("/** The method name of each engine command (`create_plan` → `createPlan`). */")
        lines.append("export const COMMANDS = Object.freeze({")
        lines.extend(f"  {c['name']}: {json.dumps(camel(c['name']))}," for c in self.api["commands"])
        lines.append("});")
        return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    api = json.loads(API.read_text(encoding="utf-8"))
    gen = Generator(api)
    return shared.write_or_check({JS: gen.js(), DTS: gen.dts()}, argv, "python3 bindings/wasm/generate.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
