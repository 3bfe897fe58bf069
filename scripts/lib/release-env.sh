# Sourced (not run) by every script that builds a release artifact of
# relman: the Python wheel, the npm packages, the Swift static library and
# the benchmarks in the test command. They all build with the same target
# triple, profile and RUSTFLAGS, so cargo compiles the core and its
# dependencies once and every later build reuses them.
#
# - `--target "$RELEASE_TARGET"`: the host triple, named explicitly because
#   `napi build` always passes `--target`; cargo keys its output directory
#   by it (target/<triple>/release).
# - RUSTFLAGS `-C link-arg=-s`: what `napi build --strip` adds. It is set
#   here for every build because RUSTFLAGS is part of every unit's
#   fingerprint: a build with other flags would recompile everything.
# - CARGO_PROFILE_RELEASE_STRIP=symbols: what actually strips. rustc's own
#   release default (`strip = "debuginfo"`) passes `-Wl,--strip-debug`
#   after the `-s` above, and the last one wins: napi's `--strip` alone
#   leaves the symbol table in the .node (18.5 MB, `file` says "not
#   stripped"). The linker drops the symbol tables of what it links (the
#   .node, the wheel's .so, the bench binaries; static libraries are not
#   linked, so untouched). Only these builds strip: the workspace profile
#   keeps its symbols for the CLI, profiling and backtraces.
#
# After sourcing: RELEASE_TARGET, RELEASE_DIR (the release output folder),
# and RUSTFLAGS / CARGO_TARGET_DIR exported.
RELEASE_TARGET=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-C link-arg=-s"
export CARGO_PROFILE_RELEASE_STRIP=symbols
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)/target}"
RELEASE_DIR="$CARGO_TARGET_DIR/$RELEASE_TARGET/release"

# path_without_rust: $PATH without the folders that hold cargo, rustc or
# rustup — the PATH of a user who installs the wheel or the npm packages.
path_without_rust() {
  local out="" dir
  local -a dirs
  IFS=: read -ra dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ]; then
      continue
    fi
    out="${out:+$out:}$dir"
  done
  echo "$out"
}
