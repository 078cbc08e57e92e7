//! A folder a command writes with `--out`: what teamlens may replace there, and what it must
//! refuse.
//!
//! A report replaces its folder whole (so a killed run leaves the old report or the new one,
//! never a mix). That is only safe when the folder holds nothing but an earlier report: once,
//! `report --out w` beside a data directory `w/d` deleted the store and a user's notes. So a
//! folder is replaced only when it is new, empty, or an earlier report — recognised by the
//! marker file each report writes, which lists the files it wrote, or, for reports written
//! before the marker existed, by holding only a report's own files. Anything else is refused
//! before a byte is written, and so are the working folder and any folder that holds, or is
//! inside, the data directory.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The marker file a report writes into its folder.
pub const MARKER: &str = ".teamlens-report";

/// Why a folder cannot be written as asked.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    #[error(
        "--out {}: that is the folder you are working in{}; a report replaces its folder \
         whole, so give it a folder of its own, such as --out reports/latest (nothing was \
         changed)",
        out.display(),
        if *holds { ", or holds it" } else { "" }
    )]
    WorkingFolder { out: PathBuf, holds: bool },
    #[error(
        "--out {}: {relation} the data directory {}; give --out a folder outside it (nothing \
         was changed)",
        out.display(),
        data.display()
    )]
    DataDirectory {
        out: PathBuf,
        data: PathBuf,
        relation: &'static str,
    },
    #[error(
        "--out {}: it holds {}{} that teamlens did not write; a report replaces its folder \
         whole, so it goes only into a new or empty folder or an earlier report's: give --out \
         another folder (nothing was changed)",
        out.display(),
        first.display(),
        if *others == 0 { String::new() } else { format!(" and {others} more") }
    )]
    Foreign {
        out: PathBuf,
        first: PathBuf,
        others: usize,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the marker records.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    written_by: String,
    /// Every file the report wrote, relative to its folder, with `/` separators.
    files: BTreeSet<String>,
}

/// Checks that `out` may be replaced by a report: not the working folder or one holding it,
/// not the data directory, inside it or holding it, and holding nothing teamlens did not
/// write. Nothing is changed either way.
pub fn check_replaceable(out: &Path, data_dir: Option<&Path>) -> Result<(), OutError> {
    check_placement(out, data_dir)?;
    if !out.is_dir() {
        return Ok(());
    }
    let found = files_under(out)?;
    let allowed = match read_marker(out) {
        Some(marker) => marker.files,
        None => found
            .iter()
            .filter(|f| is_legacy_report_file(f))
            .cloned()
            .collect(),
    };
    let foreign: Vec<&String> = found
        .iter()
        .filter(|f| f.as_str() != MARKER && !allowed.contains(*f))
        .collect();
    match foreign.first() {
        None => Ok(()),
        Some(first) => Err(OutError::Foreign {
            out: out.to_path_buf(),
            first: PathBuf::from(first.as_str()),
            others: foreign.len() - 1,
        }),
    }
}

/// Checks where `out` is, for a command that adds files to a folder without replacing it (the
/// retro): not inside, equal to or holding the data directory.
pub fn check_placement(out: &Path, data_dir: Option<&Path>) -> Result<(), OutError> {
    let resolved_out = resolved(out);
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize())
        && cwd.starts_with(&resolved_out)
    {
        return Err(OutError::WorkingFolder {
            out: out.to_path_buf(),
            holds: cwd != resolved_out,
        });
    }
    if let Some(data) = data_dir {
        let resolved_data = resolved(data);
        let relation = if resolved_data == resolved_out {
            Some("it is")
        } else if resolved_data.starts_with(&resolved_out) {
            Some("it holds")
        } else if resolved_out.starts_with(&resolved_data) {
            Some("it is inside")
        } else {
            None
        };
        if let Some(relation) = relation {
            return Err(OutError::DataDirectory {
                out: out.to_path_buf(),
                data: data.to_path_buf(),
                relation,
            });
        }
    }
    Ok(())
}

/// Writes the marker into a finished report folder (before it takes the place of `--out`),
/// listing every file in it.
pub fn write_marker(dir: &Path) -> Result<(), OutError> {
    let marker = Marker {
        written_by: format!("teamlens {}", env!("CARGO_PKG_VERSION")),
        files: files_under(dir)?
            .into_iter()
            .filter(|f| f != MARKER)
            .collect(),
    };
    let text = serde_json::to_string_pretty(&marker).map_err(|e| OutError::Io {
        path: dir.join(MARKER),
        source: std::io::Error::other(e),
    })?;
    let path = dir.join(MARKER);
    std::fs::write(&path, text + "\n").map_err(|source| OutError::Io { path, source })
}

fn read_marker(dir: &Path) -> Option<Marker> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    serde_json::from_str(&text).ok()
}

/// A report written before the marker: `report.md|html|json` at the top, SVG and PNG charts
/// under `charts/`, CSV under `data/`, and nothing else.
fn is_legacy_report_file(path: &str) -> bool {
    match path.split_once('/') {
        None => matches!(path, "report.md" | "report.html" | "report.json"),
        Some(("charts", name)) => {
            !name.contains('/') && (name.ends_with(".svg") || name.ends_with(".png"))
        }
        Some(("data", name)) => !name.contains('/') && name.ends_with(".csv"),
        Some(_) => false,
    }
}

/// Every file under `dir` (and every empty folder, so it too counts as something found),
/// relative, with `/` separators, sorted. Symbolic links are listed, never followed.
fn files_under(dir: &Path) -> Result<BTreeSet<String>, OutError> {
    let mut found = BTreeSet::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, relative)) = pending.pop() {
        let entries = std::fs::read_dir(&path).map_err(|source| OutError::Io {
            path: path.clone(),
            source,
        })?;
        let mut empty = true;
        for entry in entries {
            empty = false;
            let entry = entry.map_err(|source| OutError::Io {
                path: path.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if is_dir {
                pending.push((entry.path(), child));
            } else {
                found.insert(child);
            }
        }
        if empty && !relative.is_empty() {
            found.insert(format!("{relative}/"));
        }
    }
    Ok(found)
}

/// `path` made absolute with symbolic links resolved as far as it exists, so that two names of
/// one folder compare equal.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_other_files_is_refused_and_an_earlier_report_is_not() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("report");
        std::fs::create_dir_all(out.join("charts")).unwrap();
        std::fs::write(out.join("report.md"), "x").unwrap();
        std::fs::write(out.join("charts/trends.svg"), "x").unwrap();
        // An earlier report without a marker.
        check_replaceable(&out, None).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let error = check_replaceable(&out, None).unwrap_err().to_string();
        assert!(error.contains("notes.txt"), "{error}");
        // With a marker, only what it lists.
        write_marker(&out).unwrap();
        check_replaceable(&out, None).unwrap();
        std::fs::write(out.join("charts/mine.svg"), "mine").unwrap();
        let error = check_replaceable(&out, None).unwrap_err().to_string();
        assert!(error.contains("charts/mine.svg"), "{error}");
    }

    #[test]
    fn the_data_directory_is_never_inside_equal_to_or_around_the_output() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("w/d");
        std::fs::create_dir_all(&data).unwrap();
        for (out, relation) in [
            (root.path().join("w"), "it holds"),
            (data.clone(), "it is"),
            (data.join("report"), "it is inside"),
        ] {
            let error = check_placement(&out, Some(&data)).unwrap_err().to_string();
            assert!(error.contains(relation), "{error}");
        }
        check_placement(&root.path().join("reports"), Some(&data)).unwrap();
    }

    #[test]
    fn resolving_a_path_that_does_not_exist_yet_keeps_its_tail() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/b/../c");
        let real = root.path().canonicalize().unwrap();
        assert_eq!(resolved(&path), real.join("a/b/../c"));
    }
}
