//! Network experiments through the binary: the pinned files, the table, weights that load
//! back, and bad data refused with nothing written.

use serde_json::Value;

use crate::optplay;

const SPIRAL: &str = "steps = 60\nrecord_every = 20\n\n[data]\nkind = \"spiral\"\npoints = 90\n\
                      validation = 0.3\nbatch = 16\n\n[model]\nhidden = [16]\n\n\
                      [[optimizer]]\nkind = \"adam\"\nlr = 0.01\n\n\
                      [[optimizer]]\nkind = \"sgd\"\nlabel = \"sgd, dropout\"\nlr = 0.1\ndropout = 0.5\n";

#[test]
fn a_network_run_writes_its_pinned_files_and_its_weights_load_back() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("spiral.toml"), SPIRAL).unwrap();
    let out = optplay(work.path())
        .args(["run", "spiral.toml", "--format", "png,svg"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("val acc"), "{stdout}");
    assert!(stdout.contains("sgd, dropout"), "{stdout}");
    let dir = work.path().join("out/spiral");
    for file in crate::common::NETWORK_FILES {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let mut lines = history.lines();
    assert_eq!(
        lines.next(),
        Some("run,kind,step,train_loss,val_loss,train_accuracy,val_accuracy,lr,grad_norm")
    );
    // Steps 0, 20, 40 and 60 of each run; step 0 has no lr; the label with a comma quoted.
    assert_eq!(history.lines().count(), 1 + 2 * 4);
    assert!(history.contains("adam,adam,0,") && history.contains(",,"));
    assert!(history.contains("\"sgd, dropout\",sgd,60,"));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["data"]["kind"], "spiral");
    assert_eq!(summary["data"]["train"], 63);
    for key in [
        "label",
        "kind",
        "status",
        "steps",
        "train_loss",
        "val_loss",
        "train_accuracy",
        "val_accuracy",
        "best_val_accuracy",
        "parameters",
        "evaluations",
    ] {
        assert!(summary["runs"][0].get(key).is_some(), "summary lacks {key}");
    }
    assert_eq!(summary["runs"][0]["parameters"], 2 * 16 + 16 + 16 * 3 + 3);
    // The trained weights start a new experiment exactly where the first one ended.
    let weights = dir.join("model-adam.json");
    let again = format!(
        "steps = 1\nrecord_every = 1\n\n[data]\nkind = \"spiral\"\npoints = 90\nvalidation = 0.3\n\n\
         [model]\nhidden = [16]\ninit_from = \"{}\"\n\n[[optimizer]]\nkind = \"adam\"\nlr = 0.01\n",
        weights.display()
    );
    std::fs::write(work.path().join("again.toml"), again).unwrap();
    optplay(work.path())
        .args(["run", "again.toml", "--format", "none", "-q"])
        .assert()
        .success();
    let first: Vec<&str> = history.lines().nth(4).unwrap().split(',').collect();
    let resumed = std::fs::read_to_string(work.path().join("out/again/history.csv")).unwrap();
    let start: Vec<&str> = resumed.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(first[2], "60");
    assert_eq!(start[3..7], first[3..7], "the same losses and accuracies");
}

#[test]
fn a_broken_csv_is_refused_with_its_line_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("points.csv"),
        "x,y,label\n0.5,0.1,0\n0.2,oops,1\n",
    )
    .unwrap();
    std::fs::write(
        work.path().join("mine.toml"),
        "[data]\nkind = \"csv\"\npath = \"points.csv\"\n\n[[optimizer]]\nkind = \"sgd\"\n",
    )
    .unwrap();
    let out = optplay(work.path())
        .args(["run", "mine.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("points.csv, line 3, column 2"), "{stderr}");
    assert!(stderr.contains("mine.toml:3:8"), "{stderr}");
    assert!(!work.path().join("out").exists());
}

#[test]
fn the_regions_forming_are_an_animation_and_digits_get_their_confusion_figure() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("spiral.toml"), SPIRAL).unwrap();
    optplay(work.path())
        .args(["run", "spiral.toml", "--format", "gif", "-q"])
        .assert()
        .success();
    let gif = std::fs::read(work.path().join("out/spiral/boundaries.gif")).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
    let digits = "steps = 20\n[data]\nkind = \"digits\"\npoints = 300\nbatch = 32\n\
                  [model]\nhidden = [16]\n[[optimizer]]\nkind = \"adam\"\n";
    std::fs::write(work.path().join("digits.toml"), digits).unwrap();
    optplay(work.path())
        .args(["run", "digits.toml", "--format", "png", "-q"])
        .assert()
        .success();
    let dir = work.path().join("out/digits");
    assert!(dir.join("digits.png").is_file() && dir.join("curves.png").is_file());
    assert!(
        !dir.join("boundaries.png").exists(),
        "64 pixels have no plane to draw"
    );
}

#[test]
fn a_sweep_trains_a_batch_norm_run_on_its_own_network() {
    let work = tempfile::tempdir().unwrap();
    let file = "steps = 30\n[data]\nkind = \"moons\"\npoints = 60\nbatch = 16\n[model]\nhidden = [8]\n\
                [sweep]\npoints = 2\nseeds = 2\n\
                [[optimizer]]\nkind = \"sgd\"\nsweep_lr = [0.01, 0.1]\n\
                [[optimizer]]\nkind = \"sgd\"\nlabel = \"bn\"\nbatch_norm = true\nsweep_lr = [0.01, 0.1]\n";
    std::fs::write(work.path().join("bn.toml"), file).unwrap();
    optplay(work.path())
        .args(["sweep", "bn.toml", "--format", "none", "-q"])
        .assert()
        .success();
    let csv = std::fs::read_to_string(work.path().join("out/bn-sweep/sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 2 * 2);
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("out/bn-sweep/best/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["runs"][1]["batch_norm"], true);
}

#[test]
fn a_second_run_leaves_no_figure_or_weights_of_the_first_behind() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(dir.join("spiral.toml"), SPIRAL).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    optplay(dir)
        .args(["run", "spiral.toml", "--format", "png,svg", "-q"])
        .assert()
        .success();
    let folder = dir.join("out/spiral");
    std::fs::write(folder.join("notes.txt"), "mine").unwrap();
    assert!(folder.join("curves.svg").exists() && folder.join("model-adam.json").exists());
    // PNG only, and the adam run renamed: its SVGs and old weights go, the user's file stays.
    std::fs::write(
        dir.join("spiral.toml"),
        SPIRAL.replace("kind = \"adam\"", "kind = \"adam\"\nlabel = \"adam2\""),
    )
    .unwrap();
    optplay(dir)
        .args(["run", "spiral.toml", "--format", "png", "-q"])
        .assert()
        .success();
    for gone in [
        "curves.svg",
        "boundaries.svg",
        "landscape.svg",
        "model-adam.json",
    ] {
        assert!(!folder.join(gone).exists(), "{gone} left behind");
    }
    for kept in ["curves.png", "model-adam2.json", "notes.txt"] {
        assert!(folder.join(kept).exists(), "{kept} missing");
    }
}
