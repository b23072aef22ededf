use std::process::ExitCode;

/// Runs the command; an error is one message on stderr and its exit code (130 when a signal
/// stopped the command).
fn main() -> ExitCode {
    match optplay::app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
