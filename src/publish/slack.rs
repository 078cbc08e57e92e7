//! `teamlens publish slack`: the report as a Slack message through an incoming webhook — a
//! header, the summary's points, the questions for the retro, and a link to the full report.
//!
//! Slack's limits, kept by construction (each text cut with `…` to fit, blocks left out with a
//! line saying how many):
//! - at most 50 blocks in a message ("You can include up to 50 blocks in each message",
//!   <https://docs.slack.dev/reference/block-kit/blocks>);
//! - a section's text 1 to 3,000 characters ("Minimum length for the text in this field is 1
//!   and maximum length is 3000 characters",
//!   <https://docs.slack.dev/reference/block-kit/blocks/section-block>);
//! - a header's `plain_text` at most 150 characters
//!   (<https://docs.slack.dev/reference/block-kit/blocks/header-block>);
//! - the top-level `text`, which notifications show and Slack falls back on, is truncated by
//!   Slack past 40,000 characters
//!   (<https://api.slack.com/changelog/2018-04-truncating-really-long-messages>); it is kept
//!   under 3,000 here, as a notification is a line or two.
//!
//! Lengths are counted in UTF-16 units, never fewer than characters, so a text within them is
//! within Slack's limit however Slack counts. User text (names, titles) is escaped as Slack's
//! mrkdwn requires (`&`, `<`, `>`), so a name cannot mention `@channel` or form a link.
//!
//! Slack's answers (<https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks>:
//! 400 `invalid_payload`, 403 `action_prohibited`, 404 `channel_not_found`, 410
//! `channel_is_archived`, 500 `rollup_error`; also 400 `invalid_blocks` and
//! `too_many_attachments`, 404 `no_service` for a removed or disabled webhook, 429 with
//! `Retry-After`): each said with what to do; 429, 502, 503 and 504 retried (`post`).

use serde_json::{Value, json};

use super::post::{self, Answer, PostError, WebhookUrl};
use super::{PublishError, Report, one_line};
use crate::config::PublishConfig;

/// Blocks in one message.
pub const MAX_BLOCKS: usize = 50;
/// Characters of a section's text.
pub const MAX_SECTION: usize = 3000;
/// Characters of a header's text.
pub const MAX_HEADER: usize = 150;
/// Characters of the top-level `text` (Slack truncates at 40,000; a notification needs less).
pub const MAX_FALLBACK: usize = 3000;

/// The message for `report`, linking to `link` when given.
pub fn message(report: &Report, link: Option<&str>) -> Value {
    let facts = &report.facts;
    let title = report.title();
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": fit(&title, MAX_HEADER), "emoji": false},
    })];
    let count = facts.findings.len();
    let mut about = format!(
        "Period {} to {} · {} finding{}",
        facts.period.from,
        facts.period.to,
        count,
        if count == 1 { "" } else { "s" }
    );
    if facts.audience == "team" {
        about.push_str(" · written for the team: health signals counted per team, never named");
    }
    if facts.anonymized {
        about.push_str(" · people appear under pseudonyms");
    }
    blocks.push(section(&escape(&one_line(&about))));
    // What the link block needs, kept free below.
    let reserved = usize::from(link.is_some());
    let room = |blocks: &Vec<Value>| (MAX_BLOCKS - reserved).saturating_sub(blocks.len());
    if facts.summary.is_empty() {
        blocks.push(section(
            "Nothing stood out this period: no finding and no trend beyond its usual swing.",
        ));
    } else {
        blocks.push(section("*What matters most*"));
        let total = facts.summary.len();
        for (i, item) in facts.summary.iter().enumerate() {
            // One block kept for the line saying what was left out.
            if room(&blocks) <= 1 && i + 1 < total {
                blocks.push(section(&format!(
                    "…and {} more in the full report.",
                    total - i
                )));
                break;
            }
            let mut text = format!(
                "*{}. {}* · _{}_",
                i + 1,
                escape(&one_line(&item.title)),
                escape(&item.severity)
            );
            if !item.text.is_empty() {
                text.push('\n');
                text.push_str(&escape(&item.text));
            }
            blocks.push(section(&text));
        }
    }
    let questions = questions(report);
    if !questions.is_empty() && room(&blocks) >= 2 {
        blocks.push(json!({"type": "divider"}));
        blocks.push(section("*Questions for the retro*"));
        let mut pending = String::new();
        let mut written = 0;
        for question in &questions {
            let line = format!("• {}\n", escape(&one_line(question)));
            let line = cut_units(&line, MAX_SECTION);
            if units(&pending) + units(&line) > MAX_SECTION {
                if room(&blocks) <= 1 {
                    break;
                }
                blocks.push(section(pending.trim_end()));
                pending.clear();
            }
            pending.push_str(&line);
            written += 1;
        }
        let left = questions.len() - written;
        if left > 0 {
            let note = format!("…and {left} more in the full report.");
            if units(&pending) + units(&note) > MAX_SECTION {
                pending = cut_units(&pending, MAX_SECTION - units(&note) - 1);
                pending.push('\n');
            }
            pending.push_str(&note);
        }
        if !pending.trim().is_empty() && room(&blocks) >= 1 {
            blocks.push(section(pending.trim_end()));
        }
    }
    if let Some(link) = link {
        blocks.push(section(&format!(
            "<{}|Open the full report>",
            link_target(link)
        )));
    }
    let mut fallback = format!(
        "{title}: {count} finding{}",
        if count == 1 { "" } else { "s" }
    );
    let points: Vec<String> = facts
        .summary
        .iter()
        .enumerate()
        .map(|(i, item)| format!("{}. {}", i + 1, one_line(&item.title)))
        .collect();
    if !points.is_empty() {
        fallback.push_str(" — ");
        fallback.push_str(&points.join("; "));
    }
    json!({
        "text": fit(&escape(&fallback), MAX_FALLBACK),
        "blocks": blocks,
    })
}

/// The questions for the retro: each finding's, then any of the summary's not among them,
/// without repeats.
fn questions(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let facts = &report.facts;
    let asked = facts
        .findings
        .iter()
        .map(|f| &f.question)
        .chain(facts.summary.iter().map(|s| &s.question));
    for question in asked {
        let question = question.trim();
        if !question.is_empty() && !out.iter().any(|q| q == question) {
            out.push(question.to_string());
        }
    }
    out
}

/// What `--dry-run` prints: where it would go (never the URL) and the payload.
pub fn dry_run(message: &Value, url: Option<&WebhookUrl>) -> String {
    let to = match url {
        Some(url) => format!("the Slack webhook from {}", url.origin()),
        None => "the Slack webhook in SLACK_WEBHOOK_URL (not set here)".to_string(),
    };
    let blocks = message["blocks"].as_array().map_or(0, Vec::len);
    format!(
        "dry run: would POST this message ({blocks} blocks) to {to}; nothing was sent\n{}",
        serde_json::to_string_pretty(message).unwrap_or_default()
    )
}

/// Sends `message`; Slack's refusals become errors saying what to do.
pub fn send(
    config: &PublishConfig,
    url: &WebhookUrl,
    message: &Value,
    say: &dyn Fn(&str),
    waiting: &dyn Fn(&str),
) -> Result<(), PublishError> {
    let answer = post::post(config, "Slack", url, message, waiting).map_err(|e| failure(url, e))?;
    if answer.status == 200 {
        let blocks = message["blocks"].as_array().map_or(0, Vec::len);
        say(&format!(
            "posted the report to Slack through the webhook from {} ({blocks} blocks)",
            url.origin()
        ));
        return Ok(());
    }
    Err(PublishError::Slack(refused(url, &answer)))
}

/// What Slack's answer means and what to do.
fn refused(url: &WebhookUrl, answer: &Answer) -> String {
    let code = answer.body.trim();
    let code_shown: String = code.chars().take(200).collect();
    let origin = url.origin();
    let advice = match code {
        "invalid_payload" => "Slack could not read the message as JSON; report it to teamlens with the output of --dry-run".to_string(),
        "invalid_blocks" | "invalid_blocks_format" => "Slack refused the message's blocks; report it to teamlens with the output of --dry-run".to_string(),
        "too_many_attachments" => "the message has more attachments than Slack allows; report it to teamlens with the output of --dry-run".to_string(),
        "action_prohibited" => "the workspace does not let this webhook post there; ask a Slack admin to allow it, or make a webhook for another channel".to_string(),
        "posting_to_general_channel_denied" => "only admins may post to that channel; make a webhook for another channel".to_string(),
        "no_service" | "no_service_id" | "no_team" | "team_disabled" | "invalid_token" => format!(
            "Slack knows no such webhook: it was removed or disabled, or the URL from {origin} is mistyped; make a new incoming webhook and give its URL"
        ),
        "channel_not_found" | "user_not_found" => "the webhook's channel no longer exists; make a new incoming webhook for an existing channel".to_string(),
        "channel_is_archived" => "the webhook's channel is archived; unarchive it, or make a webhook for another channel".to_string(),
        _ if answer.status >= 500 => "Slack had a problem of its own; the message may or may not have been posted, so look in the channel before running again".to_string(),
        _ => format!("look at the webhook's settings in the Slack app (the URL from {origin})"),
    };
    let code_said = if code_shown.is_empty() {
        String::new()
    } else {
        format!(" `{code_shown}`")
    };
    format!(
        "Slack refused the message (HTTP {}{code_said}): {advice}",
        answer.status
    )
}

/// A POST that ended without an answer to judge, in words.
fn failure(url: &WebhookUrl, error: PostError) -> PublishError {
    let origin = url.origin();
    PublishError::Slack(match error {
        PostError::Unreachable { attempts, message } => format!(
            "could not reach Slack through the webhook from {origin} ({attempts} attempts): {message}; nothing was posted"
        ),
        PostError::Unsure { message } => format!(
            "Slack did not answer the message ({message}): it may or may not have been posted, so look in the channel before running again"
        ),
        PostError::StillRefused { answer, attempts } => format!(
            "Slack kept answering HTTP {} ({attempts} attempts{}): nothing was posted; run the same command again later",
            answer.status,
            if answer.status == 429 {
                ", rate limited"
            } else {
                ""
            }
        ),
        PostError::WaitTooLong { answer, secs } => format!(
            "Slack answered HTTP {} and asks to wait {secs} s, longer than [publish] max_retry_after_secs: nothing was posted; run the same command again after that",
            answer.status
        ),
        PostError::Setup(message) => format!("cannot set up the HTTP client: {message}"),
    })
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": fit(text, MAX_SECTION)}})
}

/// `text` within `max` UTF-16 units and never empty (a section's text needs at least one
/// character).
fn fit(text: &str, max: usize) -> String {
    let text = if text.trim().is_empty() { "—" } else { text };
    cut_units(text, max)
}

fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` cut to at most `max` UTF-16 units, ending in `…` when cut.
fn cut_units(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + c.len_utf16() > max.saturating_sub(1) {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

/// User text as Slack's mrkdwn shows it literally: `&`, `<` and `>` escaped, as Slack asks.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A link's URL as it can stand inside `<URL|text>`: the characters that would end it
/// percent-encoded.
fn link_target(link: &str) -> String {
    link.replace('|', "%7C")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace(' ', "%20")
}

#[cfg(test)]
mod tests {
    use super::super::{Facts, Finding, Period, SummaryItem};
    use super::*;

    fn report(findings: usize, text_len: usize) -> Report {
        let long = "x".repeat(text_len);
        let facts = Facts {
            label: "2026-10".into(),
            period: Period {
                from: "2026-10-01".into(),
                to: "2026-10-31".into(),
            },
            audience: "manager".into(),
            summary: (0..3)
                .map(|i| SummaryItem {
                    title: format!("<!channel> point {i} & more"),
                    text: long.clone(),
                    severity: "alert".into(),
                    question: format!("question {i}?"),
                })
                .collect(),
            findings: (0..findings)
                .map(|i| Finding {
                    title: format!("finding {i}"),
                    question: format!("What about {i}? {long}"),
                    severity: "warn".into(),
                    ..Finding::default()
                })
                .collect(),
            ..Facts::default()
        };
        Report {
            dir: "r".into(),
            markdown: String::new(),
            json: Value::Null,
            facts,
        }
    }

    fn check_limits(message: &Value) {
        let blocks = message["blocks"].as_array().unwrap();
        assert!(blocks.len() <= MAX_BLOCKS, "{} blocks", blocks.len());
        for block in blocks {
            let text = block["text"]["text"].as_str().unwrap_or("");
            match block["type"].as_str().unwrap() {
                "header" => assert!(text.chars().count() <= MAX_HEADER),
                "section" => {
                    let n = text.chars().count();
                    assert!((1..=MAX_SECTION).contains(&n), "{n}");
                }
                _ => {}
            }
        }
        let fallback = message["text"].as_str().unwrap();
        assert!(!fallback.is_empty() && fallback.chars().count() <= MAX_FALLBACK);
    }

    #[test]
    fn a_usual_report_is_one_message_with_every_question() {
        let message = message(&report(6, 40), Some("https://ci.example/run/1"));
        check_limits(&message);
        let text = message.to_string();
        assert!(text.contains("What about 5?"), "{text}");
        assert!(text.contains("<https://ci.example/run/1|Open the full report>"));
        assert!(!text.contains("<!channel>"), "user text is escaped: {text}");
        assert!(text.contains("&lt;!channel&gt; point 0 &amp; more"));
    }

    #[test]
    fn a_huge_report_stays_within_every_limit_and_says_what_it_left_out() {
        let message = message(&report(500, 5000), Some("https://ci.example/run/1"));
        check_limits(&message);
        let text = message.to_string();
        assert!(text.contains("more in the full report"), "{text}");
        assert!(text.contains("Open the full report"));
        let mut long_title = report(0, 10);
        long_title.facts.label = "é".repeat(400);
        check_limits(&super::message(&long_title, None));
    }
}
