//! What a run writes besides the figures' pixels: a thinned CSV (`[output] csv_every`,
//! `--csv-every`), data only (`formats = []`, `--format none`), and the earlier run's files
//! that this one does not write.

use std::path::Path;

use optplay::config::Overrides;

use crate::{experiment_file, file_names, load_with, small, write};

/// Momentum and Adam on the quadratic for 95 steps, with noise so that both take every step,
/// and `extra` appended (a `[plot]` or `[output]` table).
fn noisy_bowl(dir: &Path, name: &str, extra: &str) -> std::path::PathBuf {
    experiment_file(
        dir,
        name,
        &format!(
            "steps = 95\nseed = 2\n[surface]\nkind = \"quadratic\"\n[noise]\nstd = 0.3\n\
             [[optimizer]]\nkind = \"momentum\"\nlr = 0.02\n\
             [[optimizer]]\nkind = \"adam\"\nlr = 0.1\n{extra}"
        ),
    )
}

/// Runs `file` with `overrides` into `out`, figures small, and returns its folder.
fn run(file: &Path, overrides: &Overrides, out: &Path) -> std::path::PathBuf {
    write(&small(load_with(file, overrides)), out).dir
}

/// `--format LIST` and `--csv-every K`.
fn flags(formats: &[&str], csv_every: Option<u64>) -> Overrides {
    Overrides {
        csv_every,
        ..crate::formats(formats)
    }
}

/// The `run,step` cells of every data row of `dir`'s CSV.
fn run_steps(dir: &Path) -> Vec<(String, u64)> {
    std::fs::read_to_string(dir.join("trajectory.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].to_string(), cells[2].parse().unwrap())
        })
        .collect()
}

#[test]
fn csv_every_keeps_the_start_every_kth_step_and_the_last_and_the_summary_stays_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let file = noisy_bowl(tmp.path(), "bowl", "");
    let whole = run(&file, &flags(&["svg"], None), &tmp.path().join("whole"));
    let thinned = run(
        &file,
        &flags(&["svg"], Some(10)),
        &tmp.path().join("thinned"),
    );
    let steps: Vec<u64> = (0..=90).step_by(10).chain([95]).collect();
    let expected: Vec<(String, u64)> = ["momentum", "adam"]
        .iter()
        .flat_map(|label| steps.iter().map(|&s| (label.to_string(), s)))
        .collect();
    assert_eq!(run_steps(&thinned), expected);
    // Each kept row is the whole CSV's row of that step, byte for byte.
    let rows = |dir: &Path| std::fs::read_to_string(dir.join("trajectory.csv")).unwrap();
    let (all, kept) = (rows(&whole), rows(&thinned));
    for line in kept.lines() {
        assert!(all.lines().any(|l| l == line), "{line}");
    }
    let summary = |dir: &Path| std::fs::read(dir.join("summary.json")).unwrap();
    assert_eq!(summary(&whole), summary(&thinned));

    // The same from the file's `[output]`, and without figures (the runs keep only those
    // rows then): the same bytes.
    let in_file = noisy_bowl(tmp.path(), "bowl", "[output]\ncsv_every = 10\n");
    let from_file = run(&in_file, &flags(&["svg"], None), &tmp.path().join("file"));
    let data_only = run(&in_file, &flags(&["none"], None), &tmp.path().join("data"));
    for dir in [&from_file, &data_only] {
        assert_eq!(rows(dir), kept);
        assert_eq!(summary(dir), summary(&whole));
    }
}

#[test]
fn no_formats_writes_the_csv_and_json_only() {
    let tmp = tempfile::tempdir().unwrap();
    let file = noisy_bowl(tmp.path(), "bowl", "[plot]\nformats = []\n");
    let dir = run(&file, &Overrides::default(), &tmp.path().join("file"));
    assert_eq!(file_names(&dir), ["summary.json", "trajectory.csv"]);
    let plain = noisy_bowl(tmp.path(), "plain", "");
    let dir = run(&plain, &flags(&["none"], None), &tmp.path().join("flag"));
    assert_eq!(file_names(&dir), ["summary.json", "trajectory.csv"]);
    let refused = flags(&["none", "png"], None).validate().unwrap_err();
    assert_eq!(refused.option, "--format");
}

#[test]
fn running_again_with_fewer_formats_leaves_no_stale_figures_and_keeps_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let file = noisy_bowl(tmp.path(), "bowl", "");
    let out = tmp.path().join("out");
    let dir = run(&file, &flags(&["png", "svg", "gif"], None), &out);
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    assert_eq!(
        file_names(&dir),
        [
            "loss.png",
            "loss.svg",
            "notes.txt",
            "summary.json",
            "trajectories.gif",
            "trajectories.png",
            "trajectories.svg",
            "trajectory.csv",
        ]
    );
    run(&file, &flags(&["svg"], None), &out);
    assert_eq!(
        file_names(&dir),
        [
            "loss.svg",
            "notes.txt",
            "summary.json",
            "trajectories.svg",
            "trajectory.csv"
        ]
    );
    run(&file, &flags(&["none"], None), &out);
    assert_eq!(
        file_names(&dir),
        ["notes.txt", "summary.json", "trajectory.csv"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// The figures' bytes of `experiment`'s runs, drawn with what `ahead` drew before them.
fn figure_bytes(
    experiment: &optplay::config::Experiment,
    runs: &[optplay::output::RunResult],
    ahead: Option<&optplay::output::Ahead<'_>>,
) -> Vec<(String, Vec<u8>)> {
    let formats = optplay::output::picture_formats(experiment);
    optplay::output::render_files(experiment, runs, &formats, Path::new("."), ahead)
        .unwrap()
        .into_iter()
        .filter_map(|file| match file.content {
            optplay::output::Content::Bytes(bytes) => Some((file.name, bytes)),
            optplay::output::Content::Csv { .. } => None,
        })
        .collect()
}

#[test]
fn what_is_drawn_ahead_of_the_runs_changes_no_byte_of_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let file = noisy_bowl(dir.path(), "ahead", "");
    let mut experiment = small(load_with(&file, &flags(&["png", "svg"], None)));
    experiment.plot.width = 420;
    experiment.plot.height = 340;
    let runs = optplay::output::run_results(&experiment);
    let formats = optplay::output::picture_formats(&experiment);
    let drawn_after = figure_bytes(&experiment, &runs, None);
    assert_eq!(
        drawn_after.len(),
        6,
        "CSV aside: JSON, two figures in two formats"
    );

    let ahead = optplay::output::Ahead::new(&experiment, &formats).unwrap();
    ahead.draw();
    assert_eq!(figure_bytes(&experiment, &runs, Some(&ahead)), drawn_after);
    // Not drawn yet when the figures want it (the runs were quicker): they draw it.
    let late = optplay::output::Ahead::new(&experiment, &formats).unwrap();
    assert_eq!(figure_bytes(&experiment, &runs, Some(&late)), drawn_after);

    // Drawn ahead under a heading two lines tall, the plot has another size: what was drawn
    // for it is not used, and the figures are still the ones drawn without it.
    let mut other = experiment.clone();
    other.name = "a name long enough to push the formula onto a second line".repeat(2);
    let mismatched = optplay::output::Ahead::new(&other, &formats).unwrap();
    mismatched.draw();
    assert_eq!(
        figure_bytes(&experiment, &runs, Some(&mismatched)),
        drawn_after
    );
}
