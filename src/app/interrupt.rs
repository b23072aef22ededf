//! SIGINT (Ctrl-C), SIGTERM and SIGHUP become a request to stop, not an exit.
//!
//! The handler only sets a [`Cancel`] token (and wakes whoever waits for events rather than
//! doing work); the run loop and the writers look at the token, clean up after themselves and
//! return an error that `main` turns into exit code 130. Nothing calls `process::exit`.

use std::sync::{Arc, Mutex, PoisonError};

use crate::core::Cancel;

/// Something to call when an interruption arrives: it must be quick and must not block.
type Wake = Box<dyn Fn() + Send>;

/// The process's interruptions: the token they set and the wakers they call.
#[derive(Clone, Default)]
pub(super) struct Interrupts {
    cancel: Cancel,
    wakers: Arc<Mutex<Vec<Wake>>>,
}

impl Interrupts {
    /// Routes the process's SIGINT, SIGTERM and SIGHUP to the returned [`Interrupts`]. Once
    /// per process: a second handler cannot be installed.
    pub(super) fn install() -> Interrupts {
        let interrupts = Interrupts::default();
        let handler = interrupts.clone();
        // Without a handler (another one is installed, say) the default applies: the process
        // ends at once, and at worst a hidden temporary file stays behind until the next write
        // into its folder removes it.
        let _ = ctrlc::set_handler(move || handler.interrupt());
        interrupts
    }

    /// The token every interruption sets.
    pub(super) fn cancel(&self) -> &Cancel {
        &self.cancel
    }

    /// Calls `wake` on the next interruption, or now if one has arrived already: for code
    /// that sleeps until an event comes (the watcher) rather than looking at the token.
    pub(super) fn on_interrupt(&self, wake: impl Fn() + Send + 'static) {
        self.wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(wake));
        // An interruption between the push and here wakes twice: harmless for a wake-up.
        if self.cancel.is_cancelled() {
            self.wake_all();
        }
    }

    /// What a signal does: sets the token, then wakes the sleepers.
    fn interrupt(&self) {
        self.cancel.cancel();
        self.wake_all();
    }

    fn wake_all(&self) {
        for wake in self
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;

    #[test]
    fn an_interruption_sets_the_token_and_wakes_the_sleepers() {
        let interrupts = Interrupts::default();
        let (sender, woken) = channel();
        interrupts.on_interrupt(move || sender.send("early").unwrap());
        assert!(woken.try_recv().is_err());
        interrupts.interrupt();
        assert!(interrupts.cancel().is_cancelled());
        assert_eq!(woken.try_recv(), Ok("early"));
    }

    #[test]
    fn a_sleeper_that_comes_after_the_interruption_is_woken_at_once() {
        let interrupts = Interrupts::default();
        interrupts.interrupt();
        let (sender, woken) = channel();
        interrupts.on_interrupt(move || sender.send("late").unwrap());
        assert_eq!(woken.try_recv(), Ok("late"));
    }
}
