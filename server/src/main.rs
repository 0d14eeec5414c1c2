fn main() -> std::process::ExitCode {
    pph_server::cli::main()
}
