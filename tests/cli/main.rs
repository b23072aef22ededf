//! Tests that drive the real `optplay` binary, as a user would.
//!
//! One test binary with a module per area keeps link times down.

mod animation;
mod bad_input;
mod commands;
mod compare;
mod corpus;
mod interrupt;
mod lessons;
mod play;
mod reference;
mod robust;
mod run;
mod second_order;
mod watch;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The built binary, run inside `dir` so that the default `out/` lands there.
pub fn optplay(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("optplay").expect("the binary is built for tests");
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}

/// The project's own `configs/` folder.
pub fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs")
}

/// Every file a run writes with the default formats.
pub const PINNED_FILES: [&str; 6] = [
    "trajectories.png",
    "trajectories.svg",
    "loss.png",
    "loss.svg",
    "trajectory.csv",
    "summary.json",
];

pub fn summary(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// The SVG without its base64 raster backgrounds, whose letters may spell anything.
pub fn without_embedded_images(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("base64,") {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = rest.find('"').map_or("", |end| &rest[end..]);
    }
    out.push_str(rest);
    out
}
