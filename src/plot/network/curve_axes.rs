//! The curves figure's axes and series: the step axis (linear, or log from step 1), the loss
//! axis (log when every loss is positive, a diverged run's climb given limited room) and the
//! accuracy axis in per cent, fitted to every curve drawn (the averaged weights' too).

use super::super::axis::Axis;
use super::super::clip::P;
use super::super::style::Sizes;
use super::{CurvesScene, NetRun};

/// Decades a diverged run's loss may add above what the other runs reach before the axis
/// stops and the divergence is marked at the frame (as the loss figure does).
const DIVERGED_ROOM: f64 = 3.0;

/// The step axis: from 0 to the last step any run recorded; on a log axis from the first
/// recorded step after 0 (step 0 has no place there).
pub(super) fn step_axis(scene: &CurvesScene, width: u32, sizes: &Sizes) -> Axis {
    let steps = || {
        scene
            .runs
            .iter()
            .flat_map(|r| r.steps.iter().copied().chain(r.diverged_at))
    };
    let last = steps().max().unwrap_or(1).max(1) as f64;
    let target = (f64::from(width) / sizes.px(110.0)).clamp(3.0, 10.0) as usize;
    if scene.log_x {
        let first = steps().filter(|&s| s > 0).min().unwrap_or(1) as f64;
        let (lo, hi) = (first.log10(), last.log10());
        let pad = ((hi - lo) * 0.02).max(0.01);
        Axis::log_from_exponents(lo - pad, hi.max(lo + 0.3) + pad, target)
    } else {
        Axis::linear(0.0, last, target)
    }
}

/// Where a step sits on the step axis; `None` for step 0 on a log axis.
pub(super) fn x_of(scene: &CurvesScene, step: u64) -> Option<f64> {
    if !scene.log_x {
        Some(step as f64)
    } else if step >= 1 {
        Some((step as f64).log10())
    } else {
        None
    }
}

/// One quantity of a run in axis coordinates, its rows that are not finite left out (a
/// curve is broken there rather than drawn through a made-up value).
pub(super) fn series(
    scene: &CurvesScene,
    run: &NetRun,
    values: &[f64],
    y: impl Fn(f64) -> f64,
) -> Vec<Vec<P>> {
    series_at(scene, &run.steps, values, y)
}

/// [`series`] of values recorded at `steps`.
pub(super) fn series_at(
    scene: &CurvesScene,
    steps: &[u64],
    values: &[f64],
    y: impl Fn(f64) -> f64,
) -> Vec<Vec<P>> {
    let mut pieces = vec![Vec::new()];
    for (&step, &v) in steps.iter().zip(values) {
        let point = x_of(scene, step).map(|x| [x, y(v)]);
        match point {
            Some(p) if p[0].is_finite() && p[1].is_finite() => {
                if let Some(last) = pieces.last_mut() {
                    last.push(p);
                }
            }
            Some(_) => pieces.push(Vec::new()),
            None => {}
        }
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// The loss axis and whether it is logarithmic: log when every finite loss is positive. A
/// diverged run's climb may take the axis only [`DIVERGED_ROOM`] decades (or spans, on a
/// linear axis) beyond the other runs.
pub(super) fn loss_axis(runs: &[NetRun]) -> (Axis, bool) {
    let values = |tame: bool| {
        runs.iter()
            .filter(move |r| !tame || r.diverged_at.is_none())
            .flat_map(|r| r.train_loss.iter().chain(&r.val_loss).chain(averaged(r, 0)))
            .copied()
            .filter(|v| v.is_finite())
    };
    let extent = |vs: &mut dyn Iterator<Item = f64>| {
        vs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
    };
    let (lo, hi) = extent(&mut values(false));
    let (_, tame_hi) = extent(&mut values(true));
    if lo.partial_cmp(&hi).is_none_or(|o| o.is_gt()) {
        return (Axis::linear(0.0, 1.0, 5), false);
    }
    if lo > 0.0 {
        let (slo, mut shi) = (lo.log10(), hi.log10());
        if tame_hi.is_finite() && tame_hi > 0.0 {
            shi = shi.min(tame_hi.log10() + DIVERGED_ROOM);
        }
        let pad = ((shi - slo) * 0.04).max(0.03);
        (Axis::log_from_exponents(slo - pad, shi + pad, 6), true)
    } else {
        let hi = if tame_hi.is_finite() && tame_hi > lo {
            hi.min(tame_hi + DIVERGED_ROOM * (tame_hi - lo))
        } else {
            hi
        };
        let pad = (hi - lo) * 0.04;
        (Axis::linear(lo - pad, hi + pad, 6), false)
    }
}

/// The accuracy axis in per cent: up to 100, down to the lowest accuracy rounded down to a
/// ten (or to 0 when that is 20% or less), so that differences show without the zoom of an
/// axis fitted tightly to the curves. A little room beyond both ends keeps a curve at 100%
/// off the frame.
pub(super) fn accuracy_axis(runs: &[NetRun]) -> Axis {
    let lowest = runs
        .iter()
        .flat_map(|r| {
            r.train_accuracy
                .iter()
                .chain(&r.val_accuracy)
                .chain(averaged(r, 1))
        })
        .copied()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 1.0) * 100.0)
        .fold(f64::INFINITY, f64::min);
    let lo = if lowest.is_finite() {
        (lowest / 10.0).floor() * 10.0
    } else {
        0.0
    };
    let lo = if lo <= 20.0 { 0.0 } else { lo };
    let pad = (100.0 - lo) * 0.03;
    Axis::linear(lo - pad, 100.0 + pad, 6)
}

/// The averaged weights' losses (`which` 0) or accuracies (1); none without averaging.
fn averaged(run: &NetRun, which: usize) -> &[f64] {
    match (&run.averaged, which) {
        (Some(a), 0) => &a.loss,
        (Some(a), _) => &a.accuracy,
        (None, _) => &[],
    }
}
