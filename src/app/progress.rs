//! The progress bar on stderr: runs × steps done and the time left, then what comes after
//! the runs (drawing, writing), shown only on a terminal and only once the work has taken
//! about a second, so quick commands and pipes see nothing of it.

use std::borrow::Cow;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{Progress, Stage};

/// Work shorter than this shows no bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often the bar redraws itself (the time left, the spinner) while the main thread is
/// busy drawing or writing.
const TICK: Duration = Duration::from_millis(100);
/// Test hook, not for users: set, the bar is shown at once instead of after [`SHOW_AFTER`],
/// so a test can see whether it appears without waiting for a second of work.
const TEST_SHOW_AT_ONCE: &str = "OPTPLAY_TEST_PROGRESS_AT_ONCE";

/// One experiment's progress bar. Hidden until [`SHOW_AFTER`] has passed; dropped, it takes
/// itself off the screen, so that whatever is printed next (the table, an error,
/// "interrupted") starts on a clean line.
pub(super) struct ProgressReport {
    bar: ProgressBar,
    /// The stepping style is set on the first report of steps: the total is known then.
    stepping: bool,
    reveal: Option<Reveal>,
}

impl ProgressReport {
    /// The bar for the experiment `name`, drawn on stderr if `show` (stderr is a terminal and
    /// the command is not `--quiet`).
    pub(super) fn new(name: &str, show: bool) -> ProgressReport {
        let delay = if std::env::var_os(TEST_SHOW_AT_ONCE).is_some() {
            Duration::ZERO
        } else {
            SHOW_AFTER
        };
        let target = show.then(ProgressDrawTarget::stderr);
        ProgressReport::on(name, target, delay)
    }

    /// The bar drawn on `target`, if any, once `delay` has passed.
    fn on(name: &str, target: Option<ProgressDrawTarget>, delay: Duration) -> ProgressReport {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
            .with_style(style("{prefix} {spinner} starting"))
            .with_prefix(name.to_string());
        let reveal = target.map(|target| Reveal::after(delay, &bar, target));
        ProgressReport {
            bar,
            stepping: false,
            reveal,
        }
    }
}

impl ProgressReport {
    /// Counts `done` of `total` in a bar whose template is set on the first count, once the
    /// total is known.
    fn count(&mut self, done: u64, total: u64, template: &str) {
        if !self.stepping {
            self.stepping = true;
            self.bar.set_length(total);
            self.bar.set_style(style(template));
        }
        self.bar.set_position(done);
    }
}

impl Progress for ProgressReport {
    fn steps(&mut self, done: u64, total: u64) {
        self.count(
            done,
            total,
            "{prefix} [{wide_bar}] {human_pos}/{human_len} steps, {eta} left",
        );
    }

    fn runs(&mut self, done: u64, total: u64) {
        self.count(
            done,
            total,
            "{prefix} [{wide_bar}] {human_pos}/{human_len} runs, {per_sec}, {eta} left",
        );
    }

    fn stage(&mut self, stage: Stage) {
        let what: Cow<'static, str> = match stage {
            Stage::Drawing => "drawing the figures".into(),
            Stage::Writing => "writing the files".into(),
        };
        self.bar.set_style(style("{prefix} {spinner} {msg}"));
        self.bar.set_message(what);
    }
}

impl Drop for ProgressReport {
    fn drop(&mut self) {
        if let Some(reveal) = self.reveal.take() {
            reveal.stop();
        }
        self.bar.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants of this file, checked by its tests.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// Shows a hidden bar on its target once a delay has passed, unless stopped first.
struct Reveal {
    /// Whether the work has ended; its condition variable wakes the waiting thread.
    ended: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Reveal {
    fn after(delay: Duration, bar: &ProgressBar, target: ProgressDrawTarget) -> Reveal {
        let ended = Arc::new((Mutex::new(false), Condvar::new()));
        let show = |bar: &ProgressBar, target| {
            bar.set_draw_target(target);
            bar.enable_steady_tick(TICK);
        };
        if delay.is_zero() {
            show(bar, target);
            return Reveal {
                ended,
                thread: None,
            };
        }
        let (bar, waiting) = (bar.clone(), Arc::clone(&ended));
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*waiting;
            let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
            let (guard, _) = wake
                .wait_timeout_while(guard, delay, |ended| !*ended)
                .unwrap_or_else(PoisonError::into_inner);
            // Shown while holding the lock: `stop` then waits, and clears it after.
            if !*guard {
                show(&bar, target);
            }
        });
        Reveal {
            ended,
            thread: Some(thread),
        }
    }

    /// The work has ended: the bar is not shown from now on.
    fn stop(mut self) {
        let (lock, wake) = &*self.ended;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use indicatif::TermLike;

    use super::*;

    /// A terminal that keeps everything written to it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
        fn push(&self, s: &str) -> io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.push(s)?;
            self.push("\n")
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.push(s)
        }
        fn clear_line(&self) -> io::Result<()> {
            self.push("<clear>")
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_sweeps_bar_counts_runs_and_their_rate() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let mut report = ProgressReport::on("grid-sweep", Some(target), Duration::ZERO);
        report.runs(150, 600);
        report.bar.force_draw();
        let shown = screen.text();
        assert!(
            shown.contains("grid-sweep") && shown.contains("150/600 runs") && shown.contains("/s"),
            "{shown}"
        );
    }

    #[test]
    fn a_shown_bar_counts_the_steps_and_clears_itself() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let mut report = ProgressReport::on("compare-quadratic", Some(target), Duration::ZERO);
        report.steps(2_500, 10_000);
        report.bar.force_draw();
        let shown = screen.text();
        assert!(
            shown.contains("compare-quadratic") && shown.contains("2,500/10,000 steps"),
            "{shown}"
        );
        drop(report);
        assert!(screen.text().ends_with("<clear>"), "{}", screen.text());
    }

    #[test]
    fn a_bar_not_yet_due_or_without_a_terminal_shows_nothing() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let mut later = ProgressReport::on("e", Some(target), Duration::from_secs(3600));
        later.steps(5, 10);
        later.stage(Stage::Drawing);
        later.bar.force_draw();
        drop(later);
        assert_eq!(screen.text(), "");
        let mut nowhere = ProgressReport::on("e", None, Duration::ZERO);
        nowhere.steps(5, 10);
        assert!(nowhere.bar.is_hidden());
    }

    #[test]
    fn the_stages_after_the_runs_are_named() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let mut report = ProgressReport::on("e", Some(target), Duration::ZERO);
        report.steps(10, 10);
        report.stage(Stage::Writing);
        report.bar.force_draw();
        assert!(
            screen.text().contains("writing the files"),
            "{}",
            screen.text()
        );
    }
}
