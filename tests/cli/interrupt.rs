//! SIGINT and SIGTERM stop a command with exit 130 and leave no trace of it: no temporary
//! file, no partial output, no folder it created, and an existing folder as it was.
//!
//! Nothing here guesses how long anything takes. A hidden test hook makes optplay create a
//! marker file at a known point (while stepping, or with the first chunk of the first file on
//! disk) and wait there until it is interrupted; the test waits for the marker and only then
//! sends its signal.
#![cfg(unix)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::summary;

/// How long the marker may take to appear on a loaded machine: a limit, not a timing.
const DEADLINE: Duration = Duration::from_secs(60);

/// Where optplay pauses for the test.
#[derive(Clone, Copy)]
enum PauseAt {
    Stepping,
    Writing,
}

impl PauseAt {
    fn variable(self) -> &'static str {
        match self {
            PauseAt::Stepping => "OPTPLAY_TEST_PAUSE_STEPPING",
            PauseAt::Writing => "OPTPLAY_TEST_PAUSE_WRITING",
        }
    }
}

/// Three runs of 3000 steps: a trajectory CSV of about 700 KB, many chunks.
const LONG: &str = "name = \"long\"\nsteps = 3000\n[surface]\nkind = \"rosenbrock\"\n\
    [[optimizer]]\nkind = \"adam\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 1e-4\n\
    [[optimizer]]\nkind = \"rmsprop\"\n";

/// How an interrupted optplay ended.
struct Ended {
    status: ExitStatus,
    stderr: String,
}

/// A started optplay, killed if the test fails before it ends: a paused one would otherwise
/// wait for its signal forever.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `optplay args` in `dir` until it reaches `pause`, sends `signal`, and returns how it
/// ended. `at_pause` sees the folder while optplay waits.
fn interrupt_at(
    dir: &Path,
    args: &[&str],
    pause: PauseAt,
    signal: &str,
    at_pause: impl FnOnce(),
) -> Ended {
    // Outside the output folder: the marker is the test's, not a leftover of optplay's.
    let marker = dir.join("paused.marker");
    let child = Command::new(assert_cmd::cargo::cargo_bin("optplay"))
        .args(args)
        .current_dir(dir)
        .env(pause.variable(), &marker)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("optplay starts");
    let mut started = Started(child);
    wait_for_marker(&mut started.0, &marker);
    at_pause();
    let sent = Command::new("kill")
        .args([signal, &started.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = started.0.wait().expect("optplay ends");
    Ended {
        status,
        stderr: stderr_of(&mut started.0),
    }
}

/// What an ended optplay said on stderr (a few lines: the pipe never fills up).
fn stderr_of(child: &mut Child) -> String {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    stderr
}

fn wait_for_marker(child: &mut Child, marker: &Path) {
    let start = Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            let stderr = stderr_of(child);
            panic!("optplay ended ({status}) before pausing; stderr:\n{stderr}");
        }
        assert!(
            start.elapsed() < DEADLINE,
            "optplay did not pause within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_interrupted(ended: &Ended, message: &str) {
    let stderr = &ended.stderr;
    assert_eq!(ended.status.code(), Some(130), "stderr:\n{stderr}");
    assert!(stderr.contains(message), "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
}

/// Every file below `dir`, with its bytes (none if it does not exist).
fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .flat_map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                files_below(&path)
            } else {
                let bytes = std::fs::read(&path).unwrap();
                vec![(path, bytes)]
            }
        })
        .collect();
    files.sort();
    files
}

/// The hidden temporary files in `dir`.
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with('.') && name.ends_with(".tmp"))
        .collect()
}

#[test]
fn each_signal_mid_write_leaves_no_file_and_no_folder() {
    for signal in ["-INT", "-TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("long.toml"), LONG).unwrap();
        let dir = tmp.path().join("out/long");
        let ended = interrupt_at(
            tmp.path(),
            &["run", "long.toml", "--format", "svg"],
            PauseAt::Writing,
            signal,
            // The pause is mid-write: the CSV is half on disk under its temporary name.
            || assert_eq!(temporary_files(&dir).len(), 1, "{signal}"),
        );
        assert_interrupted(&ended, "interrupted: nothing was written");
        assert!(
            !tmp.path().join("out").exists(),
            "{signal}: left {:?}",
            files_below(&tmp.path().join("out"))
        );
    }
}

#[test]
fn each_signal_while_stepping_writes_nothing() {
    for signal in ["-INT", "-TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        let ended = interrupt_at(
            tmp.path(),
            &["compare", "--opt", "sgd,adam", "--steps", "1000000"],
            PauseAt::Stepping,
            signal,
            || {},
        );
        assert_interrupted(&ended, "interrupted: nothing was written");
        assert!(!tmp.path().join("out").exists(), "{signal}");
    }
}

#[test]
fn a_signal_while_a_network_trains_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = "steps = 1000000\n[data]\nkind = \"moons\"\n[[optimizer]]\nkind = \"adam\"\n";
    std::fs::write(tmp.path().join("net.toml"), file).unwrap();
    let ended = interrupt_at(
        tmp.path(),
        &["run", "net.toml"],
        PauseAt::Stepping,
        "-TERM",
        || {},
    );
    assert_interrupted(&ended, "interrupted: nothing was written");
    assert!(!tmp.path().join("out").exists());
}

/// A sweep of 2 × 5 lrs × 2 seeds × 3000 steps: its best/ CSV is written in many chunks.
const GRID: &str = "name = \"grid\"\nsteps = 3000\n[surface]\nkind = \"rosenbrock\"\n\
    [noise]\nstd = 0.1\n[sweep]\nlr = [1e-5, 1e-3]\npoints = 5\nseeds = 2\n\
    [[optimizer]]\nkind = \"sgd\"\n[[optimizer]]\nkind = \"adam\"\n";

#[test]
fn a_signal_while_a_sweep_steps_or_writes_leaves_nothing() {
    for (pause, signal) in [(PauseAt::Stepping, "-INT"), (PauseAt::Writing, "-TERM")] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("grid.toml"), GRID).unwrap();
        let ended = interrupt_at(
            tmp.path(),
            &["sweep", "grid.toml", "--format", "svg"],
            pause,
            signal,
            || {},
        );
        assert_interrupted(&ended, "interrupted: nothing was written");
        assert!(
            !tmp.path().join("out").exists(),
            "{signal}: left {:?}",
            files_below(&tmp.path().join("out"))
        );
    }
}

#[test]
fn a_signal_mid_write_leaves_an_existing_folder_as_it_was_and_removes_stale_temporaries() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("long.toml"), LONG).unwrap();
    let dir = tmp.path().join("out/long");
    super::optplay(tmp.path())
        .args(["run", "long.toml", "--format", "svg", "--steps", "10"])
        .assert()
        .success();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    // What a run killed with SIGKILL leaves (u32::MAX is never a process id).
    let stale = dir.join(".trajectory.csv.4294967295.tmp");
    std::fs::write(&stale, "half a CSV").unwrap();
    let mut before = files_below(&dir);
    before.retain(|(path, _)| path != &stale);

    let ended = interrupt_at(
        tmp.path(),
        &["run", "long.toml", "--format", "svg"],
        PauseAt::Writing,
        "-TERM",
        || assert!(!stale.exists(), "the stale temporary file is removed first"),
    );
    assert_interrupted(&ended, "interrupted: nothing was written");
    assert!(
        files_below(&dir) == before,
        "the folder changed: {:?}",
        files_below(&dir)
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(summary(&dir)["runs"][0]["steps"], 10);
}

#[test]
fn a_signal_during_a_watched_run_stops_the_watching_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("long.toml"), LONG).unwrap();
    let ended = interrupt_at(
        tmp.path(),
        &["run", "long.toml", "--watch", "--format", "svg"],
        PauseAt::Stepping,
        "-TERM",
        || {},
    );
    assert_interrupted(&ended, "stopped watching");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn a_screenshot_interrupted_mid_write_leaves_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let ended = interrupt_at(
        tmp.path(),
        &["play", "--screenshot", "shots/play.png"],
        PauseAt::Writing,
        "-INT",
        || {},
    );
    assert_interrupted(&ended, "interrupted: nothing was written");
    assert!(!tmp.path().join("shots").exists());
}
