//! The simulated organisation.
