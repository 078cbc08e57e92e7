//! The GraphQL transport to Linear (reqwest), and what makes a long fetch survive Linear.
//!
//! What each failure leads to:
//! - 5xx, a connection reset, a timeout, a truncated or malformed body: retried with exponential
//!   back-off and full jitter, `max_attempts` times, then an error (the fetch keeps its checkpoint);
//! - the rate limits (HTTP 400 or 429 with a `RATELIMITED` error code; before a request, the
//!   request budget of the `X-RateLimit-Requests-*` headers below `min_remaining_requests`, or
//!   the complexity budget below what the last query cost (`X-Complexity`)):
//!   with `--wait`, sleeps until the budget's reset (`X-RateLimit-Requests-Reset` or
//!   `-Complexity-Reset`, epoch milliseconds; a minute when Linear gives none); otherwise stops
//!   with the reset time, and the same command resumes;
//! - 401, or an `AUTHENTICATION_ERROR`: the key in `LINEAR_API_KEY` was refused;
//! - `FORBIDDEN`: the key cannot read what was asked.
//!
//! The key is held in a [`SecretString`] and only exposed to build the `Authorization` header
//! (marked sensitive), as Linear wants personal API keys: the bare key, no `Bearer`.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use super::documents::Document;
use crate::common::errors::with_causes;
use crate::config::LinearConfig;
use crate::sources::backoff::{retrying, waiting_for_reset};

/// Linear's GraphQL endpoint.
pub const DEFAULT_API_URL: &str = "https://api.linear.app/graphql";

/// Where the API is: `LINEAR_API_URL`, then `[linear] api_url`, then Linear itself.
pub fn api_url(config: &LinearConfig, var: impl Fn(&str) -> Option<String>) -> String {
    var("LINEAR_API_URL")
        .filter(|v| !v.trim().is_empty())
        .or_else(|| config.api_url.clone())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string())
        .trim()
        .to_string()
}

/// The API key from `LINEAR_API_KEY`.
pub fn api_key(var: impl Fn(&str) -> Option<String>) -> Result<SecretString, ClientError> {
    match var("LINEAR_API_KEY") {
        Some(key) if !key.trim().is_empty() => Ok(SecretString::from(key.trim().to_string())),
        _ => Err(ClientError::NoKey),
    }
}

/// What can stop a request for good (after the retries the policy allows).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "no Linear API key: set LINEAR_API_KEY to a personal API key (Linear: Settings → Security \
         & access → Personal API keys)"
    )]
    NoKey,
    #[error(
        "Linear refused the API key in LINEAR_API_KEY ({message}): it is wrong, expired or revoked. \
         Make a new one and run the same command again"
    )]
    Unauthorized { message: String },
    #[error(
        "Linear answered {operation} with FORBIDDEN: the key in LINEAR_API_KEY cannot read it \
         ({message})"
    )]
    Forbidden {
        operation: &'static str,
        message: String,
    },
    #[error(
        "Linear's rate limit is spent ({what}); it resets at {reset_at} (in {minutes} min). Run the \
         same command again after that to resume, or add --wait to wait for it"
    )]
    RateLimited {
        what: String,
        reset_at: DateTime<Utc>,
        minutes: i64,
    },
    #[error("Linear answered {operation} with HTTP {status} {attempts} times in a row: {message}")]
    Server {
        operation: &'static str,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("Linear rejected {operation} (HTTP {status}): {message}")]
    Rejected {
        operation: &'static str,
        status: u16,
        message: String,
    },
    #[error("could not reach Linear at {url} ({attempts} attempts): {message}")]
    Network {
        url: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "Linear's answer to {operation} was cut short or not JSON ({attempts} attempts): {message}; nothing from it was stored. Run the fetch again to resume; if this repeats, report it with the output of -vv"
    )]
    Malformed {
        operation: &'static str,
        attempts: u32,
        message: String,
    },
    #[error("cannot set up the Linear client: {0}")]
    Setup(String),
}

impl ClientError {
    /// Every team would fail the same way: the key, the rate limit, the network.
    pub fn is_global(&self) -> bool {
        let key = matches!(self, Self::Unauthorized { .. } | Self::NoKey);
        key || matches!(self, Self::RateLimited { .. } | Self::Network { .. })
    }
}

/// One GraphQL error as Linear reports it (`extensions.code`: `RATELIMITED`,
/// `AUTHENTICATION_ERROR`, `FORBIDDEN`, `INVALID_INPUT`, …).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GraphqlError {
    /// Cut to an excerpt: it is quoted in messages.
    #[serde(deserialize_with = "crate::sources::bounded_text")]
    pub message: String,
    #[serde(default)]
    pub extensions: Option<Value>,
    #[serde(default)]
    pub path: Option<Vec<Value>>,
}

impl GraphqlError {
    pub fn code(&self) -> Option<&str> {
        self.extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
    }

    /// The message Linear means for people when it gives one, cut to an excerpt.
    pub fn user_message(&self) -> String {
        self.extensions
            .as_ref()
            .and_then(|e| e.get("userPresentableMessage"))
            .and_then(Value::as_str)
            .map(crate::sources::excerpt)
            .unwrap_or_else(|| self.message.clone())
    }
}

/// A GraphQL answer of Linear's: the data it could give, and its errors for what it could not.
pub type Answer = crate::sources::graphql::Answer<GraphqlError>;

type Envelope = crate::sources::graphql::Envelope<GraphqlError>;

/// What the client has done so far, and Linear's budgets as it last said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientStats {
    pub requests: u64,
    pub retries: u64,
    /// Complexity points charged (`X-Complexity`), summed.
    pub complexity: i64,
    /// What the last query cost.
    pub last_complexity: Option<i64>,
    pub requests_remaining: Option<i64>,
    pub requests_limit: Option<i64>,
    pub requests_reset: Option<DateTime<Utc>>,
    pub complexity_remaining: Option<i64>,
    pub complexity_limit: Option<i64>,
    pub complexity_reset: Option<DateTime<Utc>>,
    pub waited: Duration,
}

/// How the client behaves when Linear pushes back.
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub min_remaining_requests: i64,
    pub wait_for_reset: bool,
}

impl Policy {
    pub fn from_config(config: &LinearConfig, wait_for_reset: bool) -> Policy {
        Policy {
            max_attempts: config.max_attempts.max(1),
            retry_base: Duration::from_millis(config.retry_base_ms),
            min_remaining_requests: config.min_remaining_requests,
            wait_for_reset,
        }
    }
}

enum Attempt {
    Done(Answer),
    Retry {
        after: Option<Duration>,
        status: Option<u16>,
        message: String,
    },
    Exhausted {
        what: String,
        reset_at: DateTime<Utc>,
    },
    Fail(ClientError),
}

/// A Linear GraphQL client.
pub struct LinearClient {
    http: reqwest::Client,
    key: SecretString,
    url: String,
    policy: Policy,
    stats: Mutex<ClientStats>,
    backoff: crate::sources::backoff::Backoff,
    on_wait: Box<dyn Fn(&str) + Send + Sync>,
}

impl LinearClient {
    pub fn new(
        url: &str,
        key: SecretString,
        policy: Policy,
        on_wait: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<LinearClient, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("teamlens/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Setup(e.to_string()))?;
        let retry_base = policy.retry_base;
        Ok(LinearClient {
            http,
            key,
            url: url.to_string(),
            policy,
            stats: Mutex::new(ClientStats::default()),
            backoff: crate::sources::backoff::Backoff::new(retry_base),
            on_wait,
        })
    }

    pub fn stats(&self) -> ClientStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sends one operation, retrying and waiting as the policy says.
    pub async fn query(&self, document: Document, variables: Value) -> Result<Answer, ClientError> {
        let body = serde_json::json!({
            "query": document.text(),
            "variables": variables,
            "operationName": document.operation_name(),
        });
        let body = serde_json::to_vec(&body).map_err(|e| ClientError::Setup(e.to_string()))?;
        let operation = document.operation_name();
        let mut failures: u32 = 0;
        loop {
            self.respect_budget().await?;
            match self.attempt(operation, &body).await {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Fail(error) => return Err(error),
                Attempt::Exhausted { what, reset_at } => {
                    self.budget_spent(&what, reset_at).await?;
                    self.count_retry();
                }
                Attempt::Retry {
                    after,
                    status,
                    message,
                } => {
                    failures += 1;
                    if failures >= self.policy.max_attempts {
                        return Err(match status {
                            Some(status) => ClientError::Server {
                                operation,
                                status,
                                attempts: failures,
                                message,
                            },
                            None if message.starts_with("malformed:") => ClientError::Malformed {
                                operation,
                                attempts: failures,
                                message: message["malformed:".len()..].trim().to_string(),
                            },
                            None => ClientError::Network {
                                url: self.url.clone(),
                                attempts: failures,
                                message,
                            },
                        });
                    }
                    let wait = after.unwrap_or_else(|| self.backoff.wait(failures));
                    let reason = match status {
                        Some(status) => format!("HTTP {status}"),
                        None => message.clone(),
                    };
                    (self.on_wait)(&retrying("Linear", &reason, wait, operation));
                    self.sleep(wait).await;
                    self.count_retry();
                }
            }
        }
    }

    fn count_retry(&self) {
        if let Ok(mut stats) = self.stats.lock() {
            stats.retries += 1;
        }
    }

    async fn sleep(&self, wait: Duration) {
        tokio::time::sleep(wait).await;
        if let Ok(mut stats) = self.stats.lock() {
            stats.waited += wait;
        }
    }

    /// Before a request: stop (or wait) when a budget Linear reported is nearly spent.
    async fn respect_budget(&self) -> Result<(), ClientError> {
        let stats = self.stats();
        let now = Utc::now();
        if let (Some(remaining), Some(reset_at)) = (stats.requests_remaining, stats.requests_reset)
            && remaining < self.policy.min_remaining_requests
            && reset_at > now
        {
            let what = format!(
                "{remaining} of {} requests left",
                stats.requests_limit.unwrap_or(0)
            );
            self.budget_spent(&what, reset_at).await?;
            return Ok(());
        }
        // The complexity budget: the next query costs about what the last one did.
        if let (Some(remaining), Some(reset_at), Some(last)) = (
            stats.complexity_remaining,
            stats.complexity_reset,
            stats.last_complexity,
        ) && remaining < last
            && reset_at > now
        {
            let what = format!(
                "complexity: {remaining} of {} points left, the last query cost {last}",
                stats.complexity_limit.unwrap_or(0)
            );
            self.budget_spent(&what, reset_at).await?;
        }
        Ok(())
    }

    async fn budget_spent(&self, what: &str, reset_at: DateTime<Utc>) -> Result<(), ClientError> {
        let until = (reset_at - Utc::now()).max(chrono::Duration::zero());
        if !self.policy.wait_for_reset {
            return Err(ClientError::RateLimited {
                what: what.to_string(),
                reset_at,
                minutes: (until.num_seconds() + 59) / 60,
            });
        }
        let wait = until.to_std().unwrap_or_default() + Duration::from_millis(500);
        let spent = format!("Linear's rate limit is spent ({what})");
        (self.on_wait)(&waiting_for_reset(&spent, wait, reset_at));
        self.sleep(wait).await;
        if let Ok(mut stats) = self.stats.lock() {
            stats.requests_remaining = None;
            stats.complexity_remaining = None;
        }
        Ok(())
    }

    fn authorization(&self) -> Result<HeaderValue, ClientError> {
        let mut value = HeaderValue::from_str(self.key.expose_secret()).map_err(|_| {
            ClientError::Setup(
                "LINEAR_API_KEY has characters a key cannot have (a stray newline or quote?)"
                    .into(),
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    async fn attempt(&self, operation: &'static str, body: &[u8]) -> Attempt {
        let authorization = match self.authorization() {
            Ok(value) => value,
            Err(error) => return Attempt::Fail(error),
        };
        if let Ok(mut stats) = self.stats.lock() {
            stats.requests += 1;
        }
        let request = self
            .http
            .post(&self.url)
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, concat!("teamlens/", env!("CARGO_PKG_VERSION")))
            .body(body.to_vec())
            .build();
        let response = match request {
            Ok(request) => {
                crate::sources::http_log::request(
                    "linear",
                    "POST",
                    request.url().as_str(),
                    request.headers(),
                );
                self.http.execute(request).await
            }
            Err(error) => Err(error),
        };
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    after: None,
                    status: None,
                    message: with_causes(&error),
                };
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.note_rate_headers(&headers);
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => {
                return Attempt::Retry {
                    after: None,
                    status: None,
                    message: format!(
                        "malformed: the answer was cut short ({})",
                        with_causes(&error)
                    ),
                };
            }
        };
        crate::sources::http_log::response("linear", status, &headers, &text);
        self.classify(operation, status, &headers, &text)
    }

    fn classify(
        &self,
        operation: &'static str,
        status: u16,
        headers: &HeaderMap,
        text: &str,
    ) -> Attempt {
        let envelope: Option<Envelope> = serde_json::from_str(text).ok();
        let errors = envelope
            .as_ref()
            .map(|e| e.errors.as_slice())
            .unwrap_or(&[]);
        let message = if errors.is_empty() {
            let start: String = text.chars().take(200).collect();
            start.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            errors
                .iter()
                .map(|e| e.user_message())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let has_code = |code: &str| errors.iter().any(|e| e.code() == Some(code));
        if has_code("RATELIMITED") || status == 429 {
            return self.exhausted(headers);
        }
        if status == 401 || has_code("AUTHENTICATION_ERROR") {
            return Attempt::Fail(ClientError::Unauthorized { message });
        }
        if has_code("FORBIDDEN") && envelope.as_ref().is_none_or(|e| e.data.is_none()) {
            return Attempt::Fail(ClientError::Forbidden { operation, message });
        }
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match status {
            200 => {}
            500..=599 => {
                return Attempt::Retry {
                    after: retry_after,
                    status: Some(status),
                    message,
                };
            }
            _ => {
                return Attempt::Fail(ClientError::Rejected {
                    operation,
                    status,
                    message,
                });
            }
        }
        let Some(envelope) = envelope else {
            let error = serde_json::from_str::<Value>(text)
                .err()
                .map_or_else(|| "not a GraphQL answer".to_string(), |e| e.to_string());
            return Attempt::Retry {
                after: None,
                status: None,
                message: format!("malformed: {error}"),
            };
        };
        let data = envelope.data.unwrap_or(Value::Null);
        if data.is_null() && !envelope.errors.is_empty() {
            return Attempt::Fail(ClientError::Rejected {
                operation,
                status,
                message,
            });
        }
        Attempt::Done(Answer {
            data,
            errors: envelope.errors,
        })
    }

    /// A `RATELIMITED` answer: which budget ran out and when it comes back.
    fn exhausted(&self, headers: &HeaderMap) -> Attempt {
        let stats = self.stats();
        let complexity_spent = stats.complexity_remaining.is_some_and(|r| r <= 0)
            && stats.requests_remaining.is_none_or(|r| r > 0);
        let (what, reset) = if complexity_spent {
            (
                format!(
                    "complexity: {} of {} points left",
                    stats.complexity_remaining.unwrap_or(0),
                    stats.complexity_limit.unwrap_or(0)
                ),
                stats.complexity_reset,
            )
        } else {
            (
                format!(
                    "requests: {} of {} left",
                    stats.requests_remaining.unwrap_or(0),
                    stats.requests_limit.unwrap_or(0)
                ),
                stats.requests_reset,
            )
        };
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(|s| Utc::now() + chrono::Duration::seconds(s));
        Attempt::Exhausted {
            what,
            reset_at: reset
                .or(retry_after)
                .filter(|r| *r > Utc::now())
                .unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(1)),
        }
    }

    fn note_rate_headers(&self, headers: &HeaderMap) {
        let Ok(mut stats) = self.stats.lock() else {
            return;
        };
        let millis = |name: &str| {
            header_number(headers, name).and_then(DateTime::<Utc>::from_timestamp_millis)
        };
        if let Some(v) = header_number(headers, "x-ratelimit-requests-remaining") {
            stats.requests_remaining = Some(v);
        }
        if let Some(v) = header_number(headers, "x-ratelimit-requests-limit") {
            stats.requests_limit = Some(v);
        }
        if let Some(v) = millis("x-ratelimit-requests-reset") {
            stats.requests_reset = Some(v);
        }
        if let Some(v) = header_number(headers, "x-ratelimit-complexity-remaining") {
            stats.complexity_remaining = Some(v);
        }
        if let Some(v) = header_number(headers, "x-ratelimit-complexity-limit") {
            stats.complexity_limit = Some(v);
        }
        if let Some(v) = millis("x-ratelimit-complexity-reset") {
            stats.complexity_reset = Some(v);
        }
        if let Some(v) = header_number(headers, "x-complexity") {
            stats.complexity += v;
            stats.last_complexity = Some(v);
        }
    }
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_comes_from_the_variable_then_the_config_then_linear() {
        let mut config = LinearConfig::default();
        assert_eq!(api_url(&config, |_| None), DEFAULT_API_URL);
        config.api_url = Some("https://proxy.example/graphql".into());
        assert_eq!(api_url(&config, |_| None), "https://proxy.example/graphql");
        assert_eq!(
            api_url(&config, |_| Some("http://127.0.0.1:9/graphql".into())),
            "http://127.0.0.1:9/graphql"
        );
    }

    #[test]
    fn a_missing_key_names_the_variable() {
        let error = api_key(|_| None).unwrap_err();
        assert!(error.to_string().contains("LINEAR_API_KEY"));
        assert!(api_key(|_| Some("  ".into())).is_err());
    }

    #[test]
    fn error_codes_come_from_the_extensions() {
        let error: GraphqlError = serde_json::from_str(
            r#"{"message":"Rate limit exceeded","extensions":{"code":"RATELIMITED","userPresentableMessage":"Slow down"}}"#,
        )
        .unwrap();
        assert_eq!(error.code(), Some("RATELIMITED"));
        assert_eq!(error.user_message(), "Slow down");
    }
}
