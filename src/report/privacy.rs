//! Who a report is for, and stable pseudonyms for sharing it without names.
//!
//! `--anonymize` replaces every person by a pseudonym derived from a keyed hash of the person id:
//! SHA-256 over a secret key kept in the data directory (`pseudonym.key`, created on first use)
//! and the id. The same person gets the same pseudonym in every month's report from that data
//! directory, and nobody without the key can recover an id by hashing candidate names. The raw
//! id never reaches the output: every string of the report (figures, headlines, questions, PR
//! titles, chart labels, CSV cells) goes through [`Names::text`], which replaces each whole-word
//! occurrence of a person id, display name or alias.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The file in the data directory holding the pseudonym key.
pub const KEY_FILE: &str = "pseudonym.key";
const KEY_BYTES: usize = 32;

/// Who reads the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The manager: people are named.
    #[default]
    Manager,
    /// The team, in a retro: per-person health signals (burnout, attrition risk) only as team
    /// aggregates; role-based findings about the manager stay.
    Team,
}

/// Why pseudonyms could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("pseudonym key {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "pseudonym key {path} is damaged (expected {KEY_BYTES} bytes as hex); delete it to start \
         new pseudonyms (earlier reports will no longer match)"
    )]
    BadKey { path: PathBuf },
    #[error("building the name matcher: {0}")]
    Matcher(String),
}

/// Reads the data directory's pseudonym key, creating it from the OS's random source if absent.
pub fn load_or_create_key(data_dir: &Path) -> Result<Vec<u8>, PrivacyError> {
    let path = data_dir.join(KEY_FILE);
    let io = |source| PrivacyError::Io {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = decode_hex(text.trim())
                .ok_or_else(|| PrivacyError::BadKey { path: path.clone() })?;
            if key.len() != KEY_BYTES {
                return Err(PrivacyError::BadKey { path });
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::io::Read;
            let mut key = vec![0u8; KEY_BYTES];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut key))
                .map_err(io)?;
            std::fs::create_dir_all(data_dir).map_err(io)?;
            let created = crate::store::create_secret_once(&path, encode_hex(&key).as_bytes())
                .map_err(|e| io(std::io::Error::other(e.to_string())))?;
            if created {
                Ok(key)
            } else {
                // Another report created it a moment ago: its key is the one.
                load_or_create_key(data_dir)
            }
        }
        Err(e) => Err(io(e)),
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The pseudonym of a person id under a key: `p-` and six hex digits of the keyed hash (short
/// enough for a chart label; two of 200 people share one with a chance of about 1 in 800).
pub fn pseudonym(key: &[u8], person: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(key);
    hash.update([0u8]);
    hash.update(person.as_bytes());
    format!("p-{}", &encode_hex(&hash.finalize())[..6])
}

/// One person as the people table knows them: the id and every other name they go by.
#[derive(Debug, Clone)]
pub struct KnownPerson {
    pub person: String,
    pub names: Vec<String>,
}

/// How names appear in a report: as they are, or as pseudonyms.
pub struct Names {
    replacements: Option<Replacements>,
}

struct Replacements {
    matcher: AhoCorasick,
    /// Pseudonym for each pattern of the matcher, by pattern index.
    pseudonyms: Vec<String>,
    by_person: BTreeMap<String, String>,
    key: Vec<u8>,
}

impl Names {
    /// Names shown as they are.
    pub fn plain() -> Names {
        Names { replacements: None }
    }

    /// Every id, display name and alias of `people` replaced by the person's pseudonym.
    pub fn pseudonymous(key: Vec<u8>, people: &[KnownPerson]) -> Result<Names, PrivacyError> {
        let mut patterns = Vec::new();
        let mut pseudonyms = Vec::new();
        let mut by_person = BTreeMap::new();
        for known in people {
            let alias = pseudonym(&key, &known.person);
            by_person.insert(known.person.clone(), alias.clone());
            for name in std::iter::once(&known.person).chain(&known.names) {
                let name = name.trim();
                if !name.is_empty() {
                    patterns.push(name.to_string());
                    pseudonyms.push(alias.clone());
                }
            }
        }
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map_err(|e| PrivacyError::Matcher(e.to_string()))?;
        Ok(Names {
            replacements: Some(Replacements {
                matcher,
                pseudonyms,
                by_person,
                key,
            }),
        })
    }

    pub fn is_anonymous(&self) -> bool {
        self.replacements.is_some()
    }

    /// A person id as the report shows it.
    pub fn person(&self, person: &str) -> String {
        match &self.replacements {
            None => person.to_string(),
            Some(r) => r
                .by_person
                .get(person)
                .cloned()
                .unwrap_or_else(|| pseudonym(&r.key, person)),
        }
    }

    /// Free text with every whole-word name of a known person replaced.
    pub fn text(&self, text: &str) -> String {
        let Some(r) = &self.replacements else {
            return text.to_string();
        };
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for found in r.matcher.find_iter(text) {
            let before = text[..found.start()].chars().next_back();
            let after = text[found.end()..].chars().next();
            if before.is_some_and(is_word) || after.is_some_and(is_word) {
                continue;
            }
            out.push_str(&text[copied..found.start()]);
            out.push_str(&r.pseudonyms[found.pattern().as_usize()]);
            copied = found.end();
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Every string inside a JSON value (object keys included) through [`Names::text`].
    pub fn json(&self, value: &mut serde_json::Value) {
        if self.replacements.is_none() {
            return;
        }
        match value {
            serde_json::Value::String(s) => *s = self.text(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            serde_json::Value::Object(map) => {
                let entries: Vec<(String, serde_json::Value)> = std::mem::take(map)
                    .into_iter()
                    .map(|(k, mut v)| {
                        self.json(&mut v);
                        (self.text(&k), v)
                    })
                    .collect();
                map.extend(entries);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<KnownPerson> {
        vec![
            KnownPerson {
                person: "ali".into(),
                names: vec!["Ali Demir".into(), "ali-gh".into()],
            },
            KnownPerson {
                person: "ana".into(),
                names: vec![],
            },
        ]
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_whole_word() {
        let key = vec![7u8; KEY_BYTES];
        let names = Names::pseudonymous(key.clone(), &people()).unwrap();
        let ali = names.person("ali");
        assert_eq!(ali, pseudonym(&key, "ali"));
        assert_ne!(ali, pseudonym(&[8u8; KEY_BYTES], "ali"), "keyed");
        assert!(!ali.contains("ali"));
        let text = names.text("Ali Demir (ali-gh) asked ana; quality and banana stay");
        assert_eq!(
            text,
            format!(
                "{ali} ({ali}) asked {}; quality and banana stay",
                names.person("ana")
            )
        );
        let mut value = serde_json::json!({"ali": ["ana", 3], "team": "core"});
        names.json(&mut value);
        assert!(!value.to_string().contains("\"ana\""), "{value}");
        assert!(!value.to_string().contains("\"ali\""), "{value}");
    }

    #[test]
    fn the_key_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_key(dir.path()).unwrap();
        let second = load_or_create_key(dir.path()).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the key must be its owner's alone");
        }
        std::fs::write(dir.path().join(KEY_FILE), "zz").unwrap();
        let error = load_or_create_key(dir.path()).unwrap_err().to_string();
        assert!(error.contains("damaged"), "{error}");
    }
}
