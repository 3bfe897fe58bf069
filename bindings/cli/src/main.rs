//! `relman` — the command-line front end of the relman release-management
//! engine. Everything lives in the library (`src/lib.rs`, crate
//! `relman_cli`), which the fuzz targets call too.

fn main() -> std::process::ExitCode {
    relman_cli::main()
}
