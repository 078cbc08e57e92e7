//! The wait between retries of a failed request, alike for the GitHub and Linear clients:
//! exponential, with jitter so that clients that failed together do not retry together; and
//! what the two say while they wait.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The longest wait between two attempts, whatever the number of failures.
const CEILING: Duration = Duration::from_secs(300);

/// Exponential back-off from a base wait, with jitter.
pub struct Backoff {
    base: Duration,
    jitter: Mutex<ChaCha8Rng>,
}

impl Backoff {
    /// Seeded from the clock: two runs do not wait alike.
    pub fn new(base: Duration) -> Backoff {
        let seed = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as u64;
        Backoff {
            base,
            jitter: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The wait after `failures` failed attempts in a row: between half and all of
    /// base × 2^(failures − 1), at most [`CEILING`].
    pub fn wait(&self, failures: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)))
            .min(CEILING);
        let fraction: f64 = self
            .jitter
            .lock()
            .map(|mut rng| rng.random_range(0.5..=1.0))
            .unwrap_or(1.0);
        ceiling.mul_f64(fraction)
    }
}

/// `GitHub HTTP 502: waiting 1.2 s before retrying RepositorySync`: what a client says before
/// trying a request again, and why.
pub fn retrying(service: &str, reason: &str, wait: Duration, operation: &str) -> String {
    let wait = crate::common::time::human_duration(wait);
    format!("{service} {reason}: waiting {wait} before retrying {operation}")
}

/// `GitHub's hourly rate limit is spent: waiting 12 min until it resets at 14:05:00 UTC`: what
/// a client waiting out a spent budget (`--wait`) says.
pub fn waiting_for_reset(spent: &str, wait: Duration, reset_at: DateTime<Utc>) -> String {
    let wait = crate::common::time::human_duration(wait);
    let at = reset_at.format("%H:%M:%S UTC");
    format!("{spent}: waiting {wait} until it resets at {at}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_within_their_jitter_up_to_the_ceiling() {
        let backoff = Backoff::new(Duration::from_secs(1));
        for failures in 1..=4 {
            let full = Duration::from_secs(1 << (failures - 1));
            let wait = backoff.wait(failures);
            assert!(wait >= full / 2 && wait <= full, "{failures}: {wait:?}");
        }
        assert!(backoff.wait(40) <= CEILING);
        assert!(backoff.wait(40) >= CEILING / 2);
    }
}
