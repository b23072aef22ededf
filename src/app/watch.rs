//! `optplay run FILE... --watch`: run, then re-run each file whenever it is saved.
//!
//! The folders of the files are watched, not the files: editors that save by writing a new
//! file and renaming it over the old one replace the watched inode, and a watch on the file
//! itself would go quiet after the first such save. Events are filtered by file name and
//! debounced, since one save is often several events (truncate, write, close, rename).
//!
//! An interruption is one more event on the same channel, so waiting for saves needs no
//! polling; during a run it stops that run like any other.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{Event, EventKind, RecursiveMode, Watcher};

use super::interrupt::Interrupts;
use super::{AppError, Destination, Interruption, run_paths};
use crate::config::Overrides;

/// Quiet time after the last event of a save before the file is re-run.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// What wakes the watching loop.
enum Wake {
    /// The file watcher saw something (or failed).
    File(notify::Result<Event>),
    /// SIGINT, SIGTERM or SIGHUP: stop watching.
    Interrupted,
}

/// One file on the command line and where its events come from.
struct WatchedFile {
    /// As the user typed it: for messages and for loading.
    path: PathBuf,
    /// Its folder, canonical, as the watcher names it in events.
    folder: PathBuf,
    name: OsString,
}

/// Runs `files` once, then watches them until interrupted ([`Interruption::Watching`], exit
/// 130). Only a folder that cannot be watched, or stops existing, ends the command otherwise.
pub(super) fn run_and_watch(
    files: &[PathBuf],
    overrides: &Overrides,
    to: Destination<'_>,
    interrupts: &Interrupts,
) -> Result<(), AppError> {
    let watched = files
        .iter()
        .map(|path| watched_file(path))
        .collect::<Result<Vec<_>, _>>()?;
    let (sender, wakes) = channel();
    let interrupted = sender.clone();
    interrupts.on_interrupt(move || {
        let _ = interrupted.send(Wake::Interrupted);
    });
    let on_event = move |event| {
        let _ = sender.send(Wake::File(event));
    };
    let mut watcher = notify::recommended_watcher(on_event).map_err(|e| AppError::Watch {
        path: first_folder(&watched),
        reason: e.to_string(),
    })?;
    let folders: BTreeSet<&PathBuf> = watched.iter().map(|w| &w.folder).collect();
    for folder in &folders {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|e| AppError::Watch {
                path: (*folder).clone(),
                reason: e.to_string(),
            })?;
    }
    let cancel = interrupts.cancel();
    // Watching starts before the first run, so a save during it is not missed.
    report(run_paths(files, &[], overrides, to, cancel))?;
    eprintln!(
        "watching {}: save to re-run, Ctrl-C to stop",
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    loop {
        let changed = next_changes(&watched, &wakes)?;
        let time = chrono::Local::now().format("%H:%M:%S");
        for &i in &changed {
            eprintln!("[{time}] {} changed: re-running", watched[i].path.display());
        }
        let mut saved = Vec::new();
        let mut others = Vec::new();
        for (i, w) in watched.iter().enumerate() {
            if changed.contains(&i) {
                saved.push(w.path.clone());
            } else {
                others.push(w.path.clone());
            }
        }
        report(run_paths(&saved, &others, overrides, to, cancel))?;
    }
}

/// While watching, errors are reported and the watching goes on: the next save may fix them.
/// An interruption is the one error that ends it; the interrupted run left nothing behind.
fn report(result: Result<(), AppError>) -> Result<(), AppError> {
    match result {
        Err(AppError::Interrupted(_)) => Err(AppError::Interrupted(Interruption::Watching)),
        Err(e) => {
            eprintln!("{e}");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

fn watched_file(path: &Path) -> Result<WatchedFile, AppError> {
    // A file that is not there would be waited for forever: say so instead (a broken file is
    // fine: it is run once it is fixed).
    if !path.is_file() {
        let why = if path.exists() {
            "it is not a file"
        } else {
            "No such file or directory"
        };
        return Err(AppError::Usage(format!(
            "--watch: cannot read {}: {why}",
            path.display()
        )));
    }
    let Some(name) = path.file_name() else {
        return Err(AppError::Usage(format!(
            "--watch: `{}` does not name a file",
            path.display()
        )));
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let folder = parent.canonicalize().map_err(|e| AppError::Watch {
        path: parent.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(WatchedFile {
        path: path.to_path_buf(),
        folder,
        name: name.to_os_string(),
    })
}

/// Blocks until at least one watched file changed and then stayed quiet for [`DEBOUNCE`];
/// returns the indices of the files that changed. An interruption ends the wait with
/// [`Interruption::Watching`].
fn next_changes(
    watched: &[WatchedFile],
    wakes: &Receiver<Wake>,
) -> Result<BTreeSet<usize>, AppError> {
    // The channel ends only when every sender is gone; the interruption's waker keeps one,
    // so this is a safety net rather than the way a dead watcher is noticed.
    let stopped = || AppError::Watch {
        path: first_folder(watched),
        reason: "the file watcher stopped".into(),
    };
    let mut changed = BTreeSet::new();
    loop {
        let wake = if changed.is_empty() {
            wakes.recv().map_err(|_| stopped())?
        } else {
            match wakes.recv_timeout(DEBOUNCE) {
                Ok(wake) => wake,
                Err(RecvTimeoutError::Timeout) => return Ok(changed),
                Err(RecvTimeoutError::Disconnected) => return Err(stopped()),
            }
        };
        let Wake::File(received) = wake else {
            return Err(AppError::Interrupted(Interruption::Watching));
        };
        // A removed or renamed folder sends events too (for itself): that is when to stop.
        check_folders(watched)?;
        match received {
            Ok(event) if is_change(event.kind) => {
                for path in &event.paths {
                    changed.extend(watched.iter().position(|w| names_file(w, path)));
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: file watcher: {e}"),
        }
    }
}

/// Whether an event can change a file's content. Reading the file (ours included: every run
/// opens it) is an access event, and must not trigger a run.
fn is_change(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    )
}

/// Whether an event's `path` is `watched`'s file.
fn names_file(watched: &WatchedFile, path: &Path) -> bool {
    path.file_name() == Some(watched.name.as_os_str())
        && path.parent() == Some(watched.folder.as_path())
}

/// The folder named when the watcher itself fails (clap asks for at least one file).
fn first_folder(watched: &[WatchedFile]) -> PathBuf {
    watched
        .first()
        .map(|w| w.folder.clone())
        .unwrap_or_default()
}

fn check_folders(watched: &[WatchedFile]) -> Result<(), AppError> {
    match watched.iter().find(|w| !w.folder.is_dir()) {
        Some(gone) => Err(AppError::Watch {
            path: gone.folder.clone(),
            reason: "the folder was removed or renamed".into(),
        }),
        None => Ok(()),
    }
}
