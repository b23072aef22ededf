//! `optplay run --watch`: a saved file is re-run, a broken save is reported and the watching
//! goes on, Ctrl-C ends it with 130.
//!
//! The process runs in the background while the test edits its file, so every check polls
//! with a generous deadline: a loaded CI machine may take seconds, and nothing here asserts
//! on timing.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use predicates::prelude::*;

use super::{optplay, summary};

/// How long any one expected change may take to show.
const DEADLINE: Duration = Duration::from_secs(20);

/// A running `optplay`, killed if the test ends early, with its stderr collected as it comes.
struct Running {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("optplay"))
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("optplay starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr is piped");
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&chunk[..n]);
                collected.lock().unwrap().push_str(&text);
            }
        });
        Running { child, stderr }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn is_alive(&mut self) -> bool {
        self.child
            .try_wait()
            .expect("the child can be polled")
            .is_none()
    }

    /// Waits until `done` holds, failing with what stderr said if it never does.
    fn wait_for(&mut self, what: &str, mut done: impl FnMut(&Running) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                self.is_alive(),
                "optplay ended while waiting for {what}; stderr:\n{}",
                self.stderr()
            );
            assert!(
                start.elapsed() < DEADLINE,
                "no {what} after {DEADLINE:?}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn interrupt(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < DEADLINE, "optplay ignored SIGINT");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Rosenbrock with a small lr: SGD neither converges nor diverges, so it takes every step.
fn experiment(steps: u64) -> String {
    format!(
        "steps = {steps}\n[surface]\nkind = \"rosenbrock\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 1e-4\n"
    )
}

/// The steps summary.json reports for the only run, once the file is there.
fn steps_written(out: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(out.join("summary.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["runs"][0]["steps"].as_u64()
}

/// Saves `text` as an editor that writes a new file and renames it over the old one would.
fn save_by_rename(path: &Path, text: &str) {
    let temp: PathBuf = path.with_extension("toml.swp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

#[cfg(unix)]
#[test]
fn watch_reruns_on_save_survives_a_broken_save_and_ends_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("walk.toml");
    let out = dir.path().join("out/walk");
    std::fs::write(&file, experiment(10)).unwrap();

    let mut optplay = Running::start(
        dir.path(),
        &["run", "walk.toml", "--watch", "--format", "svg"],
    );
    optplay.wait_for("the first run's outputs", |_| {
        steps_written(&out) == Some(10)
    });
    optplay.wait_for("the watching note", |p| {
        p.stderr().contains("watching walk.toml")
    });

    // A save in place.
    std::fs::write(&file, experiment(25)).unwrap();
    optplay.wait_for("a re-run with 25 steps", |_| {
        steps_written(&out) == Some(25)
    });
    assert!(optplay.stderr().contains("walk.toml changed: re-running"));

    // A broken save: the usual error, and the process lives on; the outputs stay.
    std::fs::write(&file, "steps = [\n").unwrap();
    optplay.wait_for("the error", |p| p.stderr().contains("walk.toml:1:"));
    assert!(optplay.stderr().contains("error: invalid TOML"));
    assert!(optplay.is_alive());
    assert_eq!(steps_written(&out), Some(25));

    // Fixed, saved the way many editors do: a new file renamed over the old one.
    save_by_rename(&file, &experiment(7));
    optplay.wait_for("a re-run with 7 steps", |_| steps_written(&out) == Some(7));
    let summary = summary(&out);
    assert_eq!(summary["runs"][0]["status"], "max_steps");

    let status = optplay.interrupt();
    assert_eq!(status.code(), Some(130), "stderr:\n{}", optplay.stderr());
    // Nothing half-written: only the outputs themselves, no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "loss.svg",
            "summary.json",
            "trajectories.svg",
            "trajectory.csv"
        ]
    );
}

#[test]
fn watch_starts_even_when_the_file_is_broken_and_runs_it_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("later.toml");
    std::fs::write(&file, "[surface]\nkind = \"sadle\"\n").unwrap();
    let mut optplay = Running::start(
        dir.path(),
        &["run", "later.toml", "--watch", "--format", "svg"],
    );
    optplay.wait_for("the error", |p| {
        p.stderr().contains("did you mean `saddle`?")
    });
    optplay.wait_for("the watching note", |p| {
        p.stderr().contains("watching later.toml")
    });
    std::fs::write(&file, experiment(12)).unwrap();
    let out = dir.path().join("out/later");
    optplay.wait_for("the run once fixed", |_| steps_written(&out) == Some(12));
}

#[test]
fn watch_checks_the_command_line_and_the_files_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("walk.toml"), experiment(5)).unwrap();
    optplay(dir.path())
        .args(["run", "walk.toml", "--watch", "--steps", "0"])
        .timeout(DEADLINE)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--steps"));
    // A file that does not exist (or whose folder does not) is an error at once, not an
    // endless wait for it to appear.
    for missing in ["no-such-folder/walk.toml", "nowhere.toml"] {
        optplay(dir.path())
            .args(["run", missing, "--watch"])
            .timeout(DEADLINE)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--watch: cannot read {missing}: No such file or directory"
            )))
            .stderr(predicate::str::contains("panicked").not());
    }
    assert!(!dir.path().join("out").exists());
}
