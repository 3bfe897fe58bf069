"""Generates relman/types.py (the TypedDicts) from relman's JSON Schemas.

Run with the package installed: ``python bindings/python/gen_types.py``
(rewrites ``relman/types.py``); ``--check`` exits 1 if the file is stale.
The tests run the check, so the stubs cannot drift from the core's schemas.

Mapping: an object with properties is a TypedDict (``total=False``; its
required keys in a ``_<Name>Required`` base); a string enum is a ``Literal``
alias; ``oneOf``/``anyOf`` is a ``Union``; an open map is ``Dict[str, X]``;
a schema that admits anything is the recursive ``JSONValue``.

Required keys: those the schema requires, and, in a TypedDict that only
ever describes output, every key whose schema has a ``default``. The core's
schemas describe what it reads, so a ``#[serde(default)]`` field is not
required there; but schemars writes that ``default`` only when the field's
``skip_serializing_if`` (if any) does not skip the default value, so such a
field is always written by serde: a result always has it (``warnings``).
"Only output": neither a parameter annotation of the package's stubs
(``relman/*.pyi``) nor an input document kind (``DocumentKind``, the
documents the CLI reads) reaches the TypedDict through the types' fields,
so a caller never has to write the key. A parameter whose type is also a
function's return type (``export_servicenow(risk=...)`` takes what
``assess_risk`` returned) is a result handed back, not an input root.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple, Union

HERE = Path(__file__).resolve().parent
# The installed package (with its native module), not the source beside us.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import relman  # noqa: E402
from relman import _relman  # noqa: E402
TARGET = HERE / "relman" / "types.py"

Schema = Dict[str, object]
# A TypedDict's field: key, type, required by the schema, doc, has a default.
Field = Tuple[str, str, bool, str, bool]
# A TypedDict to render once the input types are known: name, fields, doc.
Deferred = Tuple[str, List[Field], str]
WORD = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def camel(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", text) if p)


class Generator:
    def __init__(self) -> None:
        self.blocks: List[Union[str, Deferred]] = []
        self.refs: Dict[str, Set[str]] = {}  # type name -> names its definition uses
        self.emitted: Dict[str, str] = {}  # class name -> canonical JSON of its schema
        self.defs: Dict[str, Schema] = {}
        self.renames: Dict[str, str] = {}
        self.roots: List[Tuple[str, str]] = []
        self.literal_aliases: List[str] = []

    # -- schema → type expression -------------------------------------
    def expr(self, s: object, hint: str) -> str:
        if s is True or s == {}:
            return "JSONValue"
        if not isinstance(s, dict):
            return "JSONValue"
        if "$ref" in s:
            name = str(s["$ref"]).split("/")[-1]
            return self.ref(name)
        if "const" in s:
            return f"Literal[{json.dumps(s['const'])}]"
        for key in ("oneOf", "anyOf"):
            if key in s:
                members = s[key]
                assert isinstance(members, list)
                consts = [m.get("const") for m in members if isinstance(m, dict)]
                if all(isinstance(c, str) for c in consts) and len(consts) == len(members):
                    return "Literal[" + ", ".join(json.dumps(c) for c in consts) + "]"
                parts = []
                shared = s.get("properties")
                if isinstance(shared, dict):
                    # Fields beside a oneOf (a flattened struct) belong to every variant.
                    members = [
                        {
                            **m,
                            "properties": {**shared, **(m.get("properties") or {})},
                            "required": list(s.get("required") or []) + list(m.get("required") or []),
                        }
                        if isinstance(m, dict) and "properties" in m
                        else m
                        for m in members
                    ]
                for i, m in enumerate(members):
                    parts.append(self.expr(m, hint + self.variant_name(m, i)))
                return union(parts)
        t = s.get("type")
        if isinstance(t, list):
            return union([self.expr({**s, "type": one}, hint) for one in t])
        if t == "string":
            return "str"
        if t == "integer":
            return "int"
        if t == "number":
            return "float"
        if t == "boolean":
            return "bool"
        if t == "null":
            return "None"
        if t == "array":
            items = s.get("items", True)
            if isinstance(items, list):
                return "List[JSONValue]"
            return f"List[{self.expr(items, hint + 'Item')}]"
        if t == "object" or "properties" in s:
            props = s.get("properties")
            if isinstance(props, dict) and props:
                return self.typed_dict(hint, s)
            extra = s.get("additionalProperties", True)
            return f"Dict[str, {self.expr(extra, hint + 'Value')}]"
        return "JSONValue"

    @staticmethod
    def variant_name(m: object, i: int) -> str:
        if isinstance(m, dict):
            for key, p in (m.get("properties") or {}).items():
                if isinstance(p, dict) and isinstance(p.get("const"), str):
                    return camel(p["const"])
            req = m.get("required")
            if isinstance(req, list) and len(req) == 1:
                return camel(str(req[0]))
        return f"Variant{i}"

    def ref(self, name: str) -> str:
        name = self.renames.get(name, name)
        if name not in self.emitted:
            schema = self.defs[name]
            self.emitted[name] = canonical(schema)
            self.define(name, schema)
        return name

    # -- definitions ----------------------------------------------------
    def define(self, name: str, s: Schema) -> None:
        props = s.get("properties")
        if isinstance(props, dict) and props and "oneOf" not in s and "anyOf" not in s:
            self.typed_dict(name, s, top=True)
            return
        body = self.expr(s, name)
        if body.startswith("Literal[") and ", " in body:
            self.literal_aliases.append(name)
        self.refs[name] = set(WORD.findall(body))
        self.blocks.append(f"{name} = {quote_names(body)}\n{docstring_comment(s)}")

    def typed_dict(self, name: str, s: Schema, top: bool = False) -> str:
        if not top:
            if name in self.emitted and self.emitted[name] != canonical(s):
                name = name + "Inline"
            if name in self.emitted:
                return name
            self.emitted[name] = canonical(s)
        props = s.get("properties")
        assert isinstance(props, dict)
        required = set(s.get("required") or [])  # type: ignore[arg-type]
        fields: List[Field] = []
        for key in sorted(props):
            p = props[key]
            t = self.expr(p, name + camel(key))
            doc = p.get("description", "") if isinstance(p, dict) else ""
            default = isinstance(p, dict) and "default" in p
            fields.append((key, t, key in required, str(doc), default))
        self.refs[name] = {w for f in fields for w in WORD.findall(f[1])}
        self.blocks.append((name, fields, str(s.get("description", ""))))
        return name

    def run(self) -> str:
        names = list(_relman.SCHEMAS)
        schemas = {n: json.loads(json.dumps(relman.schema(n))) for n in names}
        # Every $def, by name; a second, different def of the same name is
        # renamed after the schema that carries it.
        per_schema: Dict[str, Dict[str, str]] = {}
        for n in names:
            s = schemas[n]
            renames: Dict[str, str] = {}
            for d, body in (s.get("$defs") or {}).items():
                if d in self.defs and canonical(self.defs[d]) != canonical(body):
                    new = camel(n) + d
                    self.defs[new] = body
                    renames[d] = new
                else:
                    self.defs.setdefault(d, body)
            per_schema[n] = renames
        for n in names:
            s = dict(schemas[n])
            title = str(s.get("title") or camel(n))
            root = {k: v for k, v in s.items() if k not in ("$defs", "$schema", "title")}
            self.renames = per_schema[n]
            if title in self.defs and canonical(self.defs[title]) == canonical(root):
                cls = self.ref(title)
            elif title in self.emitted:
                cls = title if self.emitted[title] == canonical(root) else camel(n) + "Document"
                if cls not in self.emitted:
                    self.emitted[cls] = canonical(root)
                    self.define(cls, root)
            else:
                self.defs[title] = root
                cls = self.ref(title)
            self.roots.append((n, cls))
        self.renames = {}
        return self.render()

    def input_types(self) -> Set[str]:
        """Every type a parameter of the stubs reaches through the fields."""
        seen: Set[str] = set()
        roots = dict(self.roots)
        kinds = self.defs.get("DocumentKind") or {}
        members = kinds.get("oneOf") or [{"const": e} for e in kinds.get("enum") or []]  # type: ignore[union-attr]
        documents = {roots[m["const"]] for m in members if isinstance(m, dict) and m.get("const") in roots}
        assert documents, "no input document kinds (DocumentKind) found"
        todo = [n for n in stub_parameter_names() | documents if n in self.refs]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo.extend(n for n in self.refs.get(name, ()) if n in self.refs and n not in seen)
        return seen

    def render(self) -> str:
        inputs = self.input_types()
        out = [HEADER]
        for b in self.blocks:
            if isinstance(b, str):
                out.append(b)
                continue
            name, fields, doc = b
            output_only = name not in inputs
            out.append(render_typed_dict(
                name, [(k, t, req or (default and output_only), d) for k, t, req, d, default in fields], doc))
        table = "SCHEMA_TYPES: Dict[str, str] = {\n"
        for n, cls in self.roots:
            table += f"    {json.dumps(n)}: {json.dumps(cls)},\n"
        table += "}\n"
        table += '"""The TypedDict of each schema name (as `relman.schema(name)` knows it)."""\n'
        out.append(table)
        return "\n".join(out)


HEADER = '''"""TypedDicts of every relman document and result.

GENERATED by bindings/python/gen_types.py from relman's JSON Schemas
(`relman.schema(name)`); do not edit by hand. Optional keys are optional
(``total=False``); unknown keys of a document are kept by relman (its
``extra``) but are not described here.
"""

# fmt: off
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Literal, Mapping, Sequence, TypedDict, Union

JSONValue = Union[None, bool, int, float, str, List["JSONValue"], Dict[str, "JSONValue"]]
"""Any JSON value: the type of open maps such as ``extra`` and ``data``."""

JSONInput = Union[None, bool, int, float, str, Sequence[Any], Mapping[str, Any]]
"""Any JSON value as a parameter: any sequence or string-keyed mapping (a
``list[dict[str, Any]]`` included), checked by relman when called."""

TimestampIn = Union[str, datetime]
"""A timestamp parameter: RFC 3339 text or a datetime with tzinfo."""

TableResponse = Union[Mapping[str, JSONInput], str]
"""A ServiceNow Table API response (``{"result": [...]}``) or its JSON text."""
'''


def stub_parameter_names() -> Set[str]:
    """The names used in a parameter annotation of any function or method
    in the package's stubs (relman/*.pyi), but those of a return type."""
    names: Set[str] = set()
    returned: Set[str] = set()
    for stub in sorted((HERE / "relman").glob("*.pyi")):
        for node in ast.walk(ast.parse(stub.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                    if arg is not None and arg.annotation is not None:
                        names.update(WORD.findall(ast.unparse(arg.annotation)))
                if node.returns is not None:
                    returned.update(WORD.findall(ast.unparse(node.returns)))
    return names - returned


def union(parts: List[str]) -> str:
    seen: List[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    if "JSONValue" in seen:
        return "JSONValue"
    if len(seen) == 1:
        return seen[0]
    return "Union[" + ", ".join(seen) + "]"


def quote_names(expr: str) -> str:
    """Quotes class names in a runtime-evaluated alias (forward references)."""
    builtin = {"Union", "List", "Dict", "Literal", "str", "int", "float", "bool", "None", "JSONValue"}

    def repl(m: "re.Match[str]") -> str:
        word = m.group(0)
        return word if word in builtin else f'"{word}"'

    # Leave string literals alone: split on them.
    parts = re.split(r'("(?:[^"\\]|\\.)*")', expr)
    return "".join(p if i % 2 else re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b", repl, p) for i, p in enumerate(parts))


def docstring_comment(s: object) -> str:
    doc = s.get("description") if isinstance(s, dict) else None
    if not doc:
        return ""
    return '"""' + clean(str(doc)) + '"""\n'


def clean(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''").strip()


def render_typed_dict(name: str, fields: List[Tuple[str, str, bool, str]], doc: str) -> str:
    req = [f for f in fields if f[2]]
    opt = [f for f in fields if not f[2]]
    functional = any(not f[0].isidentifier() or keyword.iskeyword(f[0]) for f in fields)
    lines: List[str] = []
    base = "TypedDict"
    if req:
        base = f"_{name}Required"
        lines.append(block(base, "TypedDict", req, functional, total=True))
    lines.append(block(name, base, opt, functional, total=False, doc=doc))
    return "\n".join(lines)


def block(name: str, base: str, fields: List[Tuple[str, str, bool, str]], functional: bool,
          total: bool, doc: str = "") -> str:
    if functional and base == "TypedDict":
        items = ", ".join(f"{json.dumps(k)}: {quote_names(t)}" for k, t, _, _ in fields)
        suffix = "" if total else ", total=False"
        return f"{name} = TypedDict({json.dumps(name)}, {{{items}}}{suffix})\n"
    if functional:
        # A keyword as a key and a required base: two functional halves.
        items = ", ".join(f"{json.dumps(k)}: {quote_names(t)}" for k, t, _, _ in fields)
        return (f"_{name}Optional = TypedDict({json.dumps('_' + name + 'Optional')}, {{{items}}}, total=False)\n"
                f"class {name}({base}, _{name}Optional):\n" + (f'    """{clean(doc)}"""\n' if doc else "    pass\n"))
    head = f"class {name}({base}{'' if total else ', total=False'}):\n"
    body = []
    if doc:
        body.append(f'    """{clean(doc)}"""\n')
    for k, t, _, d in fields:
        body.append(f"    {k}: {t}\n")
        if d:
            body.append(f'    """{clean(d)}"""\n')
    if not body:
        body.append("    pass\n")
    return head + "".join(body)


def canonical(s: object) -> str:
    return json.dumps(s, sort_keys=True)


ALLOWLIST = HERE / "stubtest-allowlist.txt"

ALLOWLIST_HEADER = """\
# mypy.stubtest allowlist for relman. GENERATED by gen_types.py; each entry
# has its reason.
#
# 1. The operation functions: at run time every parameter defaults to None
#    (and **unknown is accepted) so that a missing or misspelt parameter is
#    relman's InvalidInput naming it, as in every relman front end; the stub
#    keeps required parameters required so mypy reports them first. Their
#    names, order and keyword-only markers are checked against the run time
#    and relman's OPERATIONS table by tests/test_api.py::test_stub_signatures.
relman\\.({operations})
#
# 2. A Literal alias of several values is a Union to mypy but a
#    typing._LiteralGenericAlias at run time: stubtest reports "is not a
#    Union" (a false positive of stubtest on an inline-typed module).
"""


def main(argv: List[str]) -> int:
    gen = Generator()
    text = gen.run()
    operations = "|".join(name for name, _, _ in _relman.OPERATIONS)
    allow = ALLOWLIST_HEADER.format(operations=operations) + "".join(f"relman.types.{n}\n" for n in gen.literal_aliases)
    if "--check" in argv:
        if TARGET.read_text() != text or ALLOWLIST.read_text() != allow:
            print(f"{TARGET} is stale: run python bindings/python/gen_types.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    ALLOWLIST.write_text(allow)
    print(f"wrote {TARGET} and {ALLOWLIST}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
