//! The report: a month's metrics and findings as Markdown, self-contained HTML, JSON and charts.
//!
//! [`ReportData`] is assembled from metric frames (selecting and reshaping rows, never computing a
//! metric), serialized as `report.json`, and rendered through the templates in
//! `reports/templates/` (embedded; `--templates DIR` overrides them). Everything is written to a
//! temporary directory beside the output and moved into place at the end, so a report directory
//! is never left half-written.

pub mod ai;
pub mod charts;
pub mod csv;
pub mod delivery;
mod filters;
pub mod present;
pub mod privacy;
pub mod retro;
pub mod stuck;
mod writer;

pub use privacy::{Audience, Names};
pub use writer::*;
