//! `relman-codegen`: writes every generated binding file from the core's
//! operation catalog; `relman-codegen --check` only says which differ;
//! `relman-codegen --catalog` prints the catalog as JSON.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--catalog") {
        // The catalog itself, as JSON (for inspection and other tools).
        return match serde_json::to_string_pretty(&relman::api::catalog()) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write the catalog: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let check = args.iter().any(|a| a == "--check");
    let root = relman_codegen::root();
    let files = relman_codegen::generate(&relman::api::catalog());
    let mut differ = 0_usize;
    for (path, text) in &files {
        let full = root.join(path);
        let current = std::fs::read_to_string(&full).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        differ = differ.saturating_add(1);
        if check {
            eprintln!("differs: {}", path.display());
        } else if let Err(e) = std::fs::write(&full, text) {
            eprintln!("cannot write {}: {e}", full.display());
            return ExitCode::FAILURE;
        } else {
            eprintln!("wrote {}", path.display());
        }
    }
    println!("codegen: {} files, {differ} differ", files.len());
    if check && differ > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
