"""The XCTests cannot rot unseen: without a Swift compiler, every name they
take from module Relman is checked against the generated Relman.swift
(swift_names.py), and their operation tables against the library's
operations. A failure names the file, the line and the missing name."""

import json
import pathlib
import re

import pytest

import relman_uniffi as r
import swift_names
import test_uniffi
import typed_operations

SWIFT = pathlib.Path(__file__).resolve().parents[2]
TESTS = SWIFT / "Tests" / "RelmanTests"


class RELMAN_SWIFT:
    """Module Relman's sources: the generated Relman.swift and the
    hand-written extensions beside it (RelmanError+Description.swift)."""

    @staticmethod
    def read_text():
        sources = sorted((SWIFT / "Sources" / "Relman").glob("*.swift"))
        assert any(p.name == "Relman.swift" for p in sources), sources
        return "\n".join(p.read_text() for p in sources)


def xctest_sources():
    return {p.name: p.read_text() for p in sorted(TESTS.glob("*.swift"))}


def problems(relman_swift=None, tests=None):
    return [str(p) for p in swift_names.check(relman_swift or RELMAN_SWIFT.read_text(), tests or xctest_sources())]


def test_every_name_the_xctests_take_from_relman_is_declared():
    found = problems()
    assert not found, "the XCTests use names Relman.swift does not declare:\n" + "\n".join(found)


def line_of(file, needle):
    """The 1-based line of `needle` in the test file `file`."""
    for number, line in enumerate((TESTS / file).read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {file}")


def test_a_renamed_enum_case_fails_with_file_and_line():
    """What happened in RelmanTests.swift (issue #30): DocumentKind's case
    `actor` generated as `actorRecord` while the test still said `.actor`."""
    relman = RELMAN_SWIFT.read_text()
    assert relman.count("\n    case actor\n") == 1
    renamed = relman.replace("\n    case actor\n", "\n    case actorRecord\n")
    line = line_of("RelmanTests.swift", '"actor": .actor')
    assert problems(renamed) == [
        f"RelmanTests.swift:{line}: `actor` is no enum case or static member in Relman.swift"
    ]


# What changes in the generated bindings each kind of rename stands for,
# and a name the checker must then report.
MUTATIONS = {
    "record field": ("public var plannedStart:", "public var plannedStartAt:", "`plannedStart` is no member"),
    "function": ("public func releaseFromJson(", "public func releaseFromJSON(", "`releaseFromJson` is no function"),
    "function label": (
        "public func assessRisk(release: Release, context:",
        "public func assessRisk(release: Release, ctx:",
        "`assessRisk(release:context:)` matches no declaration",
    ),
    "error case": ("    case Forbidden(", "    case Denied(", "`Forbidden` is no enum case"),
    "error field added": (
        "         */rule: String\n    )",
        "         */rule: String, \n        detail: String\n    )",
        "`.Forbidden(…)` binds 3 values; the case in Relman.swift has 4",
    ),
    "record type": ("public struct TestRun:", "public struct TestRecord:", "`TestRun` is no type"),
    "method": ("func assessMany(", "func assessBatch(", "`assessMany` is no member"),
    "case label": ("    case cancel(\n", "    case cancel(\n        why: String, \n", "`cancel(reason:)` fits no declaration"),
    "initializer label": (
        "* Actor id of the issuer (must be in `context.actors`).\n         */actor: String,",
        "* Actor id of the issuer (must be in `context.actors`).\n         */by: String,",
        "`Command(actor:at:action:)` fits no initializer of Command",
    ),
}


@pytest.mark.parametrize("kind", MUTATIONS)
def test_a_changed_name_in_the_generated_bindings_is_reported(kind):
    old, new, expected = MUTATIONS[kind]
    relman = RELMAN_SWIFT.read_text()
    assert old in relman, old
    found = problems(relman.replace(old, new))
    assert any(expected in p for p in found), found


def test_names_the_tests_declare_or_take_from_swift_are_not_reported():
    tests = {
        "T.swift": """
            import XCTest
            import Relman
            struct Local { let value: Int }
            enum Shape { case round(radius: Double) }
            final class T: XCTestCase {
                func testIt() throws {
                    let l = Local(value: 1)
                    let s: Shape = .round(radius: 2)
                    if case let .round(r) = s { XCTAssertEqual(r, 2) }
                    XCTAssertEqual(l.value, "\\(l.value)".count)
                    let d: DocumentKind = .release
                    _ = try validate(kind: d, text: #"{"a": "\\(1)"}"#)
                }
            }
        """,
    }
    assert problems(tests=tests) == []
    tests["T.swift"] = tests["T.swift"].replace("validate(kind: d, text:", "validate(kind: d, txt:")
    assert problems(tests=tests) == ["T.swift:13: `validate(kind:txt:)` fits no declaration in Relman.swift (labels, order, required arguments)"]


def test_the_tokenizer_reads_strings_comments_and_interpolations():
    tokens = swift_names.tokenize('/* a /* nested */ b */ let x = "q\\"\\(y.z)" // c\nlet w = #"raw \\(no) \\#(v)"#')
    idents = [t.text for t in tokens if t.kind == "ident"]
    assert idents == ["let", "x", "y", "z", "let", "w", "v"]
    assert [t.line for t in tokens if t.text == "w"] == [2]


# ------------------------------------------------ the tests' operation tables


def swift_table(file, pattern):
    """The text of the Swift dictionary literal starting with `pattern`."""
    text = (TESTS / file).read_text()
    start = text.index(pattern)
    end = text.index("\n        ]\n", start) if file != "RelmanTests.swift" else text.index("\n    ]\n", start)
    return text[start:end]


def test_the_typed_runner_takes_every_operation_with_its_parameters():
    """RelmanTests.swift's runTyped: `known` lists every operation with the
    parameters its typed function takes, and its switch calls each one."""
    table = swift_table("RelmanTests.swift", "let known: [String: Set<String>] = [")
    known = {op: set(re.findall(r'"(\w+)"', params)) for op, params in re.findall(r'"(\w+)": \[([^\]]*)\]', table)}
    expected = {"validate": {"kind", "document", "text"}}
    for op, spec in typed_operations.OPERATIONS.items():
        if spec is not None:
            expected[op] = {param for param, _, _ in spec[1]}
    assert known == expected
    source = (TESTS / "RelmanTests.swift").read_text()
    body = source[source.index("func runTyped("):source.index("struct Missing")]
    cases = set(re.findall(r'^        case "(\w+)":', body, re.M))
    assert cases == set(r.operations())
    assert f"XCTAssertEqual(operations().count, {len(r.operations())})" in source


def test_the_round_trip_table_has_every_operation_with_a_result():
    table = swift_table("RecordAndErrorTests.swift", "let results: [String: Pair] = [")
    assert set(re.findall(r'^            "(\w+)":', table, re.M)) == set(r.operations()) - {"schema"}


def test_the_xctest_refuses_the_vectors_the_typed_api_refuses():
    refused = []
    for path in test_uniffi.VECTOR_FILES:
        vector = json.loads(path.read_text())
        try:
            test_uniffi.run_typed(vector["operation"], vector["input"])
        except test_uniffi.NotExpressible:
            refused.append(test_uniffi.vector_id(path))
        except test_uniffi.NotRepresentable:
            pass
    source = (TESTS / "RelmanTests.swift").read_text()
    listed = source[source.index("XCTAssertEqual(refused, ["):]
    listed = listed[:listed.index("])")]
    assert re.findall(r'"([\w/]+)"', listed) == refused
