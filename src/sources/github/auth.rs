//! Where the GitHub credentials come from, in the order a user expects: `GITHUB_TOKEN`, then the
//! GitHub CLI's `gh auth token`, then a GitHub App configured in `teamlens.toml`.
//!
//! Tokens are held as [`SecretString`] from the moment they are read: they are exposed only to
//! build an `Authorization` header (marked sensitive), and no message, log line or file ever
//! contains one. Errors name where a credential came from, never what it is.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::SecretString;

use crate::config::GitHubConfig;

/// Where the credential in use came from; what error messages name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialOrigin {
    /// An environment variable (normally `GITHUB_TOKEN`).
    Environment(String),
    /// The output of `gh auth token`.
    GhCli,
    /// A GitHub App's installation token, minted from its private key.
    App { app_id: u64, installation_id: u64 },
}

impl fmt::Display for CredentialOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialOrigin::Environment(variable) => write!(f, "the {variable} variable"),
            CredentialOrigin::GhCli => write!(f, "`gh auth token` (the GitHub CLI's login)"),
            CredentialOrigin::App {
                app_id,
                installation_id,
            } => write!(
                f,
                "the GitHub App {app_id} (installation {installation_id}) in teamlens.toml"
            ),
        }
    }
}

/// A credential ready for the client.
pub enum Credential {
    Token(SecretString),
    App {
        app_id: u64,
        installation_id: u64,
        private_key_pem: SecretString,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Credential::Token([redacted])"),
            Credential::App {
                app_id,
                installation_id,
                ..
            } => write!(
                f,
                "Credential::App({app_id}, {installation_id}, [redacted])"
            ),
        }
    }
}

/// Why no credential could be found or used.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no GitHub credentials: set GITHUB_TOKEN (a token with read access to the repositories), \
         log in with the GitHub CLI (`gh auth login`), or configure a GitHub App under [github] \
         in teamlens.toml (app_id, installation_id, private_key_path)"
    )]
    Missing,
    #[error(
        "[github] in teamlens.toml configures a GitHub App but lacks {missing}: give app_id, \
         installation_id and private_key_path together"
    )]
    IncompleteApp { missing: &'static str },
    #[error("cannot read the GitHub App's private key {path}: {message}")]
    PrivateKey { path: PathBuf, message: String },
}

/// What the discovery reads from the outside world, so tests can give their own.
pub trait Surroundings {
    /// An environment variable, when set.
    fn var(&self, name: &str) -> Option<String>;
    /// The token `gh auth token --hostname HOST` prints, when the GitHub CLI is installed and
    /// logged in.
    fn gh_token(&self, host: &str) -> Option<String>;
}

/// The real environment and the real `gh` on `PATH`.
pub struct RealSurroundings;

impl Surroundings for RealSurroundings {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn gh_token(&self, host: &str) -> Option<String> {
        let output = Command::new("gh")
            .args(["auth", "token", "--hostname", host])
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        let token = String::from_utf8(output.stdout).ok()?;
        let token = token.trim();
        (!token.is_empty()).then(|| token.to_string())
    }
}

/// Finds the credential to use, in order: `GITHUB_TOKEN`, `gh auth token`, the configured App.
pub fn discover(
    config: &GitHubConfig,
    api_host: &str,
    around: &dyn Surroundings,
) -> Result<(Credential, CredentialOrigin), AuthError> {
    if let Some(token) = around.var("GITHUB_TOKEN").filter(|t| !t.trim().is_empty()) {
        return Ok((
            Credential::Token(SecretString::from(token.trim().to_string())),
            CredentialOrigin::Environment("GITHUB_TOKEN".into()),
        ));
    }
    if let Some(token) = around.gh_token(gh_host(api_host)) {
        return Ok((
            Credential::Token(SecretString::from(token)),
            CredentialOrigin::GhCli,
        ));
    }
    match (
        config.app_id,
        config.installation_id,
        config.private_key_path.as_deref(),
    ) {
        (None, None, None) => Err(AuthError::Missing),
        (Some(app_id), Some(installation_id), Some(path)) => Ok((
            Credential::App {
                app_id,
                installation_id,
                private_key_pem: read_private_key(path)?,
            },
            CredentialOrigin::App {
                app_id,
                installation_id,
            },
        )),
        (None, _, _) => Err(AuthError::IncompleteApp { missing: "app_id" }),
        (_, None, _) => Err(AuthError::IncompleteApp {
            missing: "installation_id",
        }),
        (_, _, None) => Err(AuthError::IncompleteApp {
            missing: "private_key_path",
        }),
    }
}

/// The host `gh` knows a server by: `github.com` for the public API, else the API's host.
fn gh_host(api_host: &str) -> &str {
    if api_host == "api.github.com" {
        "github.com"
    } else {
        api_host
    }
}

fn read_private_key(path: &Path) -> Result<SecretString, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|e| AuthError::PrivateKey {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if !text.contains("PRIVATE KEY-----") {
        return Err(AuthError::PrivateKey {
            path: path.to_path_buf(),
            message: "it is not a PEM private key (GitHub gives a .pem file that begins with \
                      -----BEGIN RSA PRIVATE KEY-----)"
                .into(),
        });
    }
    Ok(SecretString::from(text))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    struct Fake {
        vars: BTreeMap<&'static str, &'static str>,
        gh: Option<&'static str>,
    }

    impl Surroundings for Fake {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).map(|v| v.to_string())
        }
        fn gh_token(&self, _host: &str) -> Option<String> {
            self.gh.map(str::to_string)
        }
    }

    #[test]
    fn github_token_comes_first_then_gh_then_the_app() {
        let config = GitHubConfig::default();
        let both = Fake {
            vars: BTreeMap::from([("GITHUB_TOKEN", "t-env")]),
            gh: Some("t-gh"),
        };
        let (_, origin) = discover(&config, "api.github.com", &both).unwrap();
        assert_eq!(origin, CredentialOrigin::Environment("GITHUB_TOKEN".into()));
        let gh_only = Fake {
            vars: BTreeMap::new(),
            gh: Some("t-gh"),
        };
        let (_, origin) = discover(&config, "api.github.com", &gh_only).unwrap();
        assert_eq!(origin, CredentialOrigin::GhCli);
        let nothing = Fake {
            vars: BTreeMap::new(),
            gh: None,
        };
        let error = discover(&config, "api.github.com", &nothing).unwrap_err();
        assert!(error.to_string().contains("GITHUB_TOKEN"));
    }

    #[test]
    fn an_incomplete_app_says_what_is_missing() {
        let config = GitHubConfig {
            app_id: Some(1),
            ..GitHubConfig::default()
        };
        let nothing = Fake {
            vars: BTreeMap::new(),
            gh: None,
        };
        let error = discover(&config, "api.github.com", &nothing).unwrap_err();
        assert!(error.to_string().contains("installation_id"), "{error}");
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let credential = Credential::Token(SecretString::from("ghp_supersecret".to_string()));
        assert!(!format!("{credential:?}").contains("supersecret"));
    }
}
