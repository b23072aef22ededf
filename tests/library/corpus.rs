//! The corpus of broken experiment files in `tests/bad_configs/`: every one is refused as
//! `optplay run` refuses it (exit code 2, a message naming the file, the line:column and the
//! key) before anything runs. `tests/cli/` sends two of them through the binary as well.

use optplay::app::AppError;
use optplay::config::{self, Overrides};

use crate::common::Expectation;
use crate::corpus;

#[test]
fn every_broken_file_is_refused_with_a_precise_message() {
    let files = corpus();
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let want = Expectation::of(file);
        let Err(errors) = config::load_all(file, &Overrides::default()) else {
            failures.push(format!("{name}: accepted"));
            continue;
        };
        // What the binary prints on stderr, and its exit code.
        let error = AppError::Config(errors);
        let message = error.to_string();
        let mut problems = want.missing_from(file, &message);
        if error.exit_code() != 2 {
            problems.push(format!("exit code {}", error.exit_code()));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}\n{message}", problems.join(", ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
