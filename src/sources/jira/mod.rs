//! The Jira Cloud source: tickets, their whole changelog, comments and remote links to pull
//! requests, through Jira's REST API v3.
//!
//! - [`client`]: the transport — basic auth from `JIRA_EMAIL` and `JIRA_API_TOKEN`, retries on
//!   5xx and broken answers, 429 with `Retry-After`, errors as types naming the variable to fix;
//! - [`wire`]: the answers' JSON shapes; [`normalize`]: from them to `issues`, `issue_events`
//!   and `comments`, status categories and ticket types mapped through `[jira]` in teamlens.toml;
//! - [`sync`]: one project's incremental, resumable fetch, checkpointed per page of the JQL
//!   search, merged into the store in one commit;
//! - [`fetch`]: a whole `teamlens fetch jira` run, what it tells its observer, and its
//!   `--dry-run`, behind [`crate::sources::fetch::Fetch`].

pub mod client;
pub mod fetch;
pub mod normalize;
pub mod sync;
pub mod wire;
