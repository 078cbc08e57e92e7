//! What a fetch shows while it runs: a progress bar per scope (a repository, a Jira project, a
//! Linear team, a clone) on a terminal (indicatif), plain log lines when stderr is not a
//! terminal (CI logs, pipes), nothing with `--quiet`. The sources say what each line says;
//! this is only where it goes.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::sources::fetch::Observer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bars,
    Lines,
    Quiet,
}

/// The fetch [`Observer`] of the command line.
pub struct FetchProgress {
    mode: Mode,
    multi: MultiProgress,
    bars: Mutex<BTreeMap<String, ProgressBar>>,
}

impl FetchProgress {
    /// Bars on a terminal, lines otherwise, nothing when `quiet`.
    pub fn new(quiet: bool) -> FetchProgress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        };
        let multi = MultiProgress::with_draw_target(if mode == Mode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        FetchProgress {
            mode,
            multi,
            bars: Mutex::new(BTreeMap::new()),
        }
    }

    fn line(&self, text: &str) {
        match self.mode {
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
            Mode::Lines => eprintln!("{text}"),
            Mode::Quiet => {}
        }
    }

    /// The bar of a scope (a repository, `jira KEY`, `linear TEAM`, a clone), made on first use.
    fn bar(&self, scope: &str) -> Option<ProgressBar> {
        if self.mode != Mode::Bars {
            return None;
        }
        let mut bars = self.bars.lock().ok()?;
        let bar = bars.entry(scope.to_string()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(scope.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Some(bar.clone())
    }
}

impl Observer for FetchProgress {
    fn started(&self, scope: &str, text: &str) {
        self.progressed(scope, text);
    }

    fn progressed(&self, scope: &str, text: &str) {
        match self.bar(scope) {
            Some(bar) => bar.set_message(text.to_string()),
            None => self.line(&format!("{scope}: {text}")),
        }
    }

    fn waiting(&self, message: &str) {
        self.line(message);
    }

    fn note(&self, scope: &str, message: &str) {
        self.line(&format!("{scope}: {message}"));
    }

    fn finished(&self, scope: &str, text: &str) {
        match self.bar(scope) {
            Some(bar) => bar.finish_with_message(text.to_string()),
            None => self.line(&format!("{scope}: {text}")),
        }
    }

    fn failed(&self, scope: &str, text: &str) {
        match self.bar(scope) {
            Some(bar) => bar.abandon_with_message(text.to_string()),
            None => self.line(&format!("{scope}: {text}")),
        }
    }
}
