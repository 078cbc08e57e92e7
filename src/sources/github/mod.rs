//! The GitHub source: pull requests, reviews, review requests, timelines, commits, comments,
//! files, issues, deployments and releases, through GitHub's GraphQL API.
//!
//! - [`documents`]: the GraphQL documents (`queries/github/`), validated against the schema;
//! - [`auth`]: `GITHUB_TOKEN`, `gh auth token`, or a GitHub App;
//! - [`client`]: the transport — retries, rate limits, token refresh, at most a few requests
//!   in flight;
//! - [`wire`]: the answers' JSON shapes; [`normalize`]: from them to the normalized tables;
//! - [`sync`]: one repository's incremental, resumable fetch, checkpointed per page;
//! - [`fetch`]: a whole `teamlens fetch github` run and its `--dry-run`, behind
//!   [`crate::sources::fetch::Fetch`];
//! - [`org`]: an organisation's repositories and teams (`--org`, `teamlens init`).

pub mod auth;
pub mod client;
pub mod documents;
pub mod fetch;
pub mod normalize;
pub mod org;
pub mod proposals;
pub mod sync;
pub mod wire;
