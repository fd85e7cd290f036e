//! Keeps the architecture honest: the core modules stay pure (no LSP, async runtime, ropes,
//! printing or file I/O outside `corpus`), and every module says what it is for.

use std::fs;
use std::path::Path;

/// The core: plain data in, plain data out.
/// Directories are whole modules: every file inside is core too.
const CORE: &[&str] =
    &["align.rs", "bibliography.rs", "check.rs", "corpus", "index", "lines.rs", "normalize.rs", "quotes"];

const FORBIDDEN_IN_CORE: &[&str] = &[
    "tower_lsp",
    "tokio",
    "ropey",
    "println!",
    "eprintln!",
    "print!(",
    "lsp_types",
    "crate::lsp",
    "crate::cli",
    "crate::report",
];

fn src() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
}

fn rust_files(path: &Path) -> Vec<std::path::PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(path).unwrap() {
        files.extend(rust_files(&entry.unwrap().path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

#[test]
fn core_modules_know_nothing_of_shells() {
    for module in CORE {
        let files = rust_files(&src().join(module));
        assert!(!files.is_empty(), "core module {module} is missing");
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let name = file.strip_prefix(src()).unwrap().display().to_string();
            for forbidden in FORBIDDEN_IN_CORE {
                assert!(!text.contains(forbidden), "src/{name} mentions `{forbidden}`: the core must stay pure");
            }
            if *module != "corpus" {
                assert!(!text.contains("std::fs"), "src/{name} touches the file system; only corpus may");
            }
        }
    }
}

#[test]
fn every_module_has_a_header_comment() {
    let mut missing = Vec::new();
    let mut stack = vec![src().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    assert!(missing.is_empty(), "modules without a `//!` header: {missing:?}");
}

#[test]
fn corpus_files_are_the_seeds_byte_for_byte() {
    let seeds = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds"));
    if !seeds.exists() {
        return; // Outside the workplace checkout the seeds are not beside the repo.
    }
    for entry in fs::read_dir(seeds).unwrap() {
        let seed = entry.unwrap().path();
        let ours = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")).join(seed.file_name().unwrap());
        assert_eq!(fs::read(&seed).unwrap(), fs::read(&ours).unwrap(), "{} differs from its seed", ours.display());
    }
}
