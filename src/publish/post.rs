//! What `publish slack` and `publish webhook` share: a webhook URL, which is the credential
//! itself, and one JSON POST to it with the project's back-off.
//!
//! The URL is a [`SecretString`] from the moment it is read (the command line's value parser,
//! or the environment) and is exposed only to build the request: the HTTP log says
//! `<webhook URL>`, reqwest's errors are stripped of it (`without_url`), and an answer's body is
//! cleaned of every piece of it before it is logged or quoted (a server's "Cannot POST
//! /hooks/…" page echoes the path, where such URLs keep their token). Redirects are not
//! followed: a webhook that moved is said as such rather than sent the body elsewhere.
//!
//! What is tried again, and what is not: an answer that says nothing was done (408, 429, 502,
//! 503, 504) and a connection that could not be made are retried, `max_attempts` times, after
//! `Retry-After` or the back-off. A timeout once connected, an answer cut short or a 500 may
//! come after the message arrived, so it is not sent again: the error says to look before
//! running again (a second message is worse than a missing one only to whoever reads both).

use std::time::Duration;

use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::PublishError;
use crate::common::errors::with_causes;
use crate::config::PublishConfig;
use crate::sources::backoff::{Backoff, retrying};

/// A webhook URL and where it came from (what messages name instead of it).
pub struct WebhookUrl {
    url: SecretString,
    origin: String,
}

impl WebhookUrl {
    /// The URL given on the command line, else the one in `variable`; `None` when neither is
    /// set. A URL that is not an absolute http(s) URL, or plain http to anywhere but this
    /// machine, is refused without being quoted.
    pub fn find(
        given: Option<SecretString>,
        variable: &'static str,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<WebhookUrl>, PublishError> {
        let (url, origin) = match given.filter(|u| !u.expose_secret().trim().is_empty()) {
            Some(url) => (url, "the command line".to_string()),
            None => match var(variable).filter(|u| !u.trim().is_empty()) {
                Some(url) => (
                    SecretString::from(url.trim().to_string()),
                    format!("the {variable} variable"),
                ),
                None => return Ok(None),
            },
        };
        let bad = |problem: String| PublishError::BadWebhookUrl {
            origin: origin.clone(),
            problem,
        };
        let parsed = reqwest::Url::parse(url.expose_secret()).map_err(|e| {
            bad(format!(
                "is not a URL ({e}): give the whole https:// address"
            ))
        })?;
        let host = parsed.host_str().unwrap_or_default();
        match parsed.scheme() {
            "https" => {}
            "http" if matches!(host, "localhost" | "127.0.0.1" | "[::1]") => {}
            "http" => {
                return Err(bad(
                    "is plain http: give its https:// address (the URL is the credential, and \
                     over http anyone on the way reads it)"
                        .into(),
                ));
            }
            _ => {
                return Err(bad(
                    "is not an http(s) URL: give its https:// address".into()
                ));
            }
        }
        if host.is_empty() {
            return Err(bad("names no host: give the whole https:// address".into()));
        }
        Ok(Some(WebhookUrl { url, origin }))
    }

    /// `the SLACK_WEBHOOK_URL variable`, or `the command line`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `text` with every piece of the URL that could carry its secret replaced: the URL, its
    /// path and query, and each path segment or query value of 8 characters or more.
    pub fn redact(&self, text: &str) -> String {
        let url = self.url.expose_secret();
        let mut needles: Vec<String> = vec![url.to_string()];
        if let Ok(parsed) = reqwest::Url::parse(url) {
            needles.push(parsed.to_string());
            let path_and_query = match parsed.query() {
                Some(query) => format!("{}?{query}", parsed.path()),
                None => parsed.path().to_string(),
            };
            needles.push(path_and_query);
            needles.extend(
                parsed
                    .path_segments()
                    .into_iter()
                    .flatten()
                    .map(str::to_string),
            );
            needles.extend(parsed.query_pairs().map(|(_, v)| v.to_string()));
            if let Some(password) = parsed.password() {
                needles.push(password.to_string());
            }
        }
        needles.retain(|n| n.chars().count() >= 8 && n != "/");
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut text = text.to_string();
        for needle in &needles {
            text = text.replace(needle.as_str(), "<redacted>");
        }
        text
    }
}

/// An answer of the webhook's server, its body cleaned of the URL.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The start of the body (at most 2,000 characters), redacted.
    pub body: String,
}

/// Why a POST ended without an answer to act on.
#[derive(Debug)]
pub enum PostError {
    /// No connection could be made, `attempts` times: nothing was sent.
    Unreachable { attempts: u32, message: String },
    /// Sent, and then no answer in time, or one cut short: it may have arrived.
    Unsure { message: String },
    /// An answer that asks to try again came every time.
    StillRefused { answer: Answer, attempts: u32 },
    /// `Retry-After` asks for longer than `[publish] max_retry_after_secs`.
    WaitTooLong { answer: Answer, secs: u64 },
    /// The client could not be set up.
    Setup(String),
}

/// Whether an answer says nothing was done and asks to come back.
pub fn says_try_again(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

/// POSTs `body` as JSON to `url`, retrying as the module says; `service` names the exchange in
/// the log and in what `waiting` is told before each wait. Any answer not retried is returned,
/// for the caller to judge.
pub fn post(
    config: &PublishConfig,
    service: &'static str,
    url: &WebhookUrl,
    body: &Value,
    waiting: &dyn Fn(&str),
) -> Result<Answer, PostError> {
    let runtime = crate::sources::fetch::runtime().map_err(|e| PostError::Setup(e.to_string()))?;
    runtime.block_on(post_async(config, service, url, body, waiting))
}

async fn post_async(
    config: &PublishConfig,
    service: &'static str,
    url: &WebhookUrl,
    body: &Value,
    say: &dyn Fn(&str),
) -> Result<Answer, PostError> {
    let timeout = Duration::from_secs(config.timeout_secs);
    let client = reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(15)))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| PostError::Setup(with_causes(&e.without_url())))?;
    let bytes = serde_json::to_vec(body).map_err(|e| PostError::Setup(e.to_string()))?;
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(concat!("teamlens/", env!("CARGO_PKG_VERSION"))),
    );
    let backoff = Backoff::new(Duration::from_millis(config.retry_base_ms));
    let mut attempts = 0;
    loop {
        attempts += 1;
        crate::sources::http_log::request(service, "POST", "<webhook URL>", &headers);
        let sent = client
            .post(url.url.expose_secret())
            .headers(headers.clone())
            .body(bytes.clone())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) if error.is_connect() => {
                let message = url.redact(&with_causes(&error.without_url()));
                if attempts >= config.max_attempts {
                    return Err(PostError::Unreachable { attempts, message });
                }
                let wait = backoff.wait(attempts);
                say(&retrying(service, &message, wait, "the message"));
                tokio::time::sleep(wait).await;
                continue;
            }
            Err(error) => {
                let message = if error.is_timeout() {
                    format!("no answer within {} s", config.timeout_secs)
                } else {
                    url.redact(&with_causes(&error.without_url()))
                };
                return Err(PostError::Unsure { message });
            }
        };
        let status = response.status().as_u16();
        let answer_headers = response.headers().clone();
        let retry_after = answer_headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match response.text().await {
            Ok(text) => text,
            Err(_) if (200..300).contains(&status) => String::new(),
            Err(error) => {
                return Err(PostError::Unsure {
                    message: format!(
                        "HTTP {status}, then the answer was cut short ({})",
                        url.redact(&with_causes(&error.without_url()))
                    ),
                });
            }
        };
        let body: String = url.redact(&text).chars().take(2000).collect();
        crate::sources::http_log::response(service, status, &answer_headers, &body);
        let answer = Answer { status, body };
        if !says_try_again(status) {
            return Ok(answer);
        }
        if attempts >= config.max_attempts {
            return Err(PostError::StillRefused { answer, attempts });
        }
        let wait = match retry_after {
            Some(wait) if wait.as_secs() > config.max_retry_after_secs => {
                let secs = wait.as_secs();
                return Err(PostError::WaitTooLong { answer, secs });
            }
            Some(wait) => wait,
            None => backoff.wait(attempts),
        };
        say(&retrying(
            service,
            &format!("HTTP {status}"),
            wait,
            "the message",
        ));
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str) -> Option<String> {
        (name == "HOOK")
            .then(|| "https://hooks.example/services/T0/B0/s3cr3tT0k3n?key=abcdefgh12".into())
    }

    #[test]
    fn the_command_line_wins_over_the_variable_and_bad_urls_are_not_quoted() {
        let given = Some(SecretString::from("https://a.example/x".to_string()));
        let url = WebhookUrl::find(given, "HOOK", &var).unwrap().unwrap();
        assert_eq!(url.origin(), "the command line");
        let url = WebhookUrl::find(None, "HOOK", &var).unwrap().unwrap();
        assert_eq!(url.origin(), "the HOOK variable");
        assert!(WebhookUrl::find(None, "OTHER", &var).unwrap().is_none());
        for bad in [
            "not a url s3cr3tT0k3n",
            "ftp://files.example/s3cr3tT0k3n",
            "http://hooks.example/s3cr3tT0k3n",
        ] {
            let error = WebhookUrl::find(Some(SecretString::from(bad.to_string())), "HOOK", &var)
                .err()
                .unwrap()
                .to_string();
            assert!(!error.contains("s3cr3tT0k3n"), "{error}");
            assert!(error.contains("the command line"), "{error}");
        }
        let local = Some(SecretString::from("http://127.0.0.1:9/hook".to_string()));
        assert!(WebhookUrl::find(local, "HOOK", &var).unwrap().is_some());
    }

    #[test]
    fn every_piece_of_the_url_is_redacted_from_an_answer() {
        let url = WebhookUrl::find(None, "HOOK", &var).unwrap().unwrap();
        let page = "Cannot POST /services/T0/B0/s3cr3tT0k3n?key=abcdefgh12 at \
                    https://hooks.example/services/T0/B0/s3cr3tT0k3n?key=abcdefgh12 (s3cr3tT0k3n, abcdefgh12)";
        let cleaned = url.redact(page);
        assert!(!cleaned.contains("s3cr3tT0k3n"), "{cleaned}");
        assert!(!cleaned.contains("abcdefgh12"), "{cleaned}");
        assert!(cleaned.starts_with("Cannot POST <redacted>"), "{cleaned}");
    }
}
