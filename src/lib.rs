//! teamlens: pull requests, reviews and tickets in; outcomes beside output, and the failure modes
//! of engineering management, out. See ARCHITECTURE.md for the map.
//!
//! Data flows one way: [`sources`] → [`store`] → [`metrics`] → [`detect`] → [`report`].

pub mod model;
pub mod report;
pub mod sources;
#[cfg(feature = "wip")]
pub mod store;
