//! The `teamlens` program: parses the command line, runs the command, and says any error once
//! on stderr with exit code 1 (clap exits 2 on a usage error). See ARCHITECTURE.md for the map.

use std::process::ExitCode;

use clap::Parser;

use teamlens::{app, cli::Cli};

fn main() -> ExitCode {
    // Like other Unix filters, end quietly when the reader of our output goes away
    // (`teamlens explain all | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    app::init_logging(cli.quiet, cli.verbose);
    match app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", app::error_message(&error));
            ExitCode::from(1)
        }
    }
}
