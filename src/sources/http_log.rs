//! What `-vv` shows of the HTTP exchanges of the GitHub, Jira and Linear clients: each request's
//! method, URL and headers, each answer's status, headers and the start of its body. Credentials
//! never reach the log: a header marked sensitive, or named like one that carries credentials,
//! is printed as `<redacted>` whatever its value, so a new client cannot leak a token by
//! forgetting to mark it.

use http::header::{HeaderMap, HeaderName};

/// Headers whose values are credentials or session state.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// How much of an answer's body is logged: enough for an error message, not a page of data.
const BODY_PREVIEW: usize = 300;

fn is_secret(name: &HeaderName) -> bool {
    SECRET_HEADERS.contains(&name.as_str())
}

/// The headers as one line, secrets redacted.
pub fn redacted(headers: &HeaderMap) -> String {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if value.is_sensitive() || is_secret(name) {
                "<redacted>"
            } else {
                value.to_str().unwrap_or("<binary>")
            };
            format!("{name}: {shown}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Logs a request about to be sent (debug level, `-vv`).
pub fn request(source: &str, method: &str, url: &str, headers: &HeaderMap) {
    tracing::debug!("{source} → {method} {url} [{}]", redacted(headers));
}

/// Logs an answer (debug level, `-vv`): status, headers and the start of the body.
pub fn response(source: &str, status: u16, headers: &HeaderMap, body: &str) {
    let preview: String = body.chars().take(BODY_PREVIEW).collect();
    let cut = if body.len() > preview.len() {
        "…"
    } else {
        ""
    };
    tracing::debug!("{source} ← {status} [{}] {preview}{cut}", redacted(headers));
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{AUTHORIZATION, HeaderValue};

    #[test]
    fn credentials_are_redacted_even_when_not_marked_sensitive() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer ghp_secret"));
        headers.insert("x-api-key", HeaderValue::from_static("lin_api_secret"));
        headers.insert("accept", HeaderValue::from_static("application/json"));
        let line = redacted(&headers);
        assert!(!line.contains("secret"), "{line}");
        assert!(line.contains("authorization: <redacted>"), "{line}");
        assert!(line.contains("accept: application/json"), "{line}");
    }
}
