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
