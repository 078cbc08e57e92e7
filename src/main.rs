fn main() -> std::process::ExitCode {
    // Like other Unix filters, end quietly when the reader of our output goes away
    // (`teamlens explain all | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    teamlens::cli::main()
}
