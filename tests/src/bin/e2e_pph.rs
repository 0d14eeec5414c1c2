//! The real `pph` command, built inside this package so the end-to-end
//! suite can run it as a person would.
fn main() -> std::process::ExitCode {
    pph_cli::main()
}
