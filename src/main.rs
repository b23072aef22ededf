fn main() -> std::process::ExitCode {
    optplay::app::main()
}
