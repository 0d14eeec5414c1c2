//! The `pph` command: everything lives in the library, so the end-to-end
//! suite can build the very same command.
fn main() -> std::process::ExitCode {
    pph_cli::main()
}
