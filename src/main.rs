//! The `teamlens` program: parses the command line, runs the command, and says any error once
//! on stderr with exit code 1 (clap exits 2 on a usage error). See ARCHITECTURE.md for the map.

use std::process::ExitCode;

use clap::Parser;

use teamlens::{app, cli::Cli};

/// How many malloc arenas glibc may make. By default it gives each thread that allocates at a
/// busy moment an arena of its own, up to eight per core, and memory freed in one arena is
/// reused only by the threads allocating from it: the analysis's polars threads each build and
/// free large buffers, so its resident memory grew far past what it held. With two arenas the
/// 2,000-person analysis's peak fell by about a fifth, and its CPU time did not grow
/// (docs/scale.md, "Peak memory"). Other C libraries (musl, macOS, Windows) have no such
/// arenas.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MALLOC_ARENAS: libc::c_int = 2;

/// Sets [`MALLOC_ARENAS`] unless `MALLOC_ARENA_MAX` says otherwise: glibc reads that variable
/// itself, and a user who set it meant it.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: `mallopt` changes a setting of the C library's allocator; called before any
        // thread of ours starts, with an option and value glibc documents.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
        }
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
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
