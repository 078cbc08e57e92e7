//! A GitHub repository's name, `owner/name`: read by `teamlens.toml`, the GitHub source and the
//! fetch display, so kept below them all.

use std::fmt;

/// A repository as `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl RepoName {
    /// Parses `owner/name` (a `https://github.com/owner/name` URL is accepted too).
    pub fn parse(text: &str) -> Result<RepoName, String> {
        let trimmed = text
            .trim()
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("github.com/")
            .trim_end_matches('/')
            .trim_end_matches(".git");
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match trimmed.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(RepoName {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!(
                "`{text}` is not a repository: give it as OWNER/NAME, such as rust-lang/cargo"
            )),
        }
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_owner_slash_name() {
        assert_eq!(
            RepoName::parse("rust-lang/cargo").unwrap().to_string(),
            "rust-lang/cargo"
        );
        assert_eq!(
            RepoName::parse("https://github.com/golang/tools.git")
                .unwrap()
                .to_string(),
            "golang/tools"
        );
        for bad in ["cargo", "a/b/c", "/x", "a b/c", ""] {
            assert!(RepoName::parse(bad).is_err(), "{bad}");
        }
    }
}
