//! teamlens: pull requests, reviews and tickets in; outcomes beside output, and the failure modes
//! of engineering management, out. See ARCHITECTURE.md for the map.
//!
//! Data flows one way: [`sources`] → [`store`] → [`metrics`] → [`detect`] → [`report`].

pub mod ack;
pub mod analysis;
pub mod app;
pub mod asof;
pub mod bench;
pub mod cli;
pub mod common;
pub mod config;
pub mod detect;
pub mod dir_lock;
pub mod eval;
pub mod fetch;
pub mod fuzzing;
pub mod identity;
pub mod measure;
pub mod metrics;
pub mod model;
pub mod out_dir;
pub mod period;
pub mod progress;
pub mod publish;
pub mod query;
pub mod repair;
pub mod report;
pub mod scope;
pub mod sources;
pub mod store;
pub mod validate;
