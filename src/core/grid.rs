//! A surface sampled once on a regular grid, for contour lines and the filled background.

use super::surface::{Surface, Window};

/// f sampled at `nx × ny` points spanning `window`, corners included, row by row from the
/// bottom (y = window.y[0]) up; `values[j * nx + i]` is f at column i, row j.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The part of the plane sampled.
    pub window: Window,
    /// Samples per row.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// f at every sample, row by row from the bottom.
    pub values: Vec<f64>,
}

impl Grid {
    /// Samples `surface` at `nx × ny` points spanning `window`, rows shared among the cores.
    pub fn sample(surface: &dyn Surface, window: Window, nx: usize, ny: usize) -> Grid {
        let nx = nx.max(2);
        let ny = ny.max(2);
        let dx = (window.x[1] - window.x[0]) / (nx - 1) as f64;
        let dy = (window.y[1] - window.y[0]) / (ny - 1) as f64;
        let mut values = vec![0.0; nx * ny];
        let fill = |first_row: usize, rows: &mut [f64]| {
            for (k, row) in rows.chunks_exact_mut(nx).enumerate() {
                let y = window.y[0] + (first_row + k) as f64 * dy;
                surface.sample_row(y, window.x[0], dx, row);
            }
        };
        // Rows are independent: share them among the cores (the values do not depend on how).
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(ny.div_ceil(64));
        let rows_each = ny.div_ceil(threads.max(1));
        std::thread::scope(|s| {
            let mut chunks = values.chunks_mut(rows_each * nx).enumerate();
            let first = chunks.next();
            for (k, chunk) in chunks {
                s.spawn(move || fill(k * rows_each, chunk));
            }
            if let Some((_, chunk)) = first {
                fill(0, chunk);
            }
        });
        Grid {
            window,
            nx,
            ny,
            values,
        }
    }

    /// The x coordinate of column i.
    pub fn x(&self, i: usize) -> f64 {
        self.window.x[0] + i as f64 * (self.window.x[1] - self.window.x[0]) / (self.nx - 1) as f64
    }

    /// The y coordinate of row j.
    pub fn y(&self, j: usize) -> f64 {
        self.window.y[0] + j as f64 * (self.window.y[1] - self.window.y[0]) / (self.ny - 1) as f64
    }

    /// f at column i, row j.
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.values[j * self.nx + i]
    }

    /// The smallest and largest finite value on the grid.
    pub fn range(&self) -> (f64, f64) {
        self.values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_spans_the_window_corners_included() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let w = Window {
            x: [-2.0, 2.0],
            y: [-1.0, 3.0],
        };
        let g = Grid::sample(&s, w, 5, 3);
        assert_eq!(g.values.len(), 15);
        assert_eq!((g.x(0), g.x(4), g.y(0), g.y(2)), (-2.0, 2.0, -1.0, 3.0));
        assert_eq!(g.at(3, 1), s.value2([1.0, 1.0]));
        assert_eq!(g.range().0, 0.0);
    }
}
