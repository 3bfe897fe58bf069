//! `relman-codegen`: writes every generated binding file from the core's
//! operation catalog and the published JSON Schemas (`schemas/*.json`);
//! `relman-codegen --check` only says which differ (or are stale);
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
        } else if let Err(e) = full
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&full, text))
        {
            eprintln!("cannot write {}: {e}", full.display());
            return ExitCode::FAILURE;
        } else {
            eprintln!("wrote {}", path.display());
        }
    }
    // A schema file no name produces any more is stale too.
    let wanted: Vec<&std::path::Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    let listed = std::fs::read_dir(root.join("schemas"))
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for full in listed {
        let Some(name) = full.file_name() else {
            continue;
        };
        let path = std::path::Path::new("schemas").join(name);
        if wanted.contains(&path.as_path()) {
            continue;
        }
        differ = differ.saturating_add(1);
        if check {
            eprintln!("stale: {}", path.display());
        } else if let Err(e) = std::fs::remove_file(&full) {
            eprintln!("cannot remove {}: {e}", full.display());
            return ExitCode::FAILURE;
        } else {
            eprintln!("removed {}", path.display());
        }
    }
    println!("codegen: {} files, {differ} differ", files.len());
    if check && differ > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
