//! What the process itself costs: wall-clock time, CPU time and peak memory.
//!
//! The benchmark reports these per measured part, and the debug log reports them per metric and
//! per detector. CPU seconds matter on a shared machine: wall-clock time grows with other
//! processes' load, CPU time hardly does, so a step's cost can be compared between runs.

use std::time::Instant;

/// Peak resident memory of this process so far, from /proc (Linux), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// Resident memory of this process now, from /proc (Linux), in bytes. Beside the peak it tells
/// what a step keeps from what it only passes through: a step that raises the peak but leaves
/// the resident memory where it was needed the memory for a moment; one that raises both holds
/// on to it.
pub fn rss_bytes() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// A `/proc/self/status` line's value, given there in KiB, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU seconds this process has used, user and system, from `getrusage`.
#[cfg(unix)]
pub fn cpu_seconds() -> Option<f64> {
    // SAFETY: `rusage` is plain old data the kernel fills in; zeroed is a valid value, and the
    // pointer is to a live local.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

/// Windows has no `getrusage` (the release builds a Windows binary): CPU time is not measured
/// there, as peak memory is not where /proc is missing.
#[cfg(not(unix))]
pub fn cpu_seconds() -> Option<f64> {
    None
}

/// The one-minute load average (Linux): how busy the machine was while measuring.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Wall-clock and CPU time since it was started.
pub struct Stopwatch {
    wall: Instant,
    cpu: Option<f64>,
}

impl Stopwatch {
    pub fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    pub fn seconds(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }

    /// CPU seconds of the whole process (all threads) since the start.
    pub fn cpu_seconds(&self) -> f64 {
        match (self.cpu, cpu_seconds()) {
            (Some(start), Some(now)) => now - start,
            _ => 0.0,
        }
    }
}

/// Runs `work` and logs its wall-clock and CPU seconds at debug level under `step`: the report's
/// parts (stuck items, charts, team pages) are timed this way, so `-vv` shows where a large
/// organisation's report spends its time without a profiler.
pub fn timed<T>(step: &'static str, work: impl FnOnce() -> T) -> T {
    let started = Stopwatch::start();
    let result = work();
    tracing::debug!(
        step,
        seconds = started.seconds(),
        cpu_seconds = started.cpu_seconds(),
        peak_rss_mib = peak_rss_bytes().map(|b| b >> 20),
        rss_mib = rss_bytes().map(|b| b >> 20),
        "step done"
    );
    result
}
