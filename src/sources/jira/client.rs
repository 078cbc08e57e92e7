//! The Jira Cloud transport: basic auth, JSON GETs, retries and rate limits.
//!
//! - **Credentials** come from `JIRA_BASE_URL` (or `base_url` under `[jira]`), `JIRA_EMAIL` and
//!   `JIRA_API_TOKEN`; the token lives in a [`SecretString`] and is exposed only to build the
//!   `Authorization` header, which is marked sensitive so no log prints it.
//! - **429** waits for `Retry-After` (seconds), or the back-off when Jira gives none;
//!   **5xx**, dropped connections and answers cut short are retried with exponential back-off
//!   and jitter, up to `max_attempts`.
//! - **401, 403, 404** are errors naming the variable or project to check; they are not retried.

use std::sync::Mutex;
use std::time::Duration;

use base64_like::encode as base64;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::wire::ErrorBody;
use crate::config::JiraConfig;

/// Where Jira is and who asks.
pub struct Credentials {
    /// `https://your-site.atlassian.net`, without a trailing slash.
    pub base_url: String,
    pub email: String,
    pub token: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("base_url", &self.base_url)
            .field("email", &self.email)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// A credential that is missing.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no Jira site: set JIRA_BASE_URL (https://your-site.atlassian.net) or base_url under \
         [jira] in teamlens.toml"
    )]
    NoBaseUrl,
    #[error("JIRA_BASE_URL = `{0}` is not an http(s) URL: give https://your-site.atlassian.net")]
    BadBaseUrl(String),
    #[error(
        "{0} is not set: Jira Cloud takes the account's e-mail in JIRA_EMAIL and an API token \
         (https://id.atlassian.com/manage-profile/security/api-tokens) in JIRA_API_TOKEN"
    )]
    Missing(&'static str),
}

impl Credentials {
    /// From the environment (`getenv`), the site falling back to the config.
    pub fn discover(
        config: &JiraConfig,
        getenv: impl Fn(&str) -> Option<String>,
    ) -> Result<Credentials, AuthError> {
        let nonempty = |name: &str| getenv(name).filter(|v| !v.trim().is_empty());
        let base_url = nonempty("JIRA_BASE_URL")
            .or_else(|| config.base_url.clone())
            .ok_or(AuthError::NoBaseUrl)?;
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(AuthError::BadBaseUrl(base_url));
        }
        let email = nonempty("JIRA_EMAIL").ok_or(AuthError::Missing("JIRA_EMAIL"))?;
        let token = nonempty("JIRA_API_TOKEN").ok_or(AuthError::Missing("JIRA_API_TOKEN"))?;
        Ok(Credentials {
            base_url,
            email: email.trim().to_string(),
            token: SecretString::from(token.trim().to_string()),
        })
    }
}

/// Why a request failed for good.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "Jira refused the credentials (401) for {path}: check JIRA_EMAIL and JIRA_API_TOKEN \
         (an API token of that account, not its password){}", detail(.message)
    )]
    Unauthorized { path: String, message: String },
    #[error(
        "Jira denied access (403) to {path}: the account in JIRA_EMAIL lacks permission{}",
        detail(.message)
    )]
    Forbidden { path: String, message: String },
    #[error(
        "Jira answered 404 for {path}: check JIRA_BASE_URL and the project key{}",
        detail(.message)
    )]
    NotFound { path: String, message: String },
    #[error("Jira rejected {path} ({status}){}", detail(.message))]
    Rejected {
        status: u16,
        path: String,
        message: String,
    },
    #[error("Jira kept failing on {path} ({status}) after {attempts} attempts")]
    Server {
        status: u16,
        path: String,
        attempts: u32,
    },
    #[error("Jira kept answering 429 (rate limited) on {path} after {attempts} attempts")]
    RateLimited { path: String, attempts: u32 },
    #[error("cannot reach Jira for {path} after {attempts} attempts: {message}")]
    Network {
        path: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "Jira's answer to {path} did not have the expected shape: {message}; nothing from it was stored. Run the fetch again to resume; if this repeats, report it with the output of -vv"
    )]
    Shape { path: String, message: String },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
}

fn detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" (Jira says: {message})")
    }
}

/// How the client treats failures.
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_attempts: u32,
    pub retry_base: Duration,
    /// The longest `Retry-After` honoured; longer ones are capped to this.
    pub max_retry_after: Duration,
}

impl Policy {
    pub fn from_config(config: &JiraConfig) -> Policy {
        Policy {
            max_attempts: config.max_attempts.max(1),
            retry_base: Duration::from_millis(config.retry_base_ms),
            max_retry_after: Duration::from_secs(config.max_retry_after_secs),
        }
    }
}

/// What the client did, for the progress line and the summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientStats {
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
    pub waited: Duration,
}

/// The Jira client.
pub struct JiraClient {
    http: reqwest::Client,
    base_url: String,
    authorization: HeaderValue,
    policy: Policy,
    stats: Mutex<ClientStats>,
    on_wait: Box<dyn Fn(&str) + Send + Sync>,
}

impl JiraClient {
    pub fn new(
        credentials: Credentials,
        policy: Policy,
        on_wait: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<JiraClient, ClientError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("teamlens/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| ClientError::Setup(e.to_string()))?;
        let pair = format!(
            "{}:{}",
            credentials.email,
            credentials.token.expose_secret()
        );
        let mut authorization =
            HeaderValue::from_str(&format!("Basic {}", base64(pair.as_bytes()))).map_err(|_| {
                ClientError::Setup(
                    "JIRA_EMAIL or JIRA_API_TOKEN holds characters a header cannot".into(),
                )
            })?;
        authorization.set_sensitive(true);
        Ok(JiraClient {
            http,
            base_url: credentials.base_url,
            authorization,
            policy,
            stats: Mutex::new(ClientStats::default()),
            on_wait,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn stats(&self) -> ClientStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut ClientStats)) {
        if let Ok(mut stats) = self.stats.lock() {
            f(&mut stats);
        }
    }

    /// `GET base_url + path` with `query`, decoded as `T`, retried as the policy says.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        self.request(path, query, None).await
    }

    /// `POST base_url + path` with a JSON `body` (searches that take their JQL in the body),
    /// decoded as `T`, retried as the policy says: these requests only read.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ClientError> {
        self.request(path, &[], Some(body)).await
    }

    async fn request<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{}", self.base_url, path);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.count(|s| {
                s.requests += 1;
                if attempt > 1 {
                    s.retries += 1;
                }
            });
            let last = attempt >= self.policy.max_attempts;
            let (method, builder) = match body {
                Some(body) => ("POST", self.http.post(&url).json(body)),
                None => ("GET", self.http.get(&url)),
            };
            let request = builder
                .query(query)
                .header(AUTHORIZATION, self.authorization.clone())
                .header(ACCEPT, "application/json")
                .build();
            let sent = match request {
                Ok(request) => {
                    crate::sources::http_log::request(
                        "jira",
                        method,
                        request.url().as_str(),
                        request.headers(),
                    );
                    self.http.execute(request).await
                }
                Err(error) => Err(error),
            };
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    if last {
                        return Err(ClientError::Network {
                            path: path.into(),
                            attempts: attempt,
                            message: error.to_string(),
                        });
                    }
                    self.back_off(attempt, None, &format!("{path}: {error}"))
                        .await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(error) => {
                    // The answer was cut short: ask again.
                    if last {
                        return Err(ClientError::Network {
                            path: path.into(),
                            attempts: attempt,
                            message: error.to_string(),
                        });
                    }
                    self.back_off(attempt, None, &format!("{path}: {error}"))
                        .await;
                    continue;
                }
            };
            crate::sources::http_log::response(
                "jira",
                status,
                &headers,
                &String::from_utf8_lossy(&body),
            );
            let message = || {
                serde_json::from_slice::<ErrorBody>(&body)
                    .map(|b| b.text())
                    .unwrap_or_default()
            };
            match status {
                200..=299 => {
                    return serde_json::from_slice(&body).map_err(|e| ClientError::Shape {
                        path: path.into(),
                        message: e.to_string(),
                    });
                }
                429 => {
                    self.count(|s| s.rate_limited += 1);
                    if last {
                        return Err(ClientError::RateLimited {
                            path: path.into(),
                            attempts: attempt,
                        });
                    }
                    let wait = retry_after.map(|w| w.min(self.policy.max_retry_after));
                    self.back_off(attempt, wait, "Jira's rate limit (429)")
                        .await;
                }
                401 => {
                    return Err(ClientError::Unauthorized {
                        path: path.into(),
                        message: message(),
                    });
                }
                403 => {
                    return Err(ClientError::Forbidden {
                        path: path.into(),
                        message: message(),
                    });
                }
                404 => {
                    return Err(ClientError::NotFound {
                        path: path.into(),
                        message: message(),
                    });
                }
                500..=599 => {
                    if last {
                        return Err(ClientError::Server {
                            status,
                            path: path.into(),
                            attempts: attempt,
                        });
                    }
                    self.back_off(
                        attempt,
                        retry_after,
                        &format!("{path}: Jira answered {status}"),
                    )
                    .await;
                }
                _ => {
                    return Err(ClientError::Rejected {
                        status,
                        path: path.into(),
                        message: message(),
                    });
                }
            }
        }
    }

    async fn back_off(&self, attempt: u32, wait: Option<Duration>, why: &str) {
        let wait = wait.unwrap_or_else(|| {
            let base = self.policy.retry_base.as_millis() as u64;
            let exp = base.saturating_mul(1 << (attempt - 1).min(10));
            // Jitter from the clock's sub-second digits: enough to spread retries apart.
            let jitter = u64::from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0),
            ) % (base / 2 + 1);
            Duration::from_millis(exp + jitter)
        });
        if wait >= Duration::from_secs(2) {
            (self.on_wait)(&format!(
                "{why}: waiting {}s before trying again",
                wait.as_secs()
            ));
        } else {
            tracing::debug!("{why}: retrying in {} ms", wait.as_millis());
        }
        self.count(|s| s.waited += wait);
        tokio::time::sleep(wait).await;
    }
}

/// Standard base64 (RFC 4648, with padding), for the basic-auth header; small enough not to
/// warrant a dependency.
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn encodes_as_rfc_4648() {
            assert_eq!(super::encode(b""), "");
            assert_eq!(super::encode(b"f"), "Zg==");
            assert_eq!(super::encode(b"fo"), "Zm8=");
            assert_eq!(super::encode(b"foo"), "Zm9v");
            assert_eq!(super::encode(b"foob"), "Zm9vYg==");
            assert_eq!(super::encode(b"ada@x.io:tok"), "YWRhQHguaW86dG9r");
        }
    }
}
