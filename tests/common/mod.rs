//! What both test binaries read the same way: the gallery, the pinned output files, the
//! summary, the SVGs without their rasters, and the corpus of broken files.
//!
//! Included by `tests/cli/main.rs` and `tests/library/main.rs` with `#[path]`; each uses a
//! part of it, so the rest would be dead code there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The project's own `configs/` folder.
pub fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs")
}

/// The files a network experiment on 2-D points writes (pinned), besides its weights.
pub const NETWORK_FILES: [&str; 6] = [
    "history.csv",
    "summary.json",
    "curves.png",
    "curves.svg",
    "boundaries.png",
    "boundaries.svg",
];

/// Whether an experiment file trains a network (it has `[data]`).
pub fn is_network(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.lines().any(|l| l.trim() == "[data]"))
}

/// Every surface experiment of the gallery, sorted: the files the surface figures' tests
/// look at.
pub fn surface_gallery() -> Vec<PathBuf> {
    gallery().into_iter().filter(|p| !is_network(p)).collect()
}

/// Every experiment file of the gallery, sorted.
pub fn gallery() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(configs())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "configs/ holds the lecture's experiments");
    files
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

/// The corpus of broken experiment files in `tests/bad_configs/`, sorted.
pub fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 60, "the corpus holds {} files", files.len());
    files
}

/// What a corpus file's message must contain.
///
/// Each file's first line says it: `# expect: LINE:COL | KEY | PHRASE` (`-` for no position;
/// an empty part checks nothing). `empty.toml` and `not_utf8.toml` cannot carry that line;
/// they are known by name.
pub struct Expectation {
    pub position: Option<String>,
    pub key: String,
    pub phrase: String,
}

impl Expectation {
    pub fn of(path: &Path) -> Expectation {
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

    /// What `message` (about the file `path`) lacks: empty when it says everything expected.
    pub fn missing_from(&self, path: &Path, message: &str) -> Vec<String> {
        let name = path.file_name().unwrap().to_str().unwrap();
        let located = match &self.position {
            Some(position) => format!("{name}:{position}"),
            None => name.to_string(),
        };
        [located, self.key.clone(), self.phrase.clone()]
            .into_iter()
            .filter(|needle| !message.contains(needle.as_str()))
            .map(|needle| format!("no `{needle}`"))
            .collect()
    }
}
