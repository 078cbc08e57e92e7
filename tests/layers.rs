//! Imports point down the layers. ARCHITECTURE.md's "Layers" section lists the modules of
//! `src/` from the top layer to the bottom one; a module may use modules of its own layer and of
//! the layers below it, never one above. This test reads every `crate::…` path in the code (and
//! `teamlens::…` in `main.rs`), comments left out, and fails on an upward one or on a module
//! the section does not place, so the map and the code cannot drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each module's layer, 0 the bottom, from the first fenced block after `## Layers`.
fn layers() -> BTreeMap<String, usize> {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let section = &map[map
        .find("\n## Layers")
        .expect("ARCHITECTURE.md has a Layers section")..];
    let block = section
        .split("```")
        .nth(1)
        .expect("the Layers section has a fenced block");
    let rows: Vec<Vec<&str>> = block
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|modules| !modules.is_empty())
        .collect();
    let mut layer = BTreeMap::new();
    for (depth, modules) in rows.iter().rev().enumerate() {
        for module in modules {
            assert!(
                layer.insert(module.to_string(), depth).is_none(),
                "{module} is placed twice in ARCHITECTURE.md's Layers"
            );
        }
    }
    layer
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/sources/git/sync.rs` → `sources`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The modules a line of code names through `prefix` (`crate::`), including each of a braced
/// list's (`crate::{a, b::c}`).
fn named_modules(code: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(list) = rest.strip_prefix('{') {
            let inner = &list[..list.find('}').unwrap_or(list.len())];
            for item in inner.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let layer = layers();
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let Some(&own) = layer.get(&module) else {
            wrong.push(format!(
                "src/{module}: not placed in ARCHITECTURE.md's Layers; add it to its layer"
            ));
            continue;
        };
        let prefix = if module == "main" {
            "teamlens::"
        } else {
            "crate::"
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for used in named_modules(code, prefix) {
                let shown = file.strip_prefix(root()).unwrap().display();
                match layer.get(&used) {
                    None => wrong.push(format!(
                        "{shown}:{}: {module} uses {used}, which ARCHITECTURE.md's Layers does not place",
                        number + 1
                    )),
                    Some(&theirs) if theirs > own => wrong.push(format!(
                        "{shown}:{}: {module} uses {used}, a layer above it",
                        number + 1
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_module_of_the_library_is_placed() {
    let layer = layers();
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "))
        {
            let name = name.trim_end_matches(';');
            assert!(
                layer.contains_key(name),
                "src/{name} is not placed in ARCHITECTURE.md's Layers"
            );
        }
    }
}

#[test]
fn braced_lists_and_paths_are_both_read() {
    assert_eq!(
        named_modules(
            "use crate::{config::Config, store}; x(crate::period::Month)",
            "crate::"
        ),
        ["config", "store", "period"]
    );
    assert!(named_modules("let a = my_crate::x;", "crate::").is_empty());
}
