//! Learning-rate schedules as pure functions of the number of completed steps.
//!
//! `lr(base, t)` is the learning rate of step t+1, where t counts completed steps from 0:
//! torch.optim.lr_scheduler's value after t calls of `scheduler.step()`. torch computes most
//! schedules recursively (multiplying the previous lr); the closed forms here agree with it to
//! a few units in the last place and need no history.

use std::f64::consts::PI;

use super::spec::{Default, Invalid, Key, KeyType, Legend, Range, Settings};

/// A learning-rate schedule: the lr of every step, from the base lr and the step count.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// The base lr, every step.
    Constant,
    /// Multiply by `gamma` every `step_size` steps (ResNet's step decay).
    Step {
        /// Steps between drops.
        step_size: u64,
        /// The factor at each drop.
        gamma: f64,
    },
    /// Multiply by `gamma` at each milestone (sorted, strictly increasing).
    MultiStep {
        /// The steps at which it drops.
        milestones: Vec<u64>,
        /// The factor at each milestone.
        gamma: f64,
    },
    /// Multiply by `gamma` every step.
    Exponential {
        /// The factor per step.
        gamma: f64,
    },
    /// base / (1 + k·t): the "1/t" decay.
    InverseTime {
        /// How fast it decays.
        k: f64,
    },
    /// Half a cosine from base down to `eta_min` over `t_max` steps.
    Cosine {
        /// Steps to reach `eta_min`.
        t_max: u64,
        /// The lowest lr.
        eta_min: f64,
    },
    /// SGDR: cosine cycles restarting at base, the first `t_0` steps long, each next one
    /// `t_mult` times longer. The end of each cycle is a snapshot for a snapshot ensemble.
    CosineRestarts {
        /// Length of the first cycle.
        t_0: u64,
        /// Each cycle is this many times the one before.
        t_mult: u64,
        /// The lowest lr of each cycle.
        eta_min: f64,
    },
}

/// A schedule kind: its name, its lr as a formula, its keys, and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleKind {
    /// The name in experiment files.
    pub name: &'static str,
    /// The lr after t completed steps, as a formula, and what it is for.
    pub meaning: &'static str,
    /// Its keys, besides `kind`.
    pub keys: &'static [Key],
    /// The schedule with these settings (every key present).
    pub build: fn(&Settings) -> Schedule,
}

impl crate::core::spec::Kind for ScheduleKind {
    fn name(&self) -> &'static str {
        self.name
    }

    fn keys(&self) -> &'static [Key] {
        self.keys
    }
}

impl ScheduleKind {
    /// Whether a bare name (`schedule = "cosine"`) is enough: no key is required.
    pub fn needs_keys(&self) -> bool {
        self.keys.iter().any(|k| k.default == Default::Required)
    }
}

const GAMMA_DROP: Key = Key::number("gamma", 0.1, Range::Positive, "factor at each drop");
const ETA_MIN: Key = Key::number("eta_min", 0.0, Range::NonNegative, "the lowest lr");

/// No schedule: the base lr throughout.
pub const CONSTANT: ScheduleKind = ScheduleKind {
    name: "constant",
    meaning: "lr, every step (the default)",
    keys: &[],
    build: |_| Schedule::Constant,
};

/// Step decay (torch's StepLR).
pub const STEP: ScheduleKind = ScheduleKind {
    name: "step",
    meaning: "lr·gamma^⌊t/step_size⌋: drop by gamma every step_size steps (ResNet's step decay)",
    keys: &[
        Key::integer("step_size", 1, 1, u64::MAX, "steps between drops").required(),
        GAMMA_DROP,
    ],
    build: |s| Schedule::Step {
        step_size: s.integer("step_size").max(1),
        gamma: s.number("gamma"),
    },
};

/// Drops at chosen steps (torch's MultiStepLR).
pub const MULTISTEP: ScheduleKind = ScheduleKind {
    name: "multistep",
    meaning: "lr·gamma^(milestones passed): drop by gamma at chosen steps",
    keys: &[
        Key {
            name: "milestones",
            ty: KeyType::Milestones,
            default: Default::Required,
            doc: "increasing step counts, e.g. [100, 150]",
            legend: Legend::Changed,
        },
        Key {
            doc: "factor at each milestone",
            ..GAMMA_DROP
        },
    ],
    build: |s| Schedule::MultiStep {
        milestones: s.milestones("milestones").to_vec(),
        gamma: s.number("gamma"),
    },
};

/// Exponential decay (torch's ExponentialLR).
pub const EXPONENTIAL: ScheduleKind = ScheduleKind {
    name: "exponential",
    meaning: "lr·gammaᵗ: a little smaller every step",
    keys: &[Key::number("gamma", 1.0, Range::Positive, "factor per step, e.g. 0.99").required()],
    build: |s| Schedule::Exponential {
        gamma: s.number("gamma"),
    },
};

/// The 1/t decay (torch's LambdaLR with 1/(1 + k·t)).
pub const INVERSE_TIME: ScheduleKind = ScheduleKind {
    name: "inverse_time",
    meaning: "lr / (1 + k·t): the 1/t decay",
    keys: &[Key::number("k", 0.0, Range::NonNegative, "how fast it decays").required()],
    build: |s| Schedule::InverseTime { k: s.number("k") },
};

/// Cosine annealing (torch's CosineAnnealingLR).
pub const COSINE: ScheduleKind = ScheduleKind {
    name: "cosine",
    meaning: "eta_min + ½(lr − eta_min)(1 + cos(π·t/t_max)): half a cosine down to eta_min",
    keys: &[
        Key::integer("t_max", 1, 1, u64::MAX, "steps to reach eta_min")
            .with_default(Default::Steps),
        ETA_MIN,
    ],
    build: |s| Schedule::Cosine {
        t_max: s.integer("t_max").max(1),
        eta_min: s.number("eta_min"),
    },
};

/// SGDR's warm restarts (torch's CosineAnnealingWarmRestarts).
pub const COSINE_RESTARTS: ScheduleKind = ScheduleKind {
    name: "cosine_restarts",
    meaning: "SGDR: cosine cycles that restart at lr, each t_mult times longer (snapshot ensembles)",
    keys: &[
        Key::integer("t_0", 1, 1, u64::MAX, "length of the first cycle").required(),
        Key::integer(
            "t_mult",
            1,
            1,
            u64::MAX,
            "each cycle is t_mult times the one before",
        ),
        ETA_MIN,
    ],
    build: |s| Schedule::CosineRestarts {
        t_0: s.integer("t_0").max(1),
        t_mult: s.integer("t_mult").max(1),
        eta_min: s.number("eta_min"),
    },
};

/// Rules between a schedule's keys and the run's lr: eta_min must be below it.
pub fn check(settings: &Settings, lr: f64) -> Result<(), Box<Invalid>> {
    match settings.get("eta_min") {
        Some(super::spec::Value::Number(eta_min)) if *eta_min >= lr => Err(Box::new(Invalid {
            key: "eta_min",
            also: &[],
            point_at: &[],
            expected: format!("a number ≥ 0 and below the run's lr ({lr})"),
            found: Some(format!("{eta_min}")),
            note: None,
            at: None,
        })),
        _ => Ok(()),
    }
}

impl Schedule {
    /// The kind's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Step { .. } => "step",
            Schedule::MultiStep { .. } => "multistep",
            Schedule::Exponential { .. } => "exponential",
            Schedule::InverseTime { .. } => "inverse_time",
            Schedule::Cosine { .. } => "cosine",
            Schedule::CosineRestarts { .. } => "cosine_restarts",
        }
    }

    /// The learning rate after `t` completed steps, starting from `base`.
    pub fn lr(&self, base: f64, t: u64) -> f64 {
        match *self {
            Schedule::Constant => base,
            Schedule::Step { step_size, gamma } => base * gamma.powf((t / step_size) as f64),
            Schedule::MultiStep {
                ref milestones,
                gamma,
            } => {
                let passed = milestones.partition_point(|&m| m <= t);
                base * gamma.powf(passed as f64)
            }
            Schedule::Exponential { gamma } => base * gamma.powf(t as f64),
            // torch's LambdaLR multiplies base by the lambda's value, 1/(1 + k·t).
            Schedule::InverseTime { k } => base * (1.0 / (1.0 + k * t as f64)),
            Schedule::Cosine { t_max, eta_min } => {
                eta_min + (base - eta_min) * (1.0 + (PI * t as f64 / t_max as f64).cos()) / 2.0
            }
            Schedule::CosineRestarts {
                t_0,
                t_mult,
                eta_min,
            } => {
                let (t_cur, t_i) = restart_position(t, t_0, t_mult);
                eta_min + (base - eta_min) * (1.0 + (PI * t_cur as f64 / t_i as f64).cos()) / 2.0
            }
        }
    }

    /// The step counts (within `0..=steps`) at which a cosine cycle ends and the next restarts:
    /// the snapshot points of SGDR. Empty for schedules without restarts.
    pub fn restarts(&self, steps: u64) -> Vec<u64> {
        let Schedule::CosineRestarts { t_0, t_mult, .. } = *self else {
            return Vec::new();
        };
        let mut ends = Vec::new();
        let (mut end, mut length) = (t_0, t_0);
        while end <= steps {
            ends.push(end);
            length = length.saturating_mul(t_mult);
            end = end.saturating_add(length);
            if length == 0 {
                break;
            }
        }
        ends
    }
}

/// Position within the current SGDR cycle after `t` steps: (steps into it, its length).
fn restart_position(t: u64, t_0: u64, t_mult: u64) -> (u64, u64) {
    if t_mult == 1 {
        return (t % t_0, t_0);
    }
    let (mut t_cur, mut t_i) = (t, t_0);
    while t_cur >= t_i {
        t_cur -= t_i;
        t_i = t_i.saturating_mul(t_mult);
    }
    (t_cur, t_i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_decay_halves_at_each_boundary() {
        let s = Schedule::Step {
            step_size: 3,
            gamma: 0.5,
        };
        let lrs: Vec<f64> = (0..7).map(|t| s.lr(1.0, t)).collect();
        assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]);
    }

    #[test]
    fn multistep_counts_milestones_reached() {
        let s = Schedule::MultiStep {
            milestones: vec![2, 5],
            gamma: 0.1,
        };
        assert_eq!(s.lr(1.0, 1), 1.0);
        assert_eq!(s.lr(1.0, 2), 0.1);
        assert_eq!(s.lr(1.0, 4), 0.1);
        assert!((s.lr(1.0, 5) - 0.01).abs() < 1e-17);
    }

    #[test]
    fn cosine_reaches_eta_min_at_t_max() {
        let s = Schedule::Cosine {
            t_max: 10,
            eta_min: 0.1,
        };
        assert_eq!(s.lr(1.0, 0), 1.0);
        assert!((s.lr(1.0, 5) - 0.55).abs() < 1e-15);
        assert!((s.lr(1.0, 10) - 0.1).abs() < 1e-15);
    }

    #[test]
    fn warm_restarts_grow_by_t_mult_and_restart_at_base() {
        let s = Schedule::CosineRestarts {
            t_0: 4,
            t_mult: 2,
            eta_min: 0.0,
        };
        // Cycles: [0, 4), [4, 12), [12, 28).
        assert_eq!(s.lr(1.0, 0), 1.0);
        assert_eq!(s.lr(1.0, 4), 1.0);
        assert_eq!(s.lr(1.0, 12), 1.0);
        assert!((s.lr(1.0, 8) - 0.5).abs() < 1e-15);
        assert_eq!(s.restarts(30), vec![4, 12, 28]);
        let flat = Schedule::CosineRestarts {
            t_0: 5,
            t_mult: 1,
            eta_min: 0.0,
        };
        assert_eq!(flat.restarts(16), vec![5, 10, 15]);
        assert_eq!(flat.lr(1.0, 10), 1.0);
    }

    #[test]
    fn inverse_time_is_one_over_t() {
        let s = Schedule::InverseTime { k: 1.0 };
        assert_eq!(s.lr(1.0, 0), 1.0);
        assert_eq!(s.lr(1.0, 3), 0.25);
    }
}
