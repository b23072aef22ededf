//! A request to stop, shared between whoever asks (a signal handler) and whoever stops (the
//! run loop, the writers).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A stop request: every clone sees the same flag. Checking it is one atomic load, cheap
/// enough for a loop to do every few hundred steps.
///
/// A token nobody else holds a clone of is never cancelled: that is how a caller runs
/// something to its end.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

/// What a cancelled operation returns instead of its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

impl Cancel {
    /// A token that is not cancelled yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks everything that checks this token (or a clone of it) to stop. Cannot be undone.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once a stop was asked for, for `?` between steps of work.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::optim::sgd::Sgd;
    use crate::core::{Limits, RunSpec, Schedule, Status, run};

    #[test]
    fn a_clone_sees_the_cancel() {
        let token = Cancel::new();
        let seen_by_worker = token.clone();
        assert_eq!(seen_by_worker.check(), Ok(()));
        token.cancel();
        assert!(seen_by_worker.is_cancelled());
        assert_eq!(seen_by_worker.check(), Err(Cancelled));
    }

    #[test]
    fn a_cancelled_run_stops_long_before_its_limit() {
        let surface = crate::core::registry::default_surface("rosenbrock").unwrap();
        let spec = RunSpec {
            optimizer: std::sync::Arc::new(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
            schedule: Schedule::Constant,
            lr: 1e-4,
        };
        let start = array![-1.2, 1.0];
        let limits = |steps| Limits {
            steps,
            tolerance: None,
        };
        let cancelled = Cancel::new();
        cancelled.cancel();
        let cut = run(
            &surface,
            None,
            &spec,
            start.view(),
            limits(1_000_000),
            &cancelled,
        );
        // The loop looks at the token before its first step.
        assert_eq!(cut.steps(), 0);
        let whole = run(
            &surface,
            None,
            &spec,
            start.view(),
            limits(1000),
            &Cancel::new(),
        );
        assert_eq!(whole.steps(), 1000);
        assert_eq!(whole.status, Status::MaxSteps);
    }
}
