//! Sources: everything that produces the normalized tables of [`crate::model`].
//!
//! Each source lives in its own module. Those `teamlens fetch` reads (GitHub, Jira, Linear,
//! git) merge what is new into the store, scope by scope, behind [`fetch::Fetch`]; those that
//! give whole tables at once (the simulator, an import) are a [`Source`]. Nothing downstream
//! knows where a row came from beyond its `source` column.

pub mod backoff;
pub mod fetch;
pub mod git;
pub mod github;
pub mod graphql;
pub mod http_log;
pub mod identities;
pub mod import;
pub mod jira;
pub mod linear;
pub mod simulate;
pub mod staging;
pub mod tickets;

use polars::prelude::DataFrame;

/// How many characters of a text from outside a message quotes.
pub const EXCERPT: usize = 300;

/// The start of a text that came from outside (an error message in an answer), cut to
/// [`EXCERPT`] characters: a service can send megabytes, and a message must stay readable.
pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(EXCERPT).collect::<String>())
    }
}

/// For serde: a string field kept as its [`excerpt`].
pub fn bounded_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    Ok(excerpt(&text))
}

/// What one run of a source produced: whole tables, and the state to remember for next time.
#[derive(Debug)]
pub struct Batch {
    /// Frames in their table's exact schema, keyed by table name.
    pub frames: Vec<(&'static str, DataFrame)>,
    /// Recorded in the store's manifest under the source's name (what was read, sync cursors).
    pub state: serde_json::Value,
}

/// A producer of whole normalized tables (the simulator, an import); what `teamlens fetch`
/// reads is a [`fetch::Fetch`].
pub trait Source {
    /// The name the manifest records the source's state under.
    fn name(&self) -> &'static str;
    /// Reads everything the source has to give.
    fn load(&mut self) -> Result<Batch, SourceError>;
}

/// Why a source could not produce its tables.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Import(#[from] import::ImportError),
    #[error("{context}: {source}")]
    Polars {
        context: String,
        #[source]
        source: polars::prelude::PolarsError,
    },
}
