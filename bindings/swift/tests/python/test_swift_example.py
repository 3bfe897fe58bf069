"""examples/swift, the README's Swift example, without a Swift compiler: the
README shows exactly its code, every name it takes from Relman is declared
(swift_names.py), and the output the README shows is what the library
gives for the same calls (made here through UniFFI's Python bindings of
the same library, with the same data)."""

import json
import pathlib
import re

import relman_uniffi as r
import swift_names

ROOT = pathlib.Path(__file__).resolve().parents[4]
EXAMPLE = ROOT / "examples" / "swift"
MAIN = EXAMPLE / "Sources" / "ReleaseFlow" / "main.swift"
DATA = ROOT / "examples" / "data"


def swift_section():
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index("## From Swift\n"):readme.index("\n## ", readme.index("## From Swift\n") + 1)]


def blocks(language):
    return re.findall(r"^```" + language + r"\n(.*?)^```$", swift_section(), re.M | re.S)


def test_the_readme_shows_the_example_and_the_two_commands():
    assert MAIN.read_text() in blocks("swift")
    assert (EXAMPLE / "Package.swift").read_text() in blocks("swift")
    assert "./scripts/package-swift\n(cd examples/swift && swift run ReleaseFlow)\n" in blocks("sh")


def test_the_example_depends_on_the_distribution_package_by_path():
    manifest = (EXAMPLE / "Package.swift").read_text()
    assert manifest.startswith("// swift-tools-version:6.2\n")
    assert '.package(path: "../../target/swift/Relman")' in manifest
    assert "unsafeFlags" not in manifest


def test_the_example_takes_only_declared_names_from_relman():
    sources = sorted((ROOT / "bindings" / "swift" / "Sources" / "Relman").glob("*.swift"))
    relman = "\n".join(p.read_text() for p in sources)
    mains = {f"{p.parent.name}/main.swift": p.read_text() for p in sorted((EXAMPLE / "Sources").glob("*/main.swift"))}
    assert len(mains) == 2, mains
    found = swift_names.check(relman, mains)
    assert not found, [str(p) for p in found]


def test_the_readme_output_is_what_the_library_gives():
    """The calls of main.swift, in the same order with the same data, and
    its print statements' formatting."""
    release = r.release_from_json((DATA / "release-major.json").read_text())
    context = r.context_from_json((DATA / "context.json").read_text())
    context.policy = (DATA / "policy.json").read_text()
    report = r.check(release, r.ReleaseState.DEVELOPMENT, context)
    lines = [f"verdict: {'allowed' if report.allowed else 'denied'} {report._from.name.lower()} -> {report.target.name.lower()}"]
    unmet = [f"{q.rule}: {q.message}" for q in report.requirements if not q.met]
    lines.append(f"unmet rules: {'; '.join(unmet) if unmet else 'none'}")
    command = r.Command(actor="anna.jansen", at="2026-11-16T09:15:00+01:00", action=r.Action.ADVANCE())
    applied = r.apply(release, command, context)
    lines.append(f"applied state: {applied.release.state.name.lower()} (event {applied.events[0].seq} by {applied.events[0].actor})")
    params = f'{{"release": {r.release_to_json(applied.release)}, "context": {r.context_to_json(context)}}}'
    risk = json.loads(r.call_json("assess_risk", params))
    lines.append(f"risk score: {risk['score']!r} {risk['level']}")
    assert "\n".join(lines) + "\n" in blocks("text")
