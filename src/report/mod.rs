//! The report: charts, and the Markdown, HTML and JSON writers.

pub mod charts;
