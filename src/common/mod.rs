//! The bottom floor: helpers every layer may use and that use no layer above them — frame
//! readers, time helpers, repository names, work spread over the cores, what a path is, and the authorship arithmetic the
//! git source and the `knowledge_silo` detector share.

pub mod attribution;
pub mod authorship;
pub mod disclosure;
pub mod errors;
pub mod files;
pub mod frame;
pub mod holidays;
pub mod parallel;
pub mod repo_name;
pub mod time;
