"""The distribution package scripts/package-swift writes (scripts/test-swift
builds it into a temporary directory and passes its path in
RELMAN_SWIFT_PACKAGE): a well-formed SE-0482 artifact bundle whose static
libraries export every function the generated header declares, the Swift
sources and XCTests of the repository with the vectors as test resources,
and a manifest without unsafe flags or environment variables."""

import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import pytest

import swift_names

ROOT = pathlib.Path(__file__).resolve().parents[4]
SWIFT = ROOT / "bindings" / "swift"
PACKAGE = pathlib.Path(os.environ.get("RELMAN_SWIFT_PACKAGE", "/nonexistent"))
FRESH = pathlib.Path(os.environ.get("RELMAN_SWIFT_FRESH", "/nonexistent"))
BUNDLE = PACKAGE / "RelmanFFI.artifactbundle"

pytestmark = [
    pytest.mark.skipif(
        "RELMAN_SWIFT_PACKAGE" not in os.environ, reason="run by scripts/test-swift, which builds the package"
    ),
    pytest.mark.skipif(
        sys.platform == "darwin", reason="on macOS package-swift builds the XCFramework variant, not checked here"
    ),
]


def info():
    return json.loads((BUNDLE / "info.json").read_text())


def crate_version():
    text = (ROOT / "Cargo.toml").read_text()
    return re.search(r'^\[workspace\.package\][^\[]*?^version = "([^"]+)"', text, re.M | re.S).group(1)


def test_info_json_is_an_se_0482_static_library_bundle():
    manifest = info()
    assert manifest["schemaVersion"] == "1.2"
    assert list(manifest["artifacts"]) == ["RelmanFFI"]
    artifact = manifest["artifacts"]["RelmanFFI"]
    assert artifact["type"] == "staticLibrary"
    assert artifact["version"] == crate_version()
    variants = artifact["variants"]
    assert variants, "no variant"
    triples = [t for v in variants for t in v["supportedTriples"]]
    assert "x86_64-unknown-linux-gnu" in triples or os.uname().machine != "x86_64"
    assert len(triples) == len(set(triples))
    for v in variants:
        assert set(v) == {"path", "supportedTriples", "staticLibraryMetadata"}, v
        assert (BUNDLE / v["path"]).is_file(), v["path"]
        assert v["path"].endswith("/librelman_uniffi.a")
        assert all(isinstance(t, str) and t.count("-") >= 2 for t in v["supportedTriples"])
        meta = v["staticLibraryMetadata"]
        assert set(meta) == {"headerPaths", "moduleMapPath"}
        for headers in meta["headerPaths"]:
            assert (BUNDLE / headers / "RelmanFFI.h").is_file()
        assert (BUNDLE / meta["moduleMapPath"]).is_file()


def test_header_and_module_map_are_the_generated_ones():
    for name, generated in (("RelmanFFI.h", "RelmanFFI.h"), ("module.modulemap", "module.modulemap")):
        assert (BUNDLE / "include" / name).read_text() == (FRESH / "Sources" / "RelmanFFI" / generated).read_text(), name
    assert 'header "RelmanFFI.h"' in (BUNDLE / "include" / "module.modulemap").read_text()


def header_functions():
    """Every function RelmanFFI.h declares: the scaffolding of each export,
    its checksum, the RustBuffer and future helpers, the contract version."""
    header = (BUNDLE / "include" / "RelmanFFI.h").read_text()
    return set(re.findall(r"^\w[\w ]*?\b((?:uniffi|ffi)_relman_uniffi_\w+)\(", header, re.M))


def test_every_static_library_exports_every_function_of_the_header():
    functions = header_functions()
    exported = {n for n in functions if "_fn_func_" in n or "_fn_method_" in n or "_fn_constructor_" in n}
    assert len(exported) > 60
    for name in exported:
        kind, rest = re.match(r"uniffi_relman_uniffi_fn_(func|method|constructor)_(\w+)", name).groups()
        if "_uniffi_trait_" in rest:
            continue  # trait methods (RelmanError's Display) have no checksum function
        assert f"uniffi_relman_uniffi_checksum_{kind}_{rest}" in functions, name
    for v in info()["artifacts"]["RelmanFFI"]["variants"]:
        symbols = subprocess.run(
            ["nm", "--defined-only", "-g", str(BUNDLE / v["path"])], check=True, capture_output=True, text=True
        ).stdout
        defined = set(re.findall(r" T (\w+)$", symbols, re.M))
        missing = sorted(functions - defined)
        assert not missing, f"{v['path']} lacks {missing[:5]} (+{max(0, len(missing) - 5)})"


def test_swift_sources_are_the_generated_and_committed_ones():
    sources = PACKAGE / "Sources" / "Relman"
    assert (sources / "Relman.swift").read_text() == (FRESH / "Sources" / "Relman" / "Relman.swift").read_text()
    committed = {p.name for p in (SWIFT / "Sources" / "Relman").glob("*.swift")}
    assert {p.name for p in sources.glob("*.swift")} == committed
    for name in committed - {"Relman.swift"}:
        assert (sources / name).read_text() == (SWIFT / "Sources" / "Relman" / name).read_text(), name


def test_the_xctests_travel_with_their_vectors():
    tests = PACKAGE / "Tests" / "RelmanTests"
    dev = SWIFT / "Tests" / "RelmanTests"
    assert {p.name for p in tests.glob("*.swift")} == {p.name for p in dev.glob("*.swift")}
    for p in dev.glob("*.swift"):
        if p.name != "Vectors.swift":
            assert (tests / p.name).read_text() == p.read_text(), p.name
    assert "Bundle.module" in (tests / "Vectors.swift").read_text()
    vectors = ROOT / "core" / "tests" / "vectors"
    shipped = sorted(p.relative_to(tests / "vectors") for p in (tests / "vectors").rglob("*.json"))
    assert shipped == sorted(p.relative_to(vectors) for p in vectors.rglob("*.json"))
    assert all((tests / "vectors" / p).read_bytes() == (vectors / p).read_bytes() for p in shipped)
    # The package's XCTests take only names its sources declare.
    relman = "\n".join(p.read_text() for p in sorted((PACKAGE / "Sources" / "Relman").glob("*.swift")))
    found = swift_names.check(relman, {p.name: p.read_text() for p in sorted(tests.glob("*.swift"))})
    assert not found, [str(p) for p in found]


def test_the_manifest_needs_no_toolchain_flags_or_environment():
    manifest = (PACKAGE / "Package.swift").read_text()
    assert manifest.startswith("// swift-tools-version:6.2\n")
    assert '.binaryTarget(name: "RelmanFFI", path: "RelmanFFI.artifactbundle")' in manifest
    for forbidden in ("unsafeFlags", "ProcessInfo", "environment[", "RELMAN_LIB_DIR", "LD_LIBRARY_PATH", "#filePath"):
        assert forbidden not in manifest, forbidden
    linked = re.findall(r'\.linkedLibrary\("(\w+)", \.when\(platforms: \[\.linux\]\)\)', manifest)
    assert "c" in linked and len(linked) == len(set(linked)), linked
    assert 'resources: [.copy("vectors")]' in manifest
    assert (PACKAGE / "LICENSE-MIT").is_file() and (PACKAGE / "LICENSE-APACHE").is_file()


def test_the_zip_holds_the_bundle_and_its_checksum_is_printed():
    zip_path = PACKAGE.parent / "RelmanFFI.artifactbundle.zip"
    with zipfile.ZipFile(zip_path) as z:
        names = sorted(z.namelist())
        assert names == sorted(str(p.relative_to(PACKAGE)) for p in BUNDLE.rglob("*") if p.is_file())
        for name in names:
            assert z.read(name) == (PACKAGE / name).read_bytes(), name
    checksum = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    log = pathlib.Path(os.environ["RELMAN_SWIFT_PACKAGE_LOG"]).read_text()
    assert f"sha256:  {checksum}" in log
    release = PACKAGE.parent / "Package.release.swift"
    text = release.read_text()
    assert f'.binaryTarget(name: "RelmanFFI", url: "https://example.invalid/RelmanFFI.artifactbundle.zip", checksum: "{checksum}")' in text
    assert text.replace(
        f'url: "https://example.invalid/RelmanFFI.artifactbundle.zip", checksum: "{checksum}"', 'path: "RelmanFFI.artifactbundle"'
    ) == (PACKAGE / "Package.swift").read_text()
