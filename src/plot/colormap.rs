//! The pale filled background: a colour map, the background raster and the colour bar strip.
//!
//! Both are plain RGB buffers built here in one pass (no per-pixel calls through plotters),
//! then placed as one bitmap: copied into the PNG, embedded as one `<image>` in SVG.

use plotters::style::RGBColor;

use super::levels::Levels;
use crate::core::Grid;

/// Viridis at nine stops.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x28, 0x78),
    (0x3e, 0x4a, 0x89),
    (0x31, 0x68, 0x8e),
    (0x26, 0x82, 0x8e),
    (0x1f, 0x9e, 0x89),
    (0x35, 0xb7, 0x79),
    (0x6e, 0xce, 0x58),
    (0xfd, 0xe7, 0x25),
];

/// How much of viridis shows through white: low enough that every run colour stands out.
const STRENGTH: f64 = 0.32;

/// 256 colours, low to high.
pub struct ColorMap {
    lut: Vec<[u8; 3]>,
    /// How much of viridis shows through white (1: all of it).
    strength: f64,
}

impl ColorMap {
    /// Viridis paled, for a background that runs are drawn over.
    pub fn pale() -> ColorMap {
        ColorMap::with_strength(STRENGTH)
    }

    /// Viridis itself, for cells whose colour is the data (the sweep heatmap).
    pub fn viridis() -> ColorMap {
        ColorMap::with_strength(1.0)
    }

    fn with_strength(strength: f64) -> ColorMap {
        let lut = (0..256)
            .map(|k| {
                let t = k as f64 / 255.0 * (VIRIDIS.len() - 1) as f64;
                let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
                let f = t - i as f64;
                let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
                let mix = |x: u8, y: u8| {
                    let c = x as f64 + (y as f64 - x as f64) * f;
                    (255.0 + (c - 255.0) * strength).round() as u8
                };
                [mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2)]
            })
            .collect();
        ColorMap { lut, strength }
    }

    /// The colour at `t` in [0, 1].
    pub fn at(&self, t: f64) -> [u8; 3] {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.lut[round_unsigned(t * 255.0)]
    }

    /// A darker shade of the colour at `t`, for contour lines.
    pub fn line_color(&self, t: f64) -> RGBColor {
        // Undo most of the paling, then darken: lines follow the map but read as lines.
        let [r, g, b] = self.at(t);
        let deepen = |c: u8| {
            let full = 255.0 - (255.0 - c as f64) / self.strength;
            (full.clamp(0.0, 255.0) * 0.7) as u8
        };
        RGBColor(deepen(r), deepen(g), deepen(b))
    }
}

/// `x.round() as usize` for 0 <= x < 2^52, without the libm call `round` is on baseline x86-64.
#[inline]
pub(in crate::plot) fn round_unsigned(x: f64) -> usize {
    // Signed conversions are one instruction each way; unsigned ones are not.
    let i = x as i64;
    // x - i is exact here, so this is round-half-away-from-zero exactly.
    (if x - i as f64 >= 0.5 { i + 1 } else { i }) as usize
}

/// `x.round() as u8` for every x (NaN and infinities too), without the libm call: `as u8`
/// saturates, so anything below 0 (whose round is at most 0, as -0.5 rounds to -1) gives 0
/// and anything from 255 up gives 255, which the clamp gives too before an exact round of
/// the rest; NaN passes the clamp and converts to 0 either way.
#[inline]
pub(in crate::plot) fn round_u8(x: f64) -> u8 {
    round_unsigned(x.clamp(0.0, 255.0)) as u8
}

/// What the background shows where f is undefined (NaN): nothing.
const BLANK: [u8; 3] = [255, 255, 255];

/// The background of the plot area, `w × h` pixels over the grid's window, as RGB rows from
/// the top. Bilinear in the scaled values, so log-scaled maps stay smooth; a pixel next to a
/// sample where f is undefined is left blank.
pub fn background(grid: &Grid, levels: &Levels, map: &ColorMap, w: u32, h: u32) -> Vec<u8> {
    let (w, h) = (w as usize, h as usize);
    let mut out = vec![255u8; w * h * 3];
    let Some(sampler) = Sampler::new(grid, levels, w, h) else {
        return out;
    };
    let fill_rows = |first: usize, rows: &mut [u8]| {
        let mut t = vec![0.0; w];
        for (k, row) in rows.chunks_exact_mut(w * 3).enumerate() {
            sampler.row(first + k, &mut t);
            for (px, &t) in row.chunks_exact_mut(3).zip(&t) {
                px.copy_from_slice(&map.pixel(t));
            }
        }
    };
    in_two_halves(&mut out, w * 3, fill_rows);
    out
}

/// Fills the rows of `out` (`row_len` bytes each) with `fill(first row, rows)`: the top and
/// bottom halves on two threads, rows being independent.
pub(in crate::plot) fn in_two_halves(
    out: &mut [u8],
    row_len: usize,
    fill: impl Fn(usize, &mut [u8]) + Sync,
) {
    let half = out.len() / row_len.max(1) / 2;
    let (top, bottom) = out.split_at_mut(half * row_len);
    std::thread::scope(|s| {
        s.spawn(|| fill(0, top));
        fill(half, bottom);
    });
}

impl ColorMap {
    /// A pixel at map position `t`: blank where f is undefined.
    pub(in crate::plot) fn pixel(&self, t: f64) -> [u8; 3] {
        if t.is_nan() { BLANK } else { self.at(t) }
    }
}

/// The colour-map positions (see [`Levels::unit`]) of a `w × h` plot's pixels over the grid's
/// window, row by row: bilinear between the grid's samples, each mapped once.
pub(in crate::plot) struct Sampler {
    /// Map positions of the grid's samples, row after row.
    t: Vec<f64>,
    nx: usize,
    ny: usize,
    h: usize,
    /// Each pixel column's grid column and the fraction of the way to the next.
    cols: Vec<(usize, f64)>,
}

impl Sampler {
    /// `None` for a grid too small to interpolate or an empty plot.
    pub fn new(grid: &Grid, levels: &Levels, w: usize, h: usize) -> Option<Sampler> {
        let (nx, ny) = (grid.nx, grid.ny);
        if nx < 2 || ny < 2 || grid.values.len() != nx * ny || w == 0 || h == 0 {
            return None;
        }
        // Positions on the map (a log10 each on log scales: most of the work), on two threads.
        let mut t = vec![0.0; grid.values.len()];
        let (t0, t1) = t.split_at_mut(grid.values.len() / 2);
        let (v0, v1) = grid.values.split_at(t0.len());
        let unit = |t: &mut [f64], v: &[f64]| {
            for (t, &v) in t.iter_mut().zip(v) {
                *t = levels.unit(v);
            }
        };
        std::thread::scope(|s| {
            s.spawn(|| unit(t0, v0));
            unit(t1, v1);
        });
        let cols = (0..w).map(|px| grid_index(px, w, nx)).collect();
        Some(Sampler { t, nx, ny, h, cols })
    }

    /// Row `y` of the plot (0: the top) into `out`, one position per pixel.
    pub fn row(&self, y: usize, out: &mut [f64]) {
        self.row_of(&self.t, y, out);
    }

    /// Row `y` of the plot into `t`, as [`Sampler::row`] gives it, and of `field` (one number
    /// per grid sample, f itself, say) into `of_field`, bilinear the same way: in one pass,
    /// which finds each pixel's samples and weights once for both.
    pub fn row_and_field(&self, field: &[f64], y: usize, t: &mut [f64], of_field: &mut [f64]) {
        let nx = self.nx;
        let (j, fy) = grid_index(self.h - 1 - y, self.h, self.ny);
        let lower = j * nx..(j + 1) * nx;
        let upper = (j + 1) * nx..(j + 2) * nx;
        let (t0, t1) = (&self.t[lower.clone()], &self.t[upper.clone()]);
        let (f0, f1) = (&field[lower], &field[upper]);
        let bilinear = |r0: &[f64], r1: &[f64], i: usize, fx: f64| {
            let a = r0[i] + (r0[i + 1] - r0[i]) * fx;
            let b = r1[i] + (r1[i + 1] - r1[i]) * fx;
            a + (b - a) * fy
        };
        for ((t, f), &(i, fx)) in t.iter_mut().zip(of_field.iter_mut()).zip(&self.cols) {
            *t = bilinear(t0, t1, i, fx);
            *f = bilinear(f0, f1, i, fx);
        }
    }

    /// Row `y` of the plot of `field`, one number per grid sample (f itself, say), into
    /// `out`: bilinear between the samples, as [`Sampler::row`] is.
    pub fn row_of(&self, field: &[f64], y: usize, out: &mut [f64]) {
        let nx = self.nx;
        // Row 0 of the image is the top of the window: the grid's last row.
        let (j, fy) = grid_index(self.h - 1 - y, self.h, self.ny);
        let (r0, r1) = (
            &field[j * nx..(j + 1) * nx],
            &field[(j + 1) * nx..(j + 2) * nx],
        );
        for (out, &(i, fx)) in out.iter_mut().zip(&self.cols) {
            let a = r0[i] + (r0[i + 1] - r0[i]) * fx;
            let b = r1[i] + (r1[i + 1] - r1[i]) * fx;
            *out = a + (b - a) * fy;
        }
    }
}

/// A pixel centre's fractional grid index: pixel `p` of `n_px` across a grid of `n_grid`
/// samples spanning the same window.
fn grid_index(p: usize, n_px: usize, n_grid: usize) -> (usize, f64) {
    let g = (p as f64 + 0.5) / n_px as f64 * (n_grid - 1) as f64;
    let i = (g.floor() as usize).min(n_grid - 2);
    (i, g - i as f64)
}

/// A vertical colour bar `w × h` pixels, high values at the top.
pub fn color_bar(map: &ColorMap, w: u32, h: u32) -> Vec<u8> {
    let (w, h) = (w as usize, h as usize);
    let mut out = Vec::with_capacity(w * h * 3);
    for py in 0..h {
        let t = 1.0 - (py as f64 + 0.5) / h.max(1) as f64;
        let c = map.at(t);
        for _ in 0..w {
            out.extend_from_slice(&c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Window;
    use crate::plot::levels::choose_levels;

    #[test]
    fn round_u8_is_round_then_as_u8() {
        // Around every half and whole number of the range and past its ends, a few ulps
        // either side (where adding 0.5 and truncating would go wrong), and far outside.
        let mut xs = vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            -f64::MAX,
        ];
        xs.extend([
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1e300,
            -1e300,
        ]);
        xs.extend([0.49999999999999994, -0.49999999999999994, 1e18, -1e18]);
        for half in -20..=600 {
            let x = f64::from(half) / 2.0;
            let mut up = x;
            let mut down = x;
            for _ in 0..4 {
                xs.extend([up, down]);
                up = up.next_up();
                down = down.next_down();
            }
        }
        // And evenly spread values between, as the contour lines are blended in.
        xs.extend((0..=1_000_000).map(|k| -10.0 + 280.0 * f64::from(k) / 1e6));
        for x in xs {
            assert_eq!(round_u8(x), x.round() as u8, "{x:e}");
        }
    }

    #[test]
    fn where_f_is_undefined_the_background_is_blank_and_elsewhere_coloured() {
        // f = sqrt(x) on [-1, 1]²: undefined on the left half.
        let window = Window {
            x: [-1.0, 1.0],
            y: [-1.0, 1.0],
        };
        let n = 21;
        let values = (0..n * n)
            .map(|k| ((k % n) as f64 / (n - 1) as f64 * 2.0 - 1.0).sqrt())
            .collect();
        let grid = Grid {
            window,
            nx: n,
            ny: n,
            values,
        };
        let levels = choose_levels(&grid, None, 10, None);
        let (w, h) = (40, 10);
        let raster = background(&grid, &levels, &ColorMap::pale(), w, h);
        let pixel = |x: usize, y: usize| &raster[(y * w as usize + x) * 3..][..3];
        assert_eq!(pixel(2, 5), [255, 255, 255], "undefined: blank");
        assert_ne!(pixel(37, 5), [255, 255, 255], "defined: coloured");
    }
}
