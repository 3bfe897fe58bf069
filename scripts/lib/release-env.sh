# Sourced (not run) by every script that builds a release artifact of
# relman: the Python wheel, the npm packages, the Swift static library and
# the benchmarks in the test command. They all build with the same target
# triple, profile and RUSTFLAGS, so cargo compiles the core and its
# dependencies once and every later build reuses them.
#
# - `--target "$RELEASE_TARGET"`: the host triple, named explicitly because
#   `napi build` always passes `--target`; cargo keys its output directory
#   by it (target/<triple>/release).
# - RUSTFLAGS `-C link-arg=-s`: what `napi build --strip` adds (the linker
#   drops the symbol tables of what it links: the .node, the wheel's .so,
#   the bench binaries; static libraries are not linked, so untouched).
#   RUSTFLAGS is part of every unit's fingerprint: a build with other flags
#   would recompile everything. The workspace profile itself strips nothing.
#
# After sourcing: RELEASE_TARGET, RELEASE_DIR (the release output folder),
# and RUSTFLAGS / CARGO_TARGET_DIR exported.
RELEASE_TARGET=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-C link-arg=-s"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)/target}"
RELEASE_DIR="$CARGO_TARGET_DIR/$RELEASE_TARGET/release"
