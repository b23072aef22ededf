//! The knobs both playgrounds turn the same way: the learning rate along round values and
//! the momentum (or Adam's β₁) along a ladder denser towards 1.

use crate::config::RunConfig;
use crate::core::Value;
use crate::number::short;

/// The values `m` / `M` step the momentum (or β₁) through: round, and denser towards 1,
/// where a step of 0.01 matters as much as one of 0.1 near 0.5.
const MOMENTUM_STEPS: [f64; 9] = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999];

/// The round value next to `v` along 1, 2, 5 × 10ᵏ, above it (`up`) or below it. Each is
/// parsed from its decimal, so it prints as written.
pub fn next_on_ladder(v: f64, up: bool) -> f64 {
    let decade = v.log10().floor() as i32;
    let candidates = (decade - 1..=decade + 1).flat_map(|k| {
        [1, 2, 5].map(move |m| format!("{m}e{k}").parse::<f64>().unwrap_or(f64::NAN))
    });
    let mut ladder: Vec<f64> = candidates.collect();
    ladder.sort_by(f64::total_cmp);
    if up {
        ladder
            .into_iter()
            .find(|&l| l > v * (1.0 + 1e-12))
            .unwrap_or(v * 10.0)
    } else {
        ladder
            .into_iter()
            .rev()
            .find(|&l| l < v * (1.0 - 1e-12))
            .unwrap_or(v / 10.0)
    }
}

/// `l` / `L`: `run`'s lr one step along 1, 2, 5 × 10ᵏ, so the knob (and an export) reads
/// 0.05, 0.1, 0.2, never 0.8800000000000001. `Ok` with what to tell the user when it moved,
/// `Err` with why not.
pub fn step_lr(run: &mut RunConfig, up: bool) -> Result<String, String> {
    let lr = next_on_ladder(run.lr, up);
    if !(lr.is_finite() && lr > 0.0 && lr <= 1e6) {
        return Err(format!("{}: lr stays {}", run.label, run.lr));
    }
    run.lr = lr;
    Ok(format!("{}: lr {}", run.label, short(lr)))
}

/// `m` / `M`: `run`'s momentum (SGD's ρ, Adam's β₁) one step along [`MOMENTUM_STEPS`]:
/// 0.9 → 0.8 / 0.95. Any kind with a `momentum` key, or failing that a `betas` pair, has a
/// momentum. `Ok` with what to tell the user when it has one, `Err` with why not.
pub fn step_momentum(run: &mut RunConfig, up: bool) -> Result<String, String> {
    let settings = &mut run.optimizer.settings;
    let (current, name) = match (settings.get("momentum"), settings.get("betas")) {
        (Some(Value::Number(m)), _) => (*m, "momentum"),
        (_, Some(Value::Pair([b1, _]))) => (*b1, "β1"),
        _ => return Err(format!("{} ({}) has no momentum", run.label, run.kind())),
    };
    // torch refuses Nesterov momentum without momentum.
    let floor = if settings.boolean("nesterov") {
        0.5
    } else {
        0.0
    };
    let next = if up {
        MOMENTUM_STEPS.iter().copied().find(|&m| m > current)
    } else {
        MOMENTUM_STEPS.iter().rev().copied().find(|&m| m < current)
    }
    .unwrap_or(current)
    .max(floor);
    if name == "momentum" {
        settings.set("momentum", Value::Number(next));
    } else {
        let [_, b2] = settings.pair("betas");
        settings.set("betas", Value::Pair([next, b2]));
    }
    Ok(format!("{}: {name} {next}", run.label))
}
