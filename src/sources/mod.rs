//! Sources: everything that produces the normalized tables of [`crate::model`].

pub mod simulate;
