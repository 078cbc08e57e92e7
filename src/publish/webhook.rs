//! `teamlens publish webhook`: report.json's summary and findings, with what they are about, as
//! one JSON POST to any URL — a chat bridge, an automation, a team's own dashboard.
//!
//! The payload (`"payload": "teamlens.report"`, `"payload_version": 1`):
//! `title`, `label`, `period` (`from`, `to`), `teams` (empty for the whole organisation),
//! `audience`, `anonymized`, `schema_version` (report.json's, whose shapes `summary` and
//! `findings` have), `teamlens_version`, `link` (`null` without `--link`), and `summary` and
//! `findings` exactly as report.json holds them. The URL is never in it.
//!
//! Any 2xx answer is success; a redirect is not followed (said as such); 408, 429, 502, 503 and
//! 504 are retried (`post`); any other answer is an error quoting its status and the start of
//! its body, cleaned of the URL.

use serde_json::{Value, json};

use super::post::{self, PostError, WebhookUrl};
use super::{PublishError, Report};
use crate::config::PublishConfig;

/// The payload's own version: it rises when a field is added or its meaning changes.
pub const PAYLOAD_VERSION: u32 = 1;

/// The JSON sent for `report`.
pub fn payload(report: &Report, link: Option<&str>) -> Value {
    let facts = &report.facts;
    json!({
        "payload": "teamlens.report",
        "payload_version": PAYLOAD_VERSION,
        "title": report.title(),
        "label": facts.label,
        "period": {"from": facts.period.from, "to": facts.period.to},
        "teams": facts.scope,
        "audience": facts.audience,
        "anonymized": facts.anonymized,
        "schema_version": facts.schema_version,
        "teamlens_version": facts.version,
        "link": link,
        "summary": report.json.get("summary").cloned().unwrap_or_else(|| json!([])),
        "findings": report.json.get("findings").cloned().unwrap_or_else(|| json!([])),
    })
}

/// What `--dry-run` prints: where it would go (never the URL) and the JSON.
pub fn dry_run(payload: &Value, url: Option<&WebhookUrl>) -> String {
    let to = match url {
        Some(url) => format!("the webhook from {}", url.origin()),
        None => "the webhook in TEAMLENS_WEBHOOK_URL (not set here)".to_string(),
    };
    let text = serde_json::to_string_pretty(payload).unwrap_or_default();
    format!(
        "dry run: would POST this JSON ({} bytes) to {to}; nothing was sent\n{text}",
        super::thousands(text.len())
    )
}

/// Sends `payload`; anything but a 2xx answer is an error saying what happened.
pub fn send(
    config: &PublishConfig,
    url: &WebhookUrl,
    payload: &Value,
    say: &dyn Fn(&str),
    waiting: &dyn Fn(&str),
) -> Result<(), PublishError> {
    let origin = url.origin();
    let answer = post::post(config, "webhook", url, payload, waiting).map_err(|error| {
        PublishError::Webhook(match error {
            PostError::Unreachable { attempts, message } => format!(
                "could not reach the webhook from {origin} ({attempts} attempts): {message}; nothing was sent"
            ),
            PostError::Unsure { message } => format!(
                "the webhook from {origin} did not answer ({message}): the report may or may not have arrived, so check before running again"
            ),
            PostError::StillRefused { answer, attempts } => format!(
                "the webhook from {origin} kept answering HTTP {} ({attempts} attempts): {}; run the same command again later",
                answer.status,
                excerpt(&answer.body)
            ),
            PostError::WaitTooLong { answer, secs } => format!(
                "the webhook from {origin} answered HTTP {} and asks to wait {secs} s, longer than [publish] max_retry_after_secs: run the same command again after that",
                answer.status
            ),
            PostError::Setup(message) => format!("cannot set up the HTTP client: {message}"),
        })
    })?;
    match answer.status {
        200..=299 => {
            say(&format!(
                "posted the report's summary and {} findings to the webhook from {origin} (HTTP {})",
                payload["findings"].as_array().map_or(0, Vec::len),
                answer.status
            ));
            Ok(())
        }
        300..=399 => Err(PublishError::Webhook(format!(
            "the webhook from {origin} answered HTTP {} (a redirect, not followed): give the URL it redirects to",
            answer.status
        ))),
        400..=499 => Err(PublishError::Webhook(format!(
            "the webhook from {origin} refused the report (HTTP {}): {}; check the URL and what the receiver expects",
            answer.status,
            excerpt(&answer.body)
        ))),
        status => Err(PublishError::Webhook(format!(
            "the webhook from {origin} failed with HTTP {status}: {}; the report may or may not have arrived, so check before running again",
            excerpt(&answer.body)
        ))),
    }
}

/// The start of an answer's body on one line, or `(no body)`.
fn excerpt(body: &str) -> String {
    let line = super::one_line(body);
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        "(no body)".to_string()
    } else {
        super::cut_chars(&line, 200)
    }
}
