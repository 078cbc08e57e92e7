fn main() -> std::process::ExitCode {
    teamlens::cli::main()
}
