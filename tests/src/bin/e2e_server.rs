//! The real `pph-server` command, built inside this package so its
//! end-to-end tests can start, kill and restart it as a separate process.
fn main() -> std::process::ExitCode {
    pph_server::cli::main()
}
