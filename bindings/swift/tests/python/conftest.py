"""Finds the UniFFI-Python bindings `relman_uniffi` that scripts/test-swift
generated from the same library the Swift package links (the directory is
in RELMAN_UNIFFI_DIR, with librelman_uniffi.so beside the module)."""

import os
import sys

_dir = os.environ.get("RELMAN_UNIFFI_DIR")
if not _dir:
    raise RuntimeError("RELMAN_UNIFFI_DIR is not set: run ./scripts/test-swift")
sys.path.insert(0, _dir)
