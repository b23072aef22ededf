//! Tests that drive the real `optplay` binary, as a user would: exit codes, what stdout and
//! stderr say, signals, `--watch`, the terminal check of `play`, and one full-size run.
//!
//! Everything that does not need a process (the lessons, the matrices, the corpus, the
//! animation) runs in-process in `tests/library/`, which is far quicker. One test binary with
//! a module per area keeps link times down.

#[path = "../common/mod.rs"]
mod common;

mod after_optimisation;
mod bad_input;
mod commands;
mod compare;
mod interrupt;
mod landscape;
mod lessons;
mod mlp_reference;
mod network;
mod play;
mod reference;
mod run;
mod sweep;
mod transfer;
mod watch;

use std::path::Path;

use assert_cmd::Command;

pub use common::{PINNED_FILES, configs, corpus, summary};

/// The built binary, run inside `dir` so that the default `out/` lands there.
pub fn optplay(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("optplay").expect("the binary is built for tests");
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}
