//! Contour lines by marching squares ([`super::march`], the `contour` crate's algorithm), in
//! data coordinates.
//!
//! `contour` puts grid value (i, j) at the centre of cell (i + ½, j + ½) and pads the grid with
//! a frame of "below every threshold" values, so each isoline comes back as a closed ring that
//! runs along the frame (x = 0, x = nx, y = 0 or y = ny in its cell units) wherever the level
//! leaves the grid. Those frame parts are not contour lines: they are cut here, and the rest is
//! shifted by half a cell so grid value (i, j) lands on (grid.x(i), grid.y(j)).

use super::march::{Tracer, row_pair_ranges};
use crate::core::Grid;

/// A polyline in data coordinates.
pub type Polyline = Vec<[f64; 2]>;

/// For every level, the isolines of the grid at that level.
///
/// Levels are traced independently, so they are shared among the available cores; the result
/// is the same, in the same order, however many there are.
pub fn isolines(grid: &Grid, levels: &[f64]) -> Vec<Vec<Polyline>> {
    let (nx, ny) = (grid.nx, grid.ny);
    if levels.is_empty() || nx < 2 || ny < 2 || grid.values.len() != nx * ny {
        return Vec::new();
    }
    let (_, gmax) = grid.range();
    // Non-finite samples count as high ground.
    let fill = if gmax.is_finite() { gmax } else { 0.0 };
    let values: Vec<f64> = grid
        .values
        .iter()
        .map(|&v| if v.is_finite() { v } else { fill })
        .collect();
    let ranges = row_pair_ranges(&values, nx, ny);
    let sx = (grid.window.x[1] - grid.window.x[0]) / (nx - 1) as f64;
    let sy = (grid.window.y[1] - grid.window.y[0]) / (ny - 1) as f64;
    let to_data = |u: f64, v: f64| {
        [
            grid.window.x[0] + (u - 0.5) * sx,
            grid.window.y[0] + (v - 0.5) * sy,
        ]
    };
    let on_frame = |u: f64, v: f64| u <= 0.0 || v <= 0.0 || u >= nx as f64 || v >= ny as f64;
    let level = |tracer: &mut Tracer, threshold: f64| -> Vec<Polyline> {
        let mut out = Vec::new();
        for ring in tracer.rings(&values, &ranges, threshold) {
            for piece in cut_frame(&ring, on_frame) {
                out.push(piece.iter().map(|&(u, v)| to_data(u, v)).collect());
            }
        }
        out
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(levels.len());
    if threads <= 1 {
        let mut tracer = Tracer::new(nx, ny);
        return levels.iter().map(|&t| level(&mut tracer, t)).collect();
    }
    // Interleaved shares: low levels (long lines near the minimum) and high ones mix.
    let level = &level;
    let mut shares: Vec<Vec<(usize, Vec<Polyline>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                scope.spawn(move || {
                    let mut tracer = Tracer::new(nx, ny);
                    (k..levels.len())
                        .step_by(threads)
                        .map(|i| (i, level(&mut tracer, levels[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("tracing a level never panics"))
            .collect()
    });
    let mut out: Vec<Vec<Polyline>> = vec![Vec::new(); levels.len()];
    for share in &mut shares {
        for (i, lines) in share.drain(..) {
            out[i] = lines;
        }
    }
    out
}

/// Splits a ring into the pieces that do not touch the frame.
fn cut_frame(ring: &[(f64, f64)], on_frame: impl Fn(f64, f64) -> bool) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    // A ring is closed: its last point repeats its first.
    let closed = ring.len() > 1 && ring.first() == ring.last();
    let body = if closed {
        &ring[..ring.len() - 1]
    } else {
        ring
    };
    let Some(first_frame) = body.iter().position(|&(u, v)| on_frame(u, v)) else {
        if ring.len() >= 2 {
            pieces.push(ring.to_vec());
        }
        return pieces;
    };
    // Start right after a frame point so no piece wraps around the ring's end.
    let n = body.len();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    for k in 1..=n {
        let p = body[(first_frame + k) % n];
        if on_frame(p.0, p.1) {
            if piece.len() >= 2 {
                pieces.push(std::mem::take(&mut piece));
            }
            piece.clear();
        } else {
            piece.push(p);
        }
    }
    if piece.len() >= 2 {
        pieces.push(piece);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Surface, Window};

    fn grid(kind: &str, w: Window, n: usize) -> Grid {
        Grid::sample(
            &crate::core::registry::default_surface(kind).unwrap(),
            w,
            n,
            n,
        )
    }

    #[test]
    fn no_segment_lies_on_the_frame_and_every_point_is_inside() {
        let w = Window {
            x: [-2.0, 2.0],
            y: [-1.0, 3.0],
        };
        let g = grid("rosenbrock", w, 80);
        let levels = [0.5, 5.0, 50.0, 500.0];
        let lines = isolines(&g, &levels);
        assert_eq!(lines.len(), 4);
        let eps = 1e-9;
        let on_edge = |p: [f64; 2]| {
            [
                (p[0] - w.x[0]).abs() < eps,
                (p[0] - w.x[1]).abs() < eps,
                (p[1] - w.y[0]).abs() < eps,
                (p[1] - w.y[1]).abs() < eps,
            ]
        };
        let mut segments = 0;
        for level in &lines {
            assert!(!level.is_empty());
            for line in level {
                for p in line {
                    assert!(p[0] >= w.x[0] - eps && p[0] <= w.x[1] + eps, "{p:?}");
                    assert!(p[1] >= w.y[0] - eps && p[1] <= w.y[1] + eps, "{p:?}");
                }
                for s in line.windows(2) {
                    segments += 1;
                    let (a, b) = (on_edge(s[0]), on_edge(s[1]));
                    assert!(
                        !(0..4).any(|k| a[k] && b[k]),
                        "segment along the frame: {s:?}"
                    );
                }
            }
        }
        assert!(segments > 100);
    }

    #[test]
    fn levels_land_where_f_takes_them() {
        // f = ½(x² + 20y²): the level-2 line crosses y = 0 at x = ±2.
        let w = Window {
            x: [-3.5, 3.5],
            y: [-2.5, 2.5],
        };
        let g = grid("quadratic", w, 141);
        let lines = isolines(&g, &[2.0]);
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        for p in lines[0].iter().flatten() {
            assert!((s.value2(*p) - 2.0).abs() < 0.05, "{p:?}");
        }
        // A closed ellipse inside the window stays closed.
        assert_eq!(lines[0].len(), 1);
        assert_eq!(lines[0][0].first(), lines[0][0].last());
    }

    #[test]
    fn a_flat_grid_has_no_lines() {
        let mut g = grid(
            "quadratic",
            Window {
                x: [0.0, 1.0],
                y: [0.0, 1.0],
            },
            10,
        );
        g.values.iter_mut().for_each(|v| *v = 1.0);
        for level in isolines(&g, &[0.5, 1.0, 1.5]) {
            assert!(level.is_empty());
        }
    }
}
