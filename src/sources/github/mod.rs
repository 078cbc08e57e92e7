//! The GitHub source.
pub mod documents;
