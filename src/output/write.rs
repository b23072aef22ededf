//! Files written whole or not at all, and nothing left behind when a write is interrupted.
//!
//! Each file goes to a hidden temporary name `.<name>.<pid>.tmp` in its folder first; only
//! when every one is complete are they renamed over the old files (and, for an experiment's
//! outputs, the earlier run's outputs that this one does not write are removed). Until then
//! any way out (an error, the cancel token, a panic) removes the temporary files and the
//! folders this write created, so the folder is as it was before.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::render::{CSV_NAME, SUMMARY_NAME};
use super::{Content, OutputError, Rendered, TEST_PAUSE_WRITING, pause_until_cancelled};
use crate::core::{Cancel, Cancelled};
use crate::export;
use crate::plot::{Figure, Format};

/// The most bytes handed to the file in one write: the cancel token is looked at between
/// chunks, so a CSV of hundreds of MB stops within a few hundred rows.
const CHUNK: usize = 1 << 16;

/// Writes `files` into `dir`, creating it if needed. The folder ends up holding either all the
/// old files or all the new ones (others in it are left alone); once `cancel` is set before
/// the last file is complete, it is left exactly as it was and the error is
/// [`OutputError::Interrupted`].
///
/// Temporary files that killed runs (SIGKILL, a power cut) left in `dir` are removed too.
pub fn write_all(dir: &Path, files: &[Rendered], cancel: &Cancel) -> Result<(), OutputError> {
    write_files(dir, files, cancel, Others::Keep)
}

/// An experiment's outputs into `dir`, as [`write_all`] writes files, and then, in the same
/// write, the outputs of an earlier run that this one does not write are removed (figures in
/// a format no longer asked for, the figures of a run now data only): the folder ends up
/// with this run's outputs and none of optplay's from before. Files optplay does not write
/// (notes, photos) are never touched, and an interrupted or failed write removes nothing.
pub fn write_outputs(dir: &Path, files: &[Rendered], cancel: &Cancel) -> Result<(), OutputError> {
    write_files(dir, files, cancel, Others::RemoveStaleOutputs)
}

/// What a write does to what else is in its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Others {
    /// Leave it (a screenshot goes into any folder).
    Keep,
    /// Remove optplay's outputs that this write does not replace.
    RemoveStaleOutputs,
}

fn write_files(
    dir: &Path,
    files: &[Rendered],
    cancel: &Cancel,
    others: Others,
) -> Result<(), OutputError> {
    write_groups(dir, &[(Path::new(""), files)], cancel, others)
}

/// An experiment's outputs in `dir` and in folders below it (a sweep's own files and its
/// `best/`), as one write: every file of every folder is complete before the first rename,
/// so an interruption leaves every folder as it was. Stale outputs are removed folder by
/// folder, as [`write_outputs`] removes them.
pub fn write_outputs_in(
    dir: &Path,
    groups: &[(&Path, &[Rendered])],
    cancel: &Cancel,
) -> Result<(), OutputError> {
    write_groups(dir, groups, cancel, Others::RemoveStaleOutputs)
}

/// Writes each group's files into `dir` joined with the group's folder.
fn write_groups(
    dir: &Path,
    groups: &[(&Path, &[Rendered])],
    cancel: &Cancel,
    others: Others,
) -> Result<(), OutputError> {
    cancel.check()?;
    let mut unfinished = Unfinished {
        temps: Vec::new(),
        created: Vec::new(),
        done: false,
    };
    let mut pause = std::env::var_os(TEST_PAUSE_WRITING);
    let mut finals = Vec::new();
    for (sub, files) in groups {
        let folder = dir.join(sub);
        // Deeper folders first, so that taking them away empties their parents first.
        let mut missing = missing_folders(&folder);
        missing.append(&mut unfinished.created);
        unfinished.created = missing;
        std::fs::create_dir_all(&folder).map_err(|source| OutputError::Write {
            path: folder.clone(),
            source,
        })?;
        remove_stale_temps(&folder, files);
        for file in files.iter() {
            let temp = folder.join(temp_name(&file.name, std::process::id()));
            unfinished.temps.push(temp.clone());
            write_content(&temp, &file.content, cancel, &mut pause).map_err(|source| {
                if cancel.is_cancelled() {
                    OutputError::Interrupted
                } else {
                    OutputError::Write {
                        path: folder.join(&file.name),
                        source,
                    }
                }
            })?;
            cancel.check()?;
            finals.push(folder.join(&file.name));
        }
    }
    // Every file is complete: from here the new files replace the old ones, and the token is
    // no longer looked at (a rename is quick, and half the files renamed would be worse).
    for (temp, path) in unfinished.temps.iter().zip(finals) {
        std::fs::rename(temp, &path).map_err(|source| OutputError::Write { path, source })?;
    }
    unfinished.done = true;
    if others == Others::RemoveStaleOutputs {
        for (sub, files) in groups {
            remove_stale_outputs(&dir.join(sub), files)?;
        }
    }
    Ok(())
}

/// Removes the files in `dir` named as optplay's outputs that are not among `files`.
fn remove_stale_outputs(dir: &Path, files: &[Rendered]) -> Result<(), OutputError> {
    let entries = std::fs::read_dir(dir).map_err(|source| OutputError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let stale = is_output_name(name) && !files.iter().any(|f| f.name == name);
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|source| OutputError::Write { path, source })?;
        }
    }
    Ok(())
}

/// What a write has put on disk so far. Dropped before it is done, it takes that away again.
struct Unfinished {
    temps: Vec<PathBuf>,
    /// Folders that did not exist before the write, deepest first.
    created: Vec<PathBuf>,
    done: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        for temp in &self.temps {
            let _ = std::fs::remove_file(temp);
        }
        // `remove_dir` removes only empty folders: anything someone else put there meanwhile
        // keeps its folder.
        for folder in &self.created {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// `dir` and those of its ancestors that do not exist yet, deepest first.
fn missing_folders(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .take_while(|folder| !folder.as_os_str().is_empty() && !folder.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// The temporary name of output `name` while process `pid` writes it.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

/// The output name and process id in a temporary name, if `file_name` is one.
fn parse_temp_name(file_name: &str) -> Option<(&str, u32)> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, pid) = inner.rsplit_once('.')?;
    if name.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name, pid.parse().ok()?))
}

/// Whether optplay writes files called `name` into an experiment's folder.
fn is_output_name(name: &str) -> bool {
    const FIGURES: [Figure; 2] = [Figure::Trajectories, Figure::Loss];
    // A sweep's own files (`<name>-sweep/`); its parts are left alone, as other shards may
    // be writing theirs into the same folder.
    const SWEEP_FILES: [&str; 8] = [
        "sweep.csv",
        "sweep.json",
        "heatmap.png",
        "heatmap.svg",
        "lr_curves.png",
        "lr_curves.svg",
        "axis_curves.png",
        "axis_curves.svg",
    ];
    // A network experiment's figures (PNG or SVG; the boundaries also as a GIF).
    const NETWORK_FIGURES: [&str; 5] = ["curves", "boundaries", "digits", "landscape", "ensemble"];
    let network_figure = name.split_once('.').is_some_and(|(stem, extension)| {
        NETWORK_FIGURES.contains(&stem)
            && (matches!(extension, "png" | "svg") || (stem == "boundaries" && extension == "gif"))
    });
    // Each run's weights: a run renamed or removed leaves no weights behind.
    let weights = name.starts_with("model-") && name.ends_with(".json");
    name == CSV_NAME
        || name == SUMMARY_NAME
        || name == super::network::HISTORY_NAME
        || network_figure
        || weights
        || SWEEP_FILES.contains(&name)
        || name.split_once('.').is_some_and(|(stem, extension)| {
            let figure = FIGURES.iter().find(|f| f.stem() == stem);
            match (figure, Format::from_str(extension)) {
                // Only the paths are animated (plot::render_all): a `loss.gif` is not ours.
                (Some(Figure::Loss), Ok(Format::Gif)) => false,
                (Some(_), Ok(_)) => true,
                _ => false,
            }
        })
}

/// Removes our own temporary files that earlier runs, killed before they could clean up, left
/// in `dir`: only names of the form `.<output>.<pid>.tmp`, where `<output>` is a file optplay
/// writes (or one of `files`), and whose process is gone. Failures are ignored: this is
/// tidying, and the write itself does not depend on it.
fn remove_stale_temps(dir: &Path, files: &[Rendered]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some((name, pid)) = file_name.to_str().and_then(parse_temp_name) else {
            continue;
        };
        let ours = is_output_name(name) || files.iter().any(|f| f.name == name);
        if ours && !is_running(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` may be running (and writing its temporary files right now).
///
/// Known on Linux only, from /proc; elsewhere every other process is taken for gone. At
/// worst a second optplay writing the same folder at the same moment then fails with a
/// write error, which it reports.
fn is_running(pid: u32) -> bool {
    pid == std::process::id()
        || (cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists())
}

/// Writes `content` to a new file at `path`, in chunks, giving up once `cancel` is set.
fn write_content(
    path: &Path,
    content: &Content<'_>,
    cancel: &Cancel,
    pause: &mut Option<OsString>,
) -> io::Result<()> {
    let mut file = Chunked {
        file: File::create(path)?,
        cancel,
        pause,
    };
    match content {
        Content::Bytes(bytes) => file.write_all(bytes),
        Content::Csv { runs, every } => {
            let mut out = BufWriter::with_capacity(CHUNK, &mut file);
            export::write_trajectory_csv(&mut out, runs, *every)?;
            out.flush()
        }
    }
}

/// A file that takes at most [`CHUNK`] bytes per write and fails every write once the token
/// is set, so that a long write stops soon after an interruption.
struct Chunked<'a> {
    file: File,
    cancel: &'a Cancel,
    /// The marker file of the test hook [`TEST_PAUSE_WRITING`], until the first chunk.
    pause: &'a mut Option<OsString>,
}

impl Write for Chunked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.is_cancelled() {
            // Not `ErrorKind::Interrupted`: `write_all` would retry that.
            return Err(io::Error::other(Cancelled));
        }
        let written = self.file.write(&buf[..buf.len().min(CHUNK)])?;
        if let Some(marker) = self.pause.take() {
            pause_until_cancelled(Path::new(&marker), self.cancel);
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_name_reads_back() {
        assert_eq!(
            parse_temp_name(&temp_name("trajectory.csv", 4711)),
            Some(("trajectory.csv", 4711))
        );
        for not_ours in [
            "trajectory.csv",
            ".trajectory.csv.tmp",
            ".trajectory.csv.12a.tmp",
            ".trajectory.csv.+12.tmp",
            "..12.tmp",
            ".trajectory.csv.99999999999.tmp",
        ] {
            assert_eq!(parse_temp_name(not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn output_names_are_the_files_of_an_experiment_folder() {
        for name in [
            "trajectory.csv",
            "summary.json",
            "trajectories.png",
            "trajectories.gif",
            "loss.svg",
            "history.csv",
            "curves.svg",
            "boundaries.gif",
            "landscape.png",
            "ensemble.svg",
            "model-adam.json",
            "axis_curves.png",
        ] {
            assert!(is_output_name(name), "{name}");
        }
        for name in [
            "notes.txt",
            "loss.txt",
            "photo.png",
            "trajectories",
            "loss.gif",
            "curves.gif",
            "model.json",
            "history.txt",
        ] {
            assert!(!is_output_name(name), "{name}");
        }
    }

    fn bytes(name: &str, text: &str) -> Rendered<'static> {
        Rendered {
            name: name.into(),
            content: Content::Bytes(text.as_bytes().to_vec()),
        }
    }

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_cancelled_write_creates_no_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out/name");
        let cancel = Cancel::new();
        cancel.cancel();
        let result = write_all(&dir, &[bytes("summary.json", "{}")], &cancel);
        assert!(matches!(result, Err(OutputError::Interrupted)));
        assert!(!tmp.path().join("out").exists());
    }

    #[test]
    fn a_failed_write_removes_its_temporary_files_and_the_folders_it_made() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out/name");
        // A name that cannot be a file: the second file fails after the first is written.
        let files = [bytes("summary.json", "{}"), bytes("a/b", "x")];
        let result = write_all(&dir, &files, &Cancel::new());
        assert!(
            matches!(result, Err(OutputError::Write { .. })),
            "{result:?}"
        );
        assert!(!tmp.path().join("out").exists());
    }

    #[test]
    fn stale_temporary_files_of_dead_runs_go_and_everything_else_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // u32::MAX is never a process id.
        let dead = u32::MAX;
        let stale = [
            temp_name("trajectory.csv", dead),
            temp_name("loss.png", dead),
            temp_name("shot.png", dead),
        ];
        let kept = [
            temp_name("notes.txt", dead),
            ".trajectory.csv.tmp".to_string(),
            "notes.txt".to_string(),
        ];
        for name in stale.iter().chain(&kept) {
            std::fs::write(dir.join(name), "old").unwrap();
        }
        // This test's process is running, and on Linux so is the one that started it.
        let mut running = vec![temp_name("summary.json", std::process::id())];
        #[cfg(target_os = "linux")]
        running.push(temp_name("loss.svg", std::os::unix::process::parent_id()));
        for name in &running {
            std::fs::write(dir.join(name), "being written").unwrap();
        }
        write_all(dir, &[bytes("shot.png", "new")], &Cancel::new()).unwrap();
        let mut expected: Vec<String> = kept.to_vec();
        expected.extend(running);
        expected.push("shot.png".to_string());
        expected.sort();
        assert_eq!(names(dir), expected);
    }

    #[test]
    fn a_write_replaces_its_files_and_leaves_the_others() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("summary.json"), "old").unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        write_all(dir, &[bytes("summary.json", "new")], &Cancel::new()).unwrap();
        assert_eq!(names(dir), ["notes.txt", "summary.json"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("summary.json")).unwrap(),
            "new"
        );
    }

    /// A folder with an earlier run's outputs in every format, and files of the user's.
    fn folder_of_an_earlier_run() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for name in [
            "trajectory.csv",
            "summary.json",
            "trajectories.png",
            "trajectories.svg",
            "trajectories.gif",
            "loss.png",
            "loss.svg",
            "notes.txt",
            "photo.png",
            "loss.gif",
        ] {
            std::fs::write(tmp.path().join(name), "old").unwrap();
        }
        tmp
    }

    const USERS: [&str; 3] = ["loss.gif", "notes.txt", "photo.png"];

    #[test]
    fn outputs_written_again_with_fewer_formats_leave_no_stale_figures() {
        let tmp = folder_of_an_earlier_run();
        let dir = tmp.path();
        let files = [
            bytes("trajectory.csv", "new"),
            bytes("summary.json", "new"),
            bytes("loss.svg", "new"),
        ];
        write_outputs(dir, &files, &Cancel::new()).unwrap();
        let mut expected: Vec<&str> = USERS.to_vec();
        expected.extend(["loss.svg", "summary.json", "trajectory.csv"]);
        expected.sort();
        assert_eq!(names(dir), expected);
        // Data only: the figures go, the user's files stay.
        write_outputs(dir, &files[..2], &Cancel::new()).unwrap();
        let mut expected: Vec<&str> = USERS.to_vec();
        expected.extend(["summary.json", "trajectory.csv"]);
        expected.sort();
        assert_eq!(names(dir), expected);
        for user in USERS {
            assert_eq!(std::fs::read_to_string(dir.join(user)).unwrap(), "old");
        }
    }

    #[test]
    fn an_interrupted_or_failed_write_and_a_single_file_remove_nothing() {
        let tmp = folder_of_an_earlier_run();
        let dir = tmp.path();
        let before = names(dir);
        let cancel = Cancel::new();
        cancel.cancel();
        let summary = [bytes("summary.json", "new")];
        let result = write_outputs(dir, &summary, &cancel);
        assert!(matches!(result, Err(OutputError::Interrupted)));
        let failing = [bytes("summary.json", "new"), bytes("a/b", "x")];
        assert!(write_outputs(dir, &failing, &Cancel::new()).is_err());
        assert_eq!(names(dir), before);
        assert_eq!(
            std::fs::read_to_string(dir.join("summary.json")).unwrap(),
            "old"
        );
        // A screenshot into an experiment's folder is one more file, not a new run.
        write_all(dir, &[bytes("shot.png", "new")], &Cancel::new()).unwrap();
        let mut expected = before;
        expected.push("shot.png".to_string());
        expected.sort();
        assert_eq!(names(dir), expected);
    }
}
