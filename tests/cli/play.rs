//! `optplay play` is a full-screen program: without a terminal it refuses cleanly.

use predicates::prelude::*;

use super::optplay;

#[test]
fn play_without_a_terminal_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    optplay(dir.path())
        .arg("play")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdout is not a terminal"))
        .stderr(predicate::str::contains("panicked").not());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn play_checks_its_options_before_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    optplay(dir.path())
        .args(["play", "--surface", "sadle"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Did you mean `saddle`?"));
    optplay(dir.path())
        .args(["play", "no-such-file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-file.toml"));
}
