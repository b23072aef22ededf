//! The corpus of broken experiment files in `tests/bad_configs/`: every one is refused with
//! exit code 2, a message naming the file, the line:column and the key, and no output.
//!
//! Each file's first line says what its message must contain:
//! `# expect: LINE:COL | KEY | PHRASE` (`-` for no position; an empty part checks nothing).
//! `empty.toml` and `not_utf8.toml` cannot carry that line; they are checked by name.

use std::path::Path;

use crate::optplay;

struct Expectation {
    position: Option<String>,
    key: String,
    phrase: String,
}

fn expectation(path: &Path) -> Expectation {
    let name = path.file_name().unwrap().to_str().unwrap();
    let special = |key: &str, phrase: &str| Expectation {
        position: None,
        key: key.into(),
        phrase: phrase.into(),
    };
    match name {
        "empty.toml" => return special("surface", ""),
        "not_utf8.toml" => return special("", "UTF-8"),
        _ => {}
    }
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap_or_default();
    let spec = first
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{name}: the first line must be `# expect: …`"));
    let parts: Vec<&str> = spec.split('|').map(str::trim).collect();
    assert_eq!(parts.len(), 3, "{name}: `# expect: POS | KEY | PHRASE`");
    Expectation {
        position: (parts[0] != "-").then(|| parts[0].to_string()),
        key: parts[1].to_string(),
        phrase: parts[2].to_string(),
    }
}

#[test]
fn every_broken_file_is_refused_with_a_precise_message_and_nothing_written() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 60, "the corpus holds {} files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let want = expectation(file);
        let tmp = tempfile::tempdir().unwrap();
        let output = optplay(tmp.path()).arg("run").arg(file).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut problems = Vec::new();
        if output.status.code() != Some(2) {
            problems.push(format!("exit code {:?}", output.status.code()));
        }
        if tmp.path().join("out").exists() {
            problems.push("an output folder was created".to_string());
        }
        if stderr.contains("panicked") {
            problems.push("it panicked".to_string());
        }
        let located = match &want.position {
            Some(position) => format!("{name}:{position}"),
            None => name.to_string(),
        };
        for needle in [&located, &want.key, &want.phrase] {
            if !stderr.contains(needle.as_str()) {
                problems.push(format!("no `{needle}`"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}\n{stderr}", problems.join(", ")));
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
