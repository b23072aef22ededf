//! Keeping paths inside the plot: clip to the window, drop points closer than a pixel.

use crate::core::Window;

pub type P = [f64; 2];

/// The part of segment a–b inside the window (Liang–Barsky), if any.
pub fn clip_segment(a: P, b: P, w: &Window) -> Option<(P, P)> {
    let d = [b[0] - a[0], b[1] - a[1]];
    if !(d[0].is_finite() && d[1].is_finite() && a.iter().all(|v| v.is_finite())) {
        return None;
    }
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-d[0], a[0] - w.x[0]),
        (d[0], w.x[1] - a[0]),
        (-d[1], a[1] - w.y[0]),
        (d[1], w.y[1] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    // Rounding (large coordinates) must not put an end outside the window.
    let at = |t: f64| {
        [
            (a[0] + t * d[0]).clamp(w.x[0], w.x[1]),
            (a[1] + t * d[1]).clamp(w.y[0], w.y[1]),
        ]
    };
    Some((at(t0), at(t1)))
}

pub fn inside(p: P, w: &Window) -> bool {
    p[0] >= w.x[0] && p[0] <= w.x[1] && p[1] >= w.y[0] && p[1] <= w.y[1]
}

/// The visible pieces of a path: consecutive clipped segments joined into polylines.
pub fn visible_pieces(points: &[P], w: &Window) -> Vec<Vec<P>> {
    let mut pieces: Vec<Vec<P>> = Vec::new();
    let mut current: Vec<P> = Vec::new();
    if points.len() == 1 && inside(points[0], w) {
        return vec![vec![points[0]]];
    }
    for s in points.windows(2) {
        match clip_segment(s[0], s[1], w) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() >= 2 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                current.push(b);
            }
            None => {
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// Drops points less than `tol` pixels (given as data units per pixel) from the last kept one;
/// the first and last points always stay.
pub fn decimate(points: &[P], per_px: [f64; 2], tol: f64) -> Vec<P> {
    let mut out: Vec<P> = Vec::with_capacity(points.len());
    for (k, &p) in points.iter().enumerate() {
        match out.last() {
            Some(&q) if k + 1 < points.len() => {
                let dx = (p[0] - q[0]) / per_px[0];
                let dy = (p[1] - q[1]) / per_px[1];
                if dx.abs() >= tol || dy.abs() >= tol {
                    out.push(p);
                }
            }
            _ => out.push(p),
        }
    }
    out
}

/// At most `budget` points of a path, keeping its shape: points closer than `tol` pixels
/// are dropped, and the tolerance doubles until the path fits. A smooth path loses nothing
/// visible at the first pass; a noisy one that wanders a million steps around a minimum
/// keeps the blob it draws, with fewer chords inside it. First and last points always stay.
pub fn thin_path(points: &[P], per_px: [f64; 2], tol: f64, budget: usize) -> Vec<P> {
    let mut tol = tol;
    let mut out = decimate(points, per_px, tol);
    while out.len() > budget.max(2) && tol < 1e6 {
        tol *= 2.0;
        out = decimate(&out, per_px, tol);
    }
    out
}

/// A curve whose x never decreases (loss or lr against steps), reduced to what a pixel
/// column can show: in each column the first, lowest, highest and last points, in their
/// order along the curve. The drawn line covers the same pixels as the full curve, so a
/// noisy million-step loss keeps its band, at no more than four points per column.
pub fn column_envelope(points: impl IntoIterator<Item = P>, x0: f64, x_per_px: f64) -> Vec<P> {
    let column = |p: &P| ((p[0] - x0) / x_per_px).floor();
    let mut out = Vec::new();
    // The points of the column being read; a column holds a few thousand at most.
    let mut bucket: Vec<P> = Vec::new();
    let flush = |bucket: &mut Vec<P>, out: &mut Vec<P>| {
        if bucket.is_empty() {
            return;
        }
        let (mut lo, mut hi) = (0, 0);
        for (k, p) in bucket.iter().enumerate() {
            if p[1] < bucket[lo][1] {
                lo = k;
            }
            if p[1] > bucket[hi][1] {
                hi = k;
            }
        }
        let mut keep = [0, lo, hi, bucket.len() - 1];
        keep.sort_unstable();
        let mut previous = None;
        for k in keep {
            if previous != Some(k) {
                out.push(bucket[k]);
                previous = Some(k);
            }
        }
        bucket.clear();
    };
    for p in points {
        if bucket.last().is_some_and(|q| column(q) != column(&p)) {
            flush(&mut bucket, &mut out);
        }
        bucket.push(p);
    }
    flush(&mut bucket, &mut out);
    out
}

/// Splits a polyline at sharp turns (more than 120°, measured in pixels): plotters joins
/// thick bitmap lines with unlimited miters, which turn zigzags into long spikes.
/// Consecutive pieces share the turning point.
pub fn split_sharp(points: &[P], per_px: [f64; 2]) -> Vec<Vec<P>> {
    let mut pieces = Vec::new();
    let mut current: Vec<P> = Vec::new();
    for (k, &p) in points.iter().enumerate() {
        current.push(p);
        if k == 0 || k + 1 == points.len() {
            continue;
        }
        let (a, b) = (points[k - 1], points[k + 1]);
        let u = [(p[0] - a[0]) / per_px[0], (p[1] - a[1]) / per_px[1]];
        let v = [(b[0] - p[0]) / per_px[0], (b[1] - p[1]) / per_px[1]];
        let dot = u[0] * v[0] + u[1] * v[1];
        let norms = (u[0].hypot(u[1])) * (v[0].hypot(v[1]));
        if norms > 0.0 && dot < -0.5 * norms {
            pieces.push(std::mem::replace(&mut current, vec![p]));
        }
    }
    if current.len() >= 2 || (pieces.is_empty() && !current.is_empty()) {
        pieces.push(current);
    }
    pieces
}

/// Where a path leaves the window for the last time (the point drawn for a diverged run),
/// or its last point if that is inside.
pub fn last_visible(points: &[P], w: &Window) -> Option<P> {
    let last = *points.last()?;
    if inside(last, w) {
        return Some(last);
    }
    points
        .windows(2)
        .rev()
        .find_map(|s| clip_segment(s[0], s[1], w).map(|(_, b)| b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_envelope_keeps_each_columns_extremes_in_order() {
        // Ten points per ten-unit column, zigzagging: y = k for even k, −k for odd k.
        let points: Vec<P> = (0..20)
            .map(|k| [k as f64, if k % 2 == 0 { k as f64 } else { -(k as f64) }])
            .collect();
        // First, highest, then lowest (which is also the last) of each column, in path order,
        // nothing twice.
        assert_eq!(
            column_envelope(points.iter().copied(), 0.0, 10.0),
            [
                [0.0, 0.0],
                [8.0, 8.0],
                [9.0, -9.0],
                [10.0, 10.0],
                [18.0, 18.0],
                [19.0, -19.0]
            ]
        );
        // One point per column: nothing dropped.
        assert_eq!(column_envelope(points.iter().copied(), 0.0, 1.0), points);
    }

    #[test]
    fn thin_path_fits_the_budget_and_keeps_both_ends() {
        // A random walk of 100 000 steps of up to a pixel each way (splitmix64 draws).
        let mut state = 0u64;
        let mut draw = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as f64 / u64::MAX as f64 * 2.0 - 1.0
        };
        let mut p = [0.0, 0.0];
        let points: Vec<P> = (0..100_000)
            .map(|_| {
                p[0] += draw();
                p[1] += draw();
                p
            })
            .collect();
        let thin = thin_path(&points, [1.0, 1.0], 0.7, 5000);
        assert!(thin.len() <= 5000, "{} points", thin.len());
        assert_eq!(thin.first(), points.first());
        assert_eq!(thin.last(), points.last());
        // The walk's extent survives.
        let extent = |ps: &[P]| {
            ps.iter()
                .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], q| {
                    [lo.min(q[0]), hi.max(q[0])]
                })
        };
        let (full, kept) = (extent(&points), extent(&thin));
        let span = full[1] - full[0];
        assert!((kept[0] - full[0]).abs() < 0.05 * span && (full[1] - kept[1]).abs() < 0.05 * span);
        // A smooth short path is untouched.
        let line: Vec<P> = (0..100).map(|k| [k as f64 * 3.0, 0.0]).collect();
        assert_eq!(thin_path(&line, [1.0, 1.0], 0.7, 5000), line);
    }

    const W: Window = Window {
        x: [-1.0, 1.0],
        y: [-1.0, 1.0],
    };

    #[test]
    fn segments_are_clipped_to_the_window() {
        assert_eq!(
            clip_segment([0.0, 0.0], [4.0, 0.0], &W),
            Some(([0.0, 0.0], [1.0, 0.0]))
        );
        assert_eq!(clip_segment([2.0, 2.0], [3.0, 5.0], &W), None);
        let (a, b) = clip_segment([-1e12, 0.5], [1e12, 0.5], &W).unwrap();
        assert_eq!((a, b), ([-1.0, 0.5], [1.0, 0.5]));
        // From inside to very far: the exit point is exact.
        let (_, b) = clip_segment([0.0, 0.5], [1e300, 0.5], &W).unwrap();
        assert_eq!(b, [1.0, 0.5]);
        // Both ends astronomically far: imprecise, but finite and inside.
        if let Some((a, b)) = clip_segment([-1e300, 0.5], [1e300, 0.5], &W) {
            assert!(inside(a, &W) && inside(b, &W));
        }
        assert_eq!(clip_segment([-1.7e308, 0.0], [1.7e308, 0.0], &W), None);
    }

    #[test]
    fn a_diverging_path_ends_at_the_frame() {
        let path = [[0.0, 0.0], [0.5, 0.0], [-3.0, 0.0], [1e9, 0.5]];
        let pieces = visible_pieces(&path, &W);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![[0.0, 0.0], [0.5, 0.0], [-1.0, 0.0]]);
        let end = last_visible(&path, &W).unwrap();
        assert_eq!(end[0], 1.0);
        assert!(end[1] > 0.0 && end[1] < 1e-8);
    }

    #[test]
    fn zigzags_are_split_at_their_sharp_turns() {
        let z = [[0.0, 0.0], [1.0, 0.0], [0.0, 0.1], [1.0, 0.2], [2.0, 0.2]];
        let pieces = split_sharp(&z, [0.01, 0.01]);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[1], vec![[1.0, 0.0], [0.0, 0.1]]);
        assert_eq!(pieces[2], vec![[0.0, 0.1], [1.0, 0.2], [2.0, 0.2]]);
        let gentle = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.5]];
        assert_eq!(split_sharp(&gentle, [1.0, 1.0]).len(), 1);
    }

    #[test]
    fn decimation_keeps_the_ends() {
        let pts: Vec<P> = (0..1000).map(|k| [k as f64 * 1e-4, 0.0]).collect();
        let d = decimate(&pts, [0.01, 0.01], 0.5);
        assert_eq!(d.first(), pts.first());
        assert_eq!(d.last(), pts.last());
        assert!(d.len() < 30);
    }
}
