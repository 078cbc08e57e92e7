//! The Linear source: issues with their whole history (state, assignee, title, description,
//! cycle, estimate, priority, labels), comments and linked pull requests, through Linear's
//! GraphQL API.
//!
//! - [`documents`]: the GraphQL documents (`queries/linear/`), validated against the schema;
//! - [`client`]: the transport — `LINEAR_API_KEY`, retries, Linear's rate and complexity limits;
//! - [`wire`]: the answers' JSON shapes; [`normalize`]: from them to `issues`, `issue_events`
//!   and `comments`;
//! - [`sync`]: one team's incremental, resumable fetch, checkpointed per page;
//! - [`fetch`]: a whole `teamlens fetch linear` run and its `--dry-run`, behind
//!   [`crate::sources::fetch::Fetch`].

pub mod client;
pub mod documents;
pub mod fetch;
pub mod normalize;
pub mod sync;
pub mod wire;

/// The `source` column of every row this source writes, and its name in the manifest.
pub const SOURCE: &str = "linear";

/// Checks a team key as Linear spells them (`PAY`, `ENG2`): letters and digits, upper-cased.
pub fn parse_team_key(text: &str) -> Result<String, String> {
    let key = text.trim().to_uppercase();
    if !key.is_empty() && key.len() <= 10 && key.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(key)
    } else {
        Err(format!(
            "`{text}` is not a Linear team key: give the short key issues are numbered with, such as PAY"
        ))
    }
}
