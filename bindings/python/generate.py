#!/usr/bin/env python3
"""Writes ``python/teho/_api.py`` from ``schemas/api.json`` (``teho api``'s output): one
typed :class:`Record` subclass per result type of the engine, a type alias per named
string, enum and tagged union, and one typed method per command.

    python3 bindings/python/generate.py          # rewrite _api.py
    python3 bindings/python/generate.py --check  # exit 1 if _api.py is out of date

Only the standard library is used, so it runs before anything is installed.
"""

from __future__ import annotations

import json
import keyword
import pathlib
import sys
import textwrap
from typing import Any, Dict, List, Optional, Tuple

HERE = pathlib.Path(__file__).resolve().parent
# Names the package defines by hand, with more behaviour than the generated alias.
HAND_WRITTEN = {"PersonalCode"}
API = HERE.parent.parent / "schemas" / "api.json"
TARGET = HERE / "python" / "teho" / "_api.py"

# Names a field may not take: they would hide a method of the dict a Record is.
RESERVED = set(dir(dict)) | {"to_dict", "_fields"}

# Names the hand-written part of the package takes (teho/__init__.py, errors.py); a result
# type may not take them.
TAKEN = {
    "Engine", "PersonalCodeInfo", "Record", "Records", "Actor", "Caller", "Commands", "CLASSES", "RESULTS",
    "TehoError", "AccessDenied", "AlreadyInitialized", "Conflict", "InternalError", "InvalidIcf",
    "InvalidInput", "InvalidPeriod", "InvalidPersonalCode", "InvalidRecurrence", "NotFound",
    "NotATehoDatabase", "ReasonRequired", "SchemaTooNew", "StorageError",
}

Schema = Dict[str, Any]


class GenerationError(Exception):
    """The description holds a shape this generator does not map."""


def ref_name(schema: Schema) -> Optional[str]:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def without_null(schema: Schema) -> Tuple[Schema, bool]:
    """The schema with `null` taken out, and whether it admitted null."""
    any_of = schema.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        return next(s for s in any_of if s != {"type": "null"}), True
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        inner = dict(schema)
        inner["type"] = rest[0] if len(rest) == 1 else rest
        return inner, True
    return schema, False


def consts(schema: Schema) -> List[str]:
    return [v["const"] for v in schema.get("oneOf", []) if "const" in v]


def tagged_variants(schema: Schema) -> Dict[str, Schema]:
    """The `{"Variant": content}` arms of an externally tagged enum."""
    arms: Dict[str, Schema] = {}
    for arm in schema.get("oneOf", []):
        if "const" in arm:
            continue
        props = arm.get("properties", {})
        if arm.get("type") != "object" or len(props) != 1:
            raise GenerationError(f"an enum arm that is not externally tagged: {arm}")
        ((name, content),) = props.items()
        arms[name] = content
    return arms


def is_object(schema: Schema) -> bool:
    return schema.get("type") == "object" and "properties" in schema


def attribute(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name


class Generator:
    def __init__(self, api: Dict[str, Any]) -> None:
        self.api = api
        self.outputs: Dict[str, Schema] = api["output_types"]
        self.inputs: Dict[str, Schema] = api["input_types"]

    # -- types -------------------------------------------------------------------------

    def python_type(self, schema: Schema, side: str) -> str:
        """The annotation for a schema; `side` is "output" (results) or "input" (args)."""
        inner, nullable = without_null(schema)
        text = self._type(inner, side)
        return f"Optional[{text}]" if nullable else text

    def _type(self, schema: Schema, side: str) -> str:
        name = ref_name(schema)
        if name is not None:
            defs = self.outputs if side == "output" else self.inputs
            target = defs[name]
            if is_object(target) and side == "input":
                typed = self.input_name(name)
                return f"Union[{typed}, {name}]" if typed != name else name
            return name
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "string":
            if side == "input":
                return {"date": "DateLike", "date-time": "InstantLike", "partial-date-time": "LocalLike"}.get(fmt, "str")
            return {"date": "_dt.date", "date-time": "_dt.datetime", "partial-date-time": "_dt.datetime"}.get(fmt, "str")
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "array":
            if "prefixItems" in schema:
                if side == "input":
                    return "Sequence[Any]"  # a list or a tuple, as the caller has it
                return "Tuple[" + ", ".join(self.python_type(s, side) for s in schema["prefixItems"]) + "]"
            item = self.python_type(schema.get("items", {}), side)
            return f"Records[{item}]" if side == "output" else f"Sequence[{item}]"
        if kind == "object":
            if side == "input":
                return "Mapping[str, Any]"
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return f"Dict[str, {self.python_type(extra, side)}]"
            return "Record"
        if "oneOf" in schema:
            return self.alias_of(schema)
        if schema == {} or schema is True:
            return "Any"
        raise GenerationError(f"no Python type for {schema}")

    def alias_of(self, schema: Schema) -> str:
        names = consts(schema)
        literal = "Literal[" + ", ".join(json.dumps(n) for n in names) + "]" if names else None
        if len(names) == len(schema["oneOf"]):
            return literal or "str"
        tagged = "Dict[str, Any]"
        return f"Union[{literal}, {tagged}]" if literal else tagged

    def spec(self, schema: Schema) -> Any:
        """The conversion spec of an output schema (see teho._base)."""
        inner, nullable = without_null(schema)
        spec = self._spec(inner)
        return ("opt", spec) if nullable and spec is not None else spec

    def _spec(self, schema: Schema) -> Any:
        name = ref_name(schema)
        if name is not None:
            target = self.outputs[name]
            if is_object(target):
                return ("class", name)
            return self._spec(target)
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "string":
            return {"date": "date", "date-time": "instant", "partial-date-time": "local"}.get(fmt)
        if kind == "array":
            if "prefixItems" in schema:
                return ("tuple", tuple(self.spec(s) for s in schema["prefixItems"]))
            return ("list", self.spec(schema.get("items", {})))
        if kind == "object":
            if "properties" in schema:
                return ("object", {k: self.spec(v) for k, v in sorted(schema["properties"].items())})
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return ("map", self.spec(extra))
            return None
        if "oneOf" in schema:
            arms = tagged_variants(schema)
            specs = {k: self.spec(v) for k, v in sorted(arms.items())}
            return ("tagged", specs) if any(s is not None for s in specs.values()) else None
        return None

    # -- output --------------------------------------------------------------------------

    def aliases(self) -> List[str]:
        lines: List[str] = []
        seen = set()
        for side, defs in (("output", self.outputs), ("input", self.inputs)):
            for name, schema in sorted(defs.items()):
                if is_object(schema) or name in seen:
                    continue
                seen.add(name)
                lines.append(f"{name} = {self._type(schema, side)}")
                lines.extend(doc_comment(schema.get("description")))
        return lines

    def input_name(self, name: str) -> str:
        """The TypedDict of an input object: its own name, or `…Input` when a result
        class already has the name (then the result class is accepted too)."""
        return f"{name}Input" if is_object(self.outputs.get(name, {})) else name

    def input_dicts(self) -> List[str]:
        """One TypedDict per input object, so a type checker knows the fields a command
        takes; fields that may be left out are in a `total=False` part."""
        out: List[str] = []
        for name, schema in sorted(self.inputs.items()):
            if not is_object(schema):
                continue
            typed = self.input_name(name)
            required = set(schema.get("required", []))
            fields = [(f, sub, f in required) for f, sub in schema["properties"].items()]
            must = [(f, sub) for f, sub, r in fields if r]
            may = [(f, sub) for f, sub, r in fields if not r]
            if any(keyword.iskeyword(f) for f, _ in may):
                raise GenerationError(f"{name}: an optional field named like a Python keyword")
            doc = schema.get("description") or name
            out.append("")
            out.append("")
            base = "TypedDict"
            if any(keyword.iskeyword(f) for f, _ in must):
                part = f"_{typed}Required" if may else typed
                pairs = ", ".join(f"{json.dumps(f)}: {json.dumps(self.python_type(sub, 'input'))}" for f, sub in must)
                out.append(f"{part} = TypedDict({json.dumps(part)}, {{{pairs}}})")
                out.extend(doc_comment(doc))
                if not may:
                    continue
                out.append("")
                out.append("")
                base = part
            elif must and may:
                out.append(f"class _{typed}Required(TypedDict):")
                out.append(f'    """The fields of :class:`{typed}` that must be given."""')
                out.extend(self.dict_fields(must))
                out.append("")
                out.append("")
                base = f"_{typed}Required"
            total = ", total=False" if may else ""
            out.append(f"class {typed}({base}{total}):")
            out.extend(docstring(doc, "    "))
            out.extend(self.dict_fields(may if may else must))
        return out

    def dict_fields(self, fields: List[Tuple[str, Schema]]) -> List[str]:
        out: List[str] = []
        for field, sub in fields:
            out.append("")
            out.append(f"    {field}: {self.python_type(sub, 'input')}")
            out.extend(docstring(sub.get("description"), "    "))
        return out

    def classes(self) -> List[str]:
        out: List[str] = []
        for name, schema in sorted(self.outputs.items()):
            if not is_object(schema):
                continue
            out.append("")
            out.append("")
            out.append(f"class {name}(Record):")
            out.extend(docstring(schema.get("description") or name, "    "))
            required = set(schema.get("required", []))
            fields = {}
            for field, sub in schema["properties"].items():
                if field in RESERVED:
                    raise GenerationError(f"{name}.{field} would hide a method of Record")
                annotation = self.python_type(sub, "output")
                if field not in required and not annotation.startswith("Optional["):
                    annotation = f"Optional[{annotation}]"
                out.append("")
                out.append(f"    {attribute(field)}: {annotation}")
                out.extend(docstring(sub.get("description"), "    "))
                fields[field] = self.spec(sub)
            out.append("")
            out.append(f"    _fields = {fields!r}")
        return out

    def commands(self) -> List[str]:
        out: List[str] = ["", "", "class Commands(Caller):", '    """One typed method per engine command."""']
        results = {}
        for command in self.api["commands"]:
            name = command["name"]
            args = command["args"]
            params: List[str] = ["self", "actor: Actor"]
            doc_args: List[str] = ["actor: who acts (``\"System\"``, :func:`worker`, :func:`person`, :func:`supervising`)."]
            for arg in args:
                inner, nullable = without_null(arg["schema"])
                annotation = self.python_type(arg["schema"], "input")
                ident = attribute(arg["name"])
                params.append(f"{ident}: {annotation}" + (" = None" if nullable else ""))
                doc_args.append(f"{ident}: {self.arg_doc(inner)}")
            params = self.order(params)
            result = self.python_type(command["result"], "output")
            results[name] = self.spec(command["result"])
            out.append("")
            out.append(f"    def {name}({', '.join(params)}) -> {result}:")
            doc = [f"Runs the engine's ``{name}`` as ``actor`` (authorized and audited) and returns {self.result_doc(command['result'])}", "", "Arguments:"]
            doc.extend("    " + d for d in doc_args)
            out.extend(docstring("\n".join(doc), "        "))
            pairs = ", ".join(f"{json.dumps(a['name'])}: {attribute(a['name'])}" for a in args)
            out.append(f"        return cast({json.dumps(result)}, self._run(actor, {json.dumps(name)}, {{{pairs}}}))")
        out.append("")
        out.append("")
        out.append(f"RESULTS: Dict[str, Any] = {results!r}")
        out.append('"""The conversion spec of each command\'s result."""')
        return out

    @staticmethod
    def order(params: List[str]) -> List[str]:
        """Arguments up to the first optional one are positional; from there on they are
        keyword-only, so a required argument may follow an optional one."""
        head: List[str] = []
        tail: List[str] = []
        for p in params:
            if tail or p.endswith("= None"):
                tail.append(p)
            else:
                head.append(p)
        if tail and any(not p.endswith("= None") for p in tail):
            return head + ["*"] + tail
        return head + tail

    def arg_doc(self, schema: Schema) -> str:
        name = ref_name(schema)
        if name is None:
            return self._type(schema, "input").replace("_dt.", "")
        target = self.inputs[name]
        text = first_sentence(target.get("description")) or name
        if target.get("format") == "uuid":
            return f"{name} — the id of: {text[:1].lower()}{text[1:]}"
        if is_object(target):
            required = set(target.get("required", []))
            fields = ", ".join(
                f"{k}{'' if k in required else '?'}" for k in target["properties"]
            )
            return f"{name} — {text} Fields: {fields}."
        return f"{name} — {text}"

    def result_doc(self, schema: Schema) -> str:
        name = ref_name(schema)
        if name is not None:
            return f":class:`{name}`." if is_object(self.outputs[name]) else f"a ``{name}``."
        if schema.get("type") == "array" and "items" in schema:
            item = ref_name(schema["items"])
            return f"a list of :class:`{item}`." if item else "a list."
        if "prefixItems" in schema:
            return "a tuple (" + ", ".join(f":class:`{ref_name(s)}`" for s in schema["prefixItems"]) + ")."
        return f"{self._type(schema, 'output')}."

    def module(self) -> str:
        clash = sorted(TAKEN & (set(self.outputs) | set(self.inputs)))
        if clash:
            raise GenerationError(f"engine types named like the package's own names: {clash}")
        lines = [
            '"""Generated by ``bindings/python/generate.py`` from ``schemas/api.json``: do not edit.',
            "",
            "The engine's result types as :class:`~teho.Record` classes with typed attributes, the",
            "named strings, enums and tagged unions as type aliases, and :class:`Commands` with one",
            'typed method per engine command."""',
            "",
            "from __future__ import annotations",
            "",
            "import datetime as _dt",
            "from typing import Any, Dict, Literal, Mapping, Optional, Sequence, Tuple, TypedDict, Union, cast",
            "",
            "from ._base import Actor, Caller, DateLike, InstantLike, LocalLike, Record, Records",
            "",
        ]
        # `teho.PersonalCode` is a checking class of its own (teho/__init__.py); here the
        # name stays the plain `str` the engine's arguments take.
        public = sorted(
            (set(self.outputs) | {self.input_name(n) for n in self.inputs}) - HAND_WRITTEN
        )
        lines.append("__all__ = [")
        lines.extend(f"    {json.dumps(n)}," for n in public + ["Commands"])
        lines.append("]")
        lines.append("")
        lines.extend(self.aliases())
        lines.extend(self.input_dicts())
        lines.extend(self.classes())
        lines.extend(self.commands())
        lines.append("")
        lines.append("CLASSES: Dict[str, Any] = {")
        lines.extend(f"    {json.dumps(n)}: {n}," for n, s in sorted(self.outputs.items()) if is_object(s))
        lines.append("}")
        lines.append('"""Every result class by name."""')
        return "\n".join(lines) + "\n"


def first_sentence(text: Optional[str]) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def docstring(text: Optional[str], indent: str) -> List[str]:
    if not text:
        return []
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    body = textwrap.indent(text.strip(), indent).splitlines()
    body[0] = body[0].lstrip()
    if len(body) == 1:
        return [f'{indent}"""{body[0]}"""']
    return [f'{indent}"""{body[0]}'] + body[1:] + [f'{indent}"""']


def doc_comment(text: Optional[str]) -> List[str]:
    return docstring(text, "") if text else []


def write_or_check(files: Dict[pathlib.Path, str], argv: List[str], command: str) -> int:
    """Writes each generated file, or with `--check` in `argv` exits 1 naming every stale
    one and `command`, the generator that rewrites them. Every generator's `main`."""
    if "--check" in argv:
        stale = [p for p, text in files.items() if (p.read_text(encoding="utf-8") if p.exists() else "") != text]
        for p in stale:
            print(f"{p} is out of date: run {command}", file=sys.stderr)
        if stale:
            return 1
        print(f"{' and '.join(p.name for p in files)} match{'es' if len(files) == 1 else ''} {API.name}")
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({text.count(chr(10))} lines)")
    return 0


def main(argv: List[str]) -> int:
    api = json.loads(API.read_text(encoding="utf-8"))
    return write_or_check({TARGET: Generator(api).module()}, argv, "python3 bindings/python/generate.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
