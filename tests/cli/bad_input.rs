//! Bad input through the binary: exit code 2, the message on stderr, and nothing written.
//! Every class of mistake and the whole corpus are checked in-process (`tests/library/`);
//! these check that the binary says it and stops before anything runs.

use crate::common::Expectation;
use crate::{corpus, optplay};

#[test]
fn a_broken_file_among_good_ones_stops_them_all_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let surface = "[surface]\nkind = \"saddle\"\n";
    let good = tmp.path().join("good.toml");
    std::fs::write(&good, format!("{surface}[[optimizer]]\nkind = \"sgd\"\n")).unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("stpes = 10\n{surface}[[optimizer]]\nkind = \"sgd\"\n"),
    )
    .unwrap();
    // Two of the corpus: a value out of range, and a file that is not text.
    let broken: Vec<_> = corpus()
        .into_iter()
        .filter(|p| p.ends_with("052_lr_negative.toml") || p.ends_with("not_utf8.toml"))
        .collect();
    assert_eq!(broken.len(), 2);
    let output = optplay(tmp.path())
        .arg("run")
        .arg(&good)
        .arg(&bad)
        .args(&broken)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        !tmp.path().join("out").exists(),
        "nothing may be written, not even for the good file"
    );
    assert!(
        output.stdout.is_empty(),
        "no table for a run that never ran"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The unknown key, at its line:column, with the key it resembles.
    for needle in ["bad.toml:1:1", "stpes", "steps"] {
        assert!(stderr.contains(needle), "no `{needle}` in:\n{stderr}");
    }
    for file in &broken {
        let missing = Expectation::of(file).missing_from(file, &stderr);
        assert!(missing.is_empty(), "{file:?}: {missing:?} in:\n{stderr}");
    }
    assert!(stderr.contains("nothing was run"), "{stderr}");
}

#[test]
fn bad_compare_flags_exit_2_and_write_nothing() {
    // Each command line, and what its message must contain ("" checks only the code).
    for (args, says) in [
        (
            &["compare", "--opt", "sgd,adan"][..],
            "unknown optimizer `adan`. Did you mean `adam`?",
        ),
        (&["compare", "--opt", "sgd", "--surface", "sadle"], "saddle"),
        (
            &["compare", "--opt", "sgd", "--lr", "-1"],
            "the learning rate must be a finite number > 0, not -1",
        ),
        (&["compare", "--opt", "sgd", "--start", "1"], "X,Y"),
        (&["compare", "--opt", "sgd", "--steps", "0"], "--steps"),
        (
            &["compare", "--opt", "sgd", "--format", "webp,png"],
            "png, svg, gif",
        ),
        (&["compare"], "--opt"),
        (&["frobnicate"], ""),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let output = optplay(tmp.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!tmp.path().join("out").exists(), "{args:?} wrote output");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(says), "{args:?}: no `{says}` in:\n{stderr}");
    }
}
