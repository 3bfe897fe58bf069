"""The names the XCTests take from module `Relman`, checked against the
generated Relman.swift without a Swift compiler.

The development machines have no Swift compiler, so nothing compiles
Tests/RelmanTests; a renamed enum case or record field in the generated
bindings would otherwise go unseen until someone runs `swift test`. This
module tokenizes Swift (comments, strings with their interpolations, raw
strings, backticked names), collects what Relman.swift declares publicly
(types; functions, initializers, enum cases with their argument labels;
properties) and what the test files declare themselves, and reports every
use in the tests that neither declares:

- a call `name(` and a type name (an upper-case identifier);
- an implicit member `.name` (`.actorRecord`, `.advance`): an enum case or
  a static member of a Relman type;
- a member of a Relman type named before it (`RelmanError.Conflict`,
  `DocumentKind.release`) and any other member `.name` after an expression
  (record fields, methods);
- the argument labels of a call to a Relman function, initializer, method
  or case (`Release(id:title:)`, `.cancel(reason:)`), and the exact label
  list of a function reference (`Relman.check(release:target:context:keys:)`);
- the number of bindings of a case pattern (`case let .Forbidden(code, _,
  rule)`) against the case's associated values.

Names from Swift, Foundation and XCTest are in the explicit allowlists
below; anything else unknown is reported as `file:line: name`.
"""

from __future__ import annotations

import dataclasses
import re

# ------------------------------------------------------------- allowlists

#: Types and free functions of the Swift standard library, Foundation and
#: XCTest that the tests use.
ALLOWED_GLOBALS = {
    "Any", "Bool", "Bundle", "Codable", "Data", "Decoder", "DispatchTime", "Double",
    "Encoder", "Equatable", "Error", "FileManager", "Int", "Int64", "JSONDecoder",
    "JSONEncoder", "JSONSerialization", "ProcessInfo", "Set", "StaticString", "String",
    "UInt", "UInt64", "URL", "UTF8", "Void", "XCTAssertEqual", "XCTAssertFalse",
    "XCTAssertGreaterThan", "XCTAssertGreaterThanOrEqual", "XCTAssertNil",
    "XCTAssertNotNil", "XCTAssertThrowsError", "XCTAssertTrue", "XCTFail", "XCTestCase",
    "abs", "max", "min", "print", "zip",
}

#: Members (properties, methods) of standard library, Foundation and XCTest
#: types that the tests use after an expression (`files.count`).
ALLOWED_MEMBERS = {
    "append", "appendingPathComponent", "arguments", "dropFirst", "joined", "jsonObject",
    "localizedDescription", "processInfo", "array", "compactMap", "contains",
    "contentsOfDirectory", "count", "decode", "decodeNil", "default",
    "deletingLastPathComponent", "deletingPathExtension", "encode", "encodeNil",
    "enumerated", "filter", "first", "flatMap", "hasPrefix", "hasSuffix", "isEmpty", "keys",
    "last", "lastPathComponent", "leastNormalMagnitude", "map", "module", "outputFormatting",
    "path", "replacingOccurrences", "resourceURL", "rounded", "self", "singleValueContainer",
    "sorted", "union", "uptimeNanoseconds", "utf8", "value",
}

#: Implicit members (`.utf8`) of standard library and Foundation types.
ALLOWED_IMPLICIT = {"sortedKeys", "utf8", "init"}

KEYWORDS = {
    "as", "async", "await", "break", "case", "catch", "class", "continue",
    "convenience", "default", "defer", "do", "else", "enum", "extension",
    "fallthrough", "false", "fileprivate", "final", "for", "func", "get", "guard",
    "if", "import", "in", "indirect", "init", "inout", "internal", "is", "lazy",
    "let", "mutating", "nil", "open", "override", "private", "protocol", "public",
    "repeat", "required", "rethrows", "return", "self", "Self", "set", "some",
    "static", "struct", "subscript", "super", "switch", "throw", "throws", "true",
    "try", "typealias", "var", "where", "while", "any", "nonisolated", "deinit",
}

MODIFIERS = {
    "public", "open", "private", "fileprivate", "internal", "static", "class",
    "final", "override", "convenience", "required", "mutating", "nonisolated",
    "indirect", "lazy", "weak", "unowned", "dynamic", "optional",
}

TYPE_KEYWORDS = {"struct", "enum", "class", "protocol", "actor", "extension"}

# ---------------------------------------------------------------- tokens


@dataclasses.dataclass
class Token:
    kind: str  # ident, number, string, punct, op, pound
    text: str
    line: int
    space_before: bool = False
    quoted: bool = False  # a `backticked` identifier


_OP_CHARS = set("=-+*/%<>&|^~")
_PUNCT = set("()[]{},:;@\\")  # `\` starts a key path


class SwiftSyntaxError(ValueError):
    pass


def tokenize(source: str) -> list[Token]:
    """The tokens of Swift source; string literals are one `string` token
    each, followed by the tokens of their interpolations."""
    tokens: list[Token] = []
    _scan(source, 0, 1, tokens, until_paren=False)
    return tokens


def _scan(src: str, i: int, line: int, out: list[Token], until_paren: bool) -> tuple[int, int]:
    """Scans from `i`; with `until_paren`, stops after the `)` closing an
    interpolation. Returns (index, line)."""
    depth = 0
    n = len(src)
    space = True
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            space = True
            continue
        if c in " \t\r":
            i += 1
            space = True
            continue
        if src.startswith("//", i):
            while i < n and src[i] != "\n":
                i += 1
            space = True
            continue
        if src.startswith("/*", i):
            nest = 0
            while i < n:
                if src.startswith("/*", i):
                    nest += 1
                    i += 2
                elif src.startswith("*/", i):
                    nest -= 1
                    i += 2
                    if nest == 0:
                        break
                else:
                    if src[i] == "\n":
                        line += 1
                    i += 1
            space = True
            continue
        start_line = line
        if c == '"' or (c == "#" and re.match(r'#+"', src[i:])):
            i, line = _string(src, i, line, out)
            space = False
            continue
        if c == "`":
            end = src.index("`", i + 1)
            out.append(Token("ident", src[i + 1:end], start_line, space, quoted=True))
            i = end + 1
            space = False
            continue
        if c.isalpha() or c == "_" or c == "$":
            m = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*").match(src, i)
            out.append(Token("ident", m.group(0), start_line, space))
            i = m.end()
            space = False
            continue
        if c == "#":
            m = re.compile(r"#[A-Za-z_]+").match(src, i)
            if not m:
                raise SwiftSyntaxError(f"line {line}: stray #")
            out.append(Token("pound", m.group(0), start_line, space))
            i = m.end()
            space = False
            continue
        if c.isdigit():
            m = re.compile(r"0x[0-9A-Fa-f_]+|[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][-+]?[0-9]+)?").match(src, i)
            out.append(Token("number", m.group(0), start_line, space))
            i = m.end()
            space = False
            continue
        if c == ".":
            m = re.compile(r"\.\.\.|\.\.<").match(src, i)
            if m:
                out.append(Token("op", m.group(0), start_line, space))
                i = m.end()
            else:
                out.append(Token("punct", ".", start_line, space))
                i += 1
            space = False
            continue
        if c in "?!":
            # `a ?? b` is an operator, `x.first??.id` two postfix `?`
            if src.startswith("!=", i) or (src.startswith("??", i) and not src.startswith("??.", i)):
                out.append(Token("op", src[i:i + 2], start_line, space))
                i += 2
            else:
                out.append(Token("punct", c, start_line, space))
                i += 1
            space = False
            continue
        if c in _OP_CHARS:
            j = i
            while j < n and src[j] in _OP_CHARS:
                j += 1
            out.append(Token("op", src[i:j], start_line, space))
            i = j
            space = False
            continue
        if c in _PUNCT:
            if until_paren:
                if c == "(":
                    depth += 1
                elif c == ")":
                    if depth == 0:
                        return i + 1, line
                    depth -= 1
            out.append(Token("punct", c, start_line, space))
            i += 1
            space = False
            continue
        raise SwiftSyntaxError(f"line {line}: unexpected character {c!r}")
    if until_paren:
        raise SwiftSyntaxError(f"line {line}: unterminated interpolation")
    return i, line


def _string(src: str, i: int, line: int, out: list[Token]) -> tuple[int, int]:
    """A string literal at `i` (raw `#"…"#`, multi-line `\"\"\"…\"\"\"`);
    its interpolations' tokens follow the string token."""
    start_line = line
    hashes = 0
    while src[i] == "#":
        hashes += 1
        i += 1
    multi = src.startswith('"""', i)
    i += 3 if multi else 1
    close = ('"""' if multi else '"') + "#" * hashes
    escape = "\\" + "#" * hashes
    index = len(out)
    out.append(Token("string", "", start_line))
    n = len(src)
    while i < n:
        if src.startswith(close, i):
            i += len(close)
            return i, line
        if src.startswith(escape, i):
            j = i + len(escape)
            if j < n and src[j] == "(":
                i, line = _scan(src, j + 1, line, out, until_paren=True)
                continue
            if j < n and src[j] == "\n":
                line += 1
            i = j + 1
            continue
        if src[i] == "\n":
            if not multi:
                raise SwiftSyntaxError(f"line {start_line}: unterminated string")
            line += 1
        i += 1
    raise SwiftSyntaxError(f"line {start_line}: unterminated string")
    return i, line  # pragma: no cover


# ---------------------------------------------------------- declarations


@dataclasses.dataclass
class Declarations:
    """What a Swift source declares: every name, and for the callables their
    argument label lists (`None` for an unlabeled argument)."""

    types: set[str] = dataclasses.field(default_factory=set)
    #: name -> label lists of the functions, methods and cases named so
    callables: dict[str, list[list[Label]]] = dataclasses.field(default_factory=dict)
    #: top-level function name -> label lists
    functions: dict[str, list[list[Label]]] = dataclasses.field(default_factory=dict)
    #: enum case name -> label lists (one per enum declaring it)
    cases: dict[str, list[list[Label]]] = dataclasses.field(default_factory=dict)
    #: type name -> the names of its members (cases, properties, methods)
    members: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    #: type name -> label lists of its initializers
    inits: dict[str, list[list[Label]]] = dataclasses.field(default_factory=dict)
    #: static members and cases (usable as implicit members `.name`)
    implicit: set[str] = dataclasses.field(default_factory=set)
    #: every declared name, members and locals included
    names: set[str] = dataclasses.field(default_factory=set)

    def all_members(self) -> set[str]:
        out: set[str] = set()
        for m in self.members.values():
            out |= m
        return out


def _matching(tokens: list[Token], i: int) -> int:
    """The index of the bracket closing the one at `i`."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = tokens[i].text
    closer = pairs[opener]
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.kind != "punct":
            continue
        if t.text == opener:
            depth += 1
        elif t.text == closer:
            depth -= 1
            if depth == 0:
                return j
    raise SwiftSyntaxError(f"line {tokens[i].line}: unbalanced {opener}")


def _split_args(tokens: list[Token], open_index: int) -> list[list[Token]]:
    """The comma-separated items inside the parenthesis at `open_index`."""
    close = _matching(tokens, open_index)
    items: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for t in tokens[open_index + 1:close]:
        if t.kind == "punct" and t.text in "([{":
            depth += 1
        elif t.kind == "punct" and t.text in ")]}":
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == ",":
            items.append(current)
            current = []
        else:
            current.append(t)
    if current or items:
        items.append(current)
    return items


class Label(str):
    """An argument label of a declaration (`""` for `_`), with whether its
    parameter has a default value (may be left out of a call)."""

    optional: bool = False


def _label(text: str | None, optional: bool) -> Label:
    label = Label(text or "")
    label.optional = optional
    return label


def _param_labels(tokens: list[Token], open_index: int) -> tuple[list[Label], list[str]]:
    """The argument labels of a parameter list and every name it declares."""
    labels: list[Label] = []
    names: list[str] = []
    for item in _split_args(tokens, open_index):
        head: list[str] = []
        for t in item:
            if t.kind == "punct" and t.text == ":":
                break
            if t.kind == "ident" and t.text not in ("inout", "isolated", "borrowing", "consuming"):
                head.append(t.text)
        optional = any(t.kind == "op" and t.text == "=" for t in item)
        if not head:
            labels.append(_label(None, optional))
            continue
        labels.append(_label(None if head[0] == "_" else head[0], optional))
        names.extend(h for h in head if h != "_")
    return labels, names


def _call_matches(used: list[str | None], declared: list[Label]) -> bool:
    """Whether a call with argument labels `used` (None: unlabeled) fits a
    declaration: its labels in order, every one left out has a default."""
    k = 0
    for label in used:
        want = label or ""
        while k < len(declared) and declared[k] != want:
            if not declared[k].optional:
                return False
            k += 1
        if k == len(declared):
            return False
        k += 1
    return all(rest.optional for rest in declared[k:])


def _is_public(tokens: list[Token], i: int) -> bool:
    """Whether the declaration whose keyword is at `i` has `public`/`open`
    among its modifiers."""
    j = i - 1
    while j >= 0:
        t = tokens[j]
        if t.kind == "ident" and t.text in MODIFIERS:
            if t.text in ("public", "open"):
                return True
            j -= 1
            continue
        if t.kind == "punct" and t.text == ")" :
            # an attribute argument list: @available(...)
            depth = 0
            while j >= 0:
                if tokens[j].text == ")":
                    depth += 1
                elif tokens[j].text == "(":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            j -= 1
            continue
        if t.kind == "ident" and j > 0 and tokens[j - 1].text == "@":
            j -= 2
            continue
        return False
    return False


def declarations(source: str, public_only: bool) -> Declarations:
    """The declarations of one Swift source. With `public_only` (the
    generated module), only what another module sees: public and open
    declarations, the cases of public enums, protocol requirements; locals
    inside function bodies are skipped. Without it (the test files), every
    name declared anywhere, locals, parameters and pattern bindings
    included."""
    tokens = tokenize(source)
    d = Declarations()
    # The brace stack: for each `{`, (type name or None, type keyword, public)
    stack: list[tuple[str | None, str | None, bool]] = []
    pending: tuple[str | None, str | None, bool] = (None, None, False)
    i = 0
    n = len(tokens)

    def owner() -> tuple[str | None, str | None, bool]:
        return stack[-1] if stack else (None, None, True)

    def in_type_body() -> bool:
        return not stack or stack[-1][0] is not None

    def declare_callable(name: str, labels: list[Label]) -> None:
        d.callables.setdefault(name, []).append(labels)

    def member(type_name: str | None, name: str) -> None:
        d.names.add(name)
        if type_name is not None:
            d.members.setdefault(type_name, set()).add(name)

    while i < n:
        t = tokens[i]
        if t.kind == "punct" and t.text == "{":
            stack.append(pending)
            pending = (None, None, False)
            i += 1
            continue
        if t.kind == "punct" and t.text == "}":
            if stack:
                stack.pop()
            i += 1
            continue
        if t.kind != "ident" or t.quoted:
            i += 1
            continue
        word = t.text
        prev = tokens[i - 1] if i > 0 else None
        after_dot = prev is not None and prev.kind == "punct" and prev.text == "."
        nxt = tokens[i + 1] if i + 1 < n else None
        type_name, type_kw, type_public = owner()
        visible = not public_only or (
            in_type_body()
            and (
                _is_public(tokens, i)
                or type_kw == "protocol"
                or (type_kw == "enum" and word == "case" and type_public)
            )
        )

        if word in TYPE_KEYWORDS and not after_dot and nxt is not None and nxt.kind == "ident":
            if word == "class" and nxt.text in {"func", "var", "let"} | MODIFIERS:
                i += 1
                continue
            name = nxt.text
            public = not public_only or _is_public(tokens, i) or word == "extension"
            if word != "extension" and public:
                d.types.add(name)
                d.names.add(name)
            pending = (name, word, public)
            i += 2
            continue
        if word == "typealias" and nxt is not None and nxt.kind == "ident":
            if visible:
                d.types.add(nxt.text)
                d.names.add(nxt.text)
            i += 2
            continue
        if word == "func" and nxt is not None:
            if nxt.kind != "ident":
                i += 1
                continue
            name = nxt.text
            j = i + 2
            generics: list[str] = []
            if j < n and tokens[j].text == "<":
                while j < n and not tokens[j].text.startswith(">"):
                    if tokens[j].kind == "ident":
                        generics.append(tokens[j].text)
                    j += 1
                j += 1
            if j < n and tokens[j].text == "(":
                labels, params = _param_labels(tokens, j)
                if visible:
                    declare_callable(name, labels)
                    member(type_name, name)
                    if not stack:
                        d.functions.setdefault(name, []).append(labels)
                    if type_name is not None and _is_static(tokens, i):
                        d.implicit.add(name)
                if not public_only:
                    d.names.update(params)
                    d.types.update(generics)
                    d.names.update(generics)
            i = j
            continue
        if word == "init" and not after_dot and nxt is not None and nxt.text in ("(", "?", "!"):
            j = i + 1 if nxt.text == "(" else i + 2
            if j < n and tokens[j].text == "(" and (visible or not public_only) and type_name is not None:
                labels, params = _param_labels(tokens, j)
                d.inits.setdefault(type_name, []).append(labels)
                if not public_only:
                    d.names.update(params)
            i += 1
            continue
        if word == "case" and type_kw == "enum" and (visible or not public_only) and _is_case_decl(tokens, i):
            j = i + 1
            while j < n and tokens[j].kind == "ident":
                name = tokens[j].text
                labels: list[Label] = []
                k = j + 1
                if k < n and tokens[k].text == "(":
                    labels, _ = _param_labels(tokens, k)
                    k = _matching(tokens, k) + 1
                if k < n and tokens[k].text == "=":  # raw value
                    k += 2
                d.cases.setdefault(name, []).append(labels)
                declare_callable(name, labels)
                member(type_name, name)
                d.implicit.add(name)
                if k < n and tokens[k].text == ",":
                    j = k + 1
                else:
                    j = k
                    break
            i = j
            continue
        if word in ("var", "let") and not after_dot:
            if public_only:
                if visible and nxt is not None and nxt.kind == "ident":
                    member(type_name, nxt.text)
                    if type_name is None:
                        d.names.add(nxt.text)
                    if type_name is not None and _is_static(tokens, i):
                        d.implicit.add(nxt.text)
                i += 1
                continue
            _bind_pattern(tokens, i + 1, d)
            if nxt is not None and nxt.kind == "ident" and type_name is not None and in_type_body():
                member(type_name, nxt.text)
            i += 1
            continue
        if not public_only and word == "for":
            j = i + 1
            while j < n and tokens[j].text != "in":
                if tokens[j].kind == "ident" and tokens[j].text not in ("case", "let", "var"):
                    d.names.add(tokens[j].text)
                j += 1
            i = j
            continue
        i += 1

    if not public_only:
        _closure_params(tokens, d)
    return d


def _is_static(tokens: list[Token], i: int) -> bool:
    j = i - 1
    while j >= 0 and tokens[j].kind == "ident" and tokens[j].text in MODIFIERS:
        if tokens[j].text == "static":
            return True
        j -= 1
    return False


def _is_case_decl(tokens: list[Token], i: int) -> bool:
    """`case name` declares a case in an enum body; `case .x:` / `case let`
    inside a switch do not (they are in function bodies, but a computed
    property's switch can sit in an enum's extension)."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return nxt is not None and nxt.kind == "ident" and nxt.text not in ("let", "var")


def _bind_pattern(tokens: list[Token], j: int, d: Declarations) -> None:
    """Declares the names bound by the pattern starting at `j` (after
    `let`/`var`): `x`, `(a, b)`, `.Case(a, _, b)`, `Type.Case(a, b)`."""
    n = len(tokens)
    if j < n and tokens[j].kind == "ident" and not (j + 1 < n and tokens[j + 1].text == "."):
        d.names.add(tokens[j].text)
        return
    # skip `Type.Case` / `.Case` up to the tuple
    while j < n and (tokens[j].kind == "ident" or tokens[j].text == "."):
        j += 1
    if j < n and tokens[j].text == "(":
        close = _matching(tokens, j)
        for t in tokens[j + 1:close]:
            if t.kind == "ident" and t.text not in ("_", "let", "var"):
                d.names.add(t.text)


def _closure_params(tokens: list[Token], d: Declarations) -> None:
    """`{ a, b in` and `{ (a, b) in`: closure parameters."""
    for i, t in enumerate(tokens):
        if t.text != "{" or t.kind != "punct":
            continue
        j = i + 1
        names: list[str] = []
        while j < len(tokens) and (tokens[j].kind == "ident" or tokens[j].text in "(),"):
            if tokens[j].text == "in":
                d.names.update(names)
                break
            if tokens[j].kind == "ident" and tokens[j].text != "_":
                names.append(tokens[j].text)
            j += 1


# ------------------------------------------------------------------ uses


@dataclasses.dataclass(frozen=True)
class Problem:
    file: str
    line: int
    name: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: `{self.name}` {self.why}"


_EXPR_END = {")", "]", "}"}


def _labels_of_call(tokens: list[Token], open_index: int) -> tuple[list[str | None], bool]:
    """The labels of the arguments of a call (None for unlabeled), and
    whether it is a function reference `f(a:b:)` rather than a call."""
    items = _split_args(tokens, open_index)
    labels: list[str | None] = []
    close = _matching(tokens, open_index)
    inner = tokens[open_index + 1:close]
    is_ref = bool(inner) and all(
        (t.kind == "ident" and k + 1 < len(inner) and inner[k + 1].text == ":") or t.text == ":"
        for k, t in enumerate(inner)
    ) and all(t.kind != "punct" or t.text == ":" for t in inner)
    if is_ref:
        return [t.text if t.text != "_" else None for t in inner if t.kind == "ident"], True
    for item in items:
        if len(item) >= 2 and item[0].kind == "ident" and item[1].text == ":" and item[1].kind == "punct":
            labels.append(item[0].text)
        else:
            labels.append(None)
    return labels, False


def check(relman_swift: str, tests: dict[str, str]) -> list[Problem]:
    """Every name the test sources (file name -> text) take from module
    Relman that the generated `relman_swift` does not declare."""
    lib = declarations(relman_swift, public_only=True)
    local = Declarations()
    parsed: dict[str, list[Token]] = {}
    for name, text in tests.items():
        parsed[name] = tokenize(text)
        dd = declarations(text, public_only=False)
        local.types |= dd.types
        local.names |= dd.names | dd.types
        local.implicit |= dd.implicit
        for k, v in dd.callables.items():
            local.callables.setdefault(k, []).extend(v)
        for k, v in dd.cases.items():
            local.cases.setdefault(k, []).extend(v)
    lib_members = lib.all_members()
    lib_top = set(lib.callables) | lib.types | lib.names
    problems: list[Problem] = []

    for file, tokens in parsed.items():
        n = len(tokens)
        for i, t in enumerate(tokens):
            if t.kind != "ident" or t.text in KEYWORDS and not t.quoted:
                continue
            name = t.text
            if name.startswith("$") or name == "_":
                continue
            prev = tokens[i - 1] if i > 0 else None
            nxt = tokens[i + 1] if i + 1 < n else None
            after_dot = prev is not None and prev.kind == "punct" and prev.text == "."
            is_call = nxt is not None and nxt.kind == "punct" and nxt.text == "(" and not nxt.space_before
            if prev is not None and prev.kind == "ident" and prev.text in (
                "func", "var", "let", "struct", "enum", "class", "protocol", "typealias", "case", "import"
            ) and not after_dot:
                continue

            if after_dot:
                base = tokens[i - 2] if i >= 2 else None
                # `\.rule`: a key path, a member of some type
                key_path = base is not None and base.kind == "punct" and base.text == "\\"
                implicit = not key_path and (base is None or not (
                    (base.kind == "ident" and (base.quoted or base.text not in KEYWORDS or base.text in ("self", "Self")))
                    or base.kind in ("string", "number")
                    or (base.kind == "punct" and (base.text in _EXPR_END or (base.text in "?!" and not prev.space_before and not base.space_before)))
                ))
                if implicit:
                    ok = name in lib.implicit or name in local.implicit or name in ALLOWED_IMPLICIT
                    where = "is no enum case or static member in Relman.swift"
                    owner_cases = None
                elif base.kind == "ident" and base.text == "Relman":
                    ok = name in lib_top
                    where = "is not declared in Relman.swift"
                elif base.kind == "ident" and base.text in lib.types and base.text not in local.types:
                    ok = name in lib.members.get(base.text, set()) or name == "init" or name in ALLOWED_MEMBERS
                    where = f"is no member of {base.text} in Relman.swift"
                else:
                    ok = name in lib_members or name in lib_top or name in local.names or name in ALLOWED_MEMBERS
                    where = "is no member declared in Relman.swift or the tests"
                if not ok:
                    problems.append(Problem(file, t.line, name, where))
                    continue
                if is_call and name not in (local.cases if implicit else local.callables):
                    lists = (lib.cases.get(name, []) if implicit else []) or lib.callables.get(name, [])
                    _check_labels(file, tokens, i, name, lists, problems)
                if implicit or (base is not None and base.kind == "ident" and base.text in lib.types):
                    _check_pattern(file, tokens, i, name, lib, problems)
                continue

            # a bare identifier
            if name[0].isupper():
                if name not in lib.types and name not in local.types and name not in local.names \
                        and name not in ALLOWED_GLOBALS and name != "Relman":
                    problems.append(Problem(file, t.line, name, "is no type declared in Relman.swift or the tests"))
                    continue
                if is_call and name in lib.types and name not in local.types and name in lib.inits:
                    labels, _ = _labels_of_call(tokens, i + 1)
                    if not any(_call_matches(labels, ls) for ls in lib.inits[name]):
                        shown = name + "(" + "".join(f"{label or '_'}:" for label in labels) + ")"
                        problems.append(Problem(file, t.line, shown, f"fits no initializer of {name} in Relman.swift"))
                continue
            if is_call:
                if name in local.names:
                    continue
                if name not in lib.functions and name not in ALLOWED_GLOBALS:
                    problems.append(Problem(file, t.line, name, "is no function declared in Relman.swift or the tests"))
                    continue
                if name in lib.functions:
                    _check_labels(file, tokens, i, name, lib.functions[name], problems)
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.name))


def _check_labels(file, tokens, i, name, lists: list[list[Label]], problems: list[Problem]) -> None:
    """The call or function reference at `i` against the label lists of
    the declarations it may name."""
    if not lists:
        return
    labels, is_ref = _labels_of_call(tokens, i + 1)
    line = tokens[i].line
    shown = name + "(" + "".join(f"{label or '_'}:" for label in labels) + ")"
    if is_ref:
        if not any([label or "" for label in labels] == [str(x) for x in ls] for ls in lists):
            problems.append(Problem(file, line, shown, "matches no declaration in Relman.swift"))
        return
    if _in_pattern(tokens, i):
        return
    if not any(_call_matches(labels, ls) for ls in lists):
        problems.append(Problem(file, line, shown, "fits no declaration in Relman.swift (labels, order, required arguments)"))


def _in_pattern(tokens: list[Token], i: int) -> bool:
    """Whether the member at `i` (after its `.`) starts a case pattern:
    `case .X(`, `case let .X(`, `case let T.X(`, `catch let T.X(`."""
    j = i - 2  # before the dot
    if j >= 0 and tokens[j].kind == "ident" and tokens[j].text not in ("let", "var", "case", "catch"):
        j -= 1
    if j >= 0 and tokens[j].text in ("let", "var"):
        j -= 1
    return j >= 0 and tokens[j].text in ("case", "catch")


def _check_pattern(file, tokens, i, name, lib: Declarations, problems: list[Problem]) -> None:
    """The bindings of a case pattern against the case's associated values."""
    n = len(tokens)
    if not (i + 1 < n and tokens[i + 1].text == "(") or not _in_pattern(tokens, i):
        return
    lists = lib.cases.get(name)
    if not lists:
        return
    items = _split_args(tokens, i + 1)
    if len(items) == 1 and any(len(ls) > 1 for ls in lists):
        return  # a single binding of the whole tuple
    if not any(len(ls) == len(items) for ls in lists):
        want = " or ".join(str(len(ls)) for ls in lists)
        problems.append(Problem(file, tokens[i].line, f".{name}(…)",
                                f"binds {len(items)} values; the case in Relman.swift has {want}"))
