//! The decision regions as a raster: at every pixel of a panel the model's probabilities,
//! interpolated between the cells they were computed at, pick a class (the largest) and a
//! confidence; the pixel is the class's colour lightened, fuller where the model is sure and
//! paler towards the boundary, and the boundary itself is a thin dark line where the
//! predicted class changes from one pixel to the next.

use super::super::PlotError;
use super::super::style::{RGBColor, RUN_COLORS};

/// The ring around a misclassified point: black, which every class colour stands apart from
/// (see [`CLASS_COLORS`]).
pub(super) const RING: RGBColor = RGBColor(0, 0, 0);
/// Where the predicted class changes.
const BOUNDARY: RGBColor = RGBColor(60, 60, 60);
/// A pixel where no probability is a number.
const UNKNOWN: RGBColor = RGBColor(235, 235, 235);
/// How much of a class's colour its region shows, from a toss-up to certainty: light enough
/// that the points, in the full colour, stand out on their own region.
const PALEST: f64 = 0.10;
const FULLEST: f64 = 0.46;

/// The classes' colours: the run colours in order, leaving out the two too dark to tell from
/// the black ring of a misclassified point (indigo and crimson, below 3:1 against black).
pub(super) const CLASS_COLORS: [RGBColor; 10] = [
    RUN_COLORS[0],
    RUN_COLORS[1],
    RUN_COLORS[2],
    RUN_COLORS[3],
    RUN_COLORS[4],
    RUN_COLORS[5],
    RUN_COLORS[8],
    RUN_COLORS[9],
    RUN_COLORS[10],
    RUN_COLORS[11],
];

/// The colour of class `k` (classes beyond ten take the colours again).
pub(super) fn class_color(k: usize) -> RGBColor {
    CLASS_COLORS[k % CLASS_COLORS.len()]
}

/// `a` moved a fraction `t` of the way to `b`.
pub(super) fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let f = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(f(a.0, b.0), f(a.1, b.1), f(a.2, b.2))
}

/// Whether every class colour keeps at least `ratio` contrast against the ring.
#[cfg(test)]
pub(super) fn ring_contrast_at_least(ratio: f64) -> bool {
    CLASS_COLORS
        .iter()
        .all(|&c| super::super::style::contrast(c, RING) >= ratio)
}

/// The probabilities of one panel, checked.
pub(super) struct Probabilities<'a> {
    values: &'a [f32],
    nx: usize,
    ny: usize,
    classes: usize,
}

impl<'a> Probabilities<'a> {
    /// The model's softmax on an `nx × ny` grid of `classes` classes; an error when the
    /// numbers do not add up.
    pub fn new(
        values: &'a [f32],
        [nx, ny]: [usize; 2],
        classes: usize,
    ) -> Result<Probabilities<'a>, PlotError> {
        let expected = nx.checked_mul(ny).and_then(|n| n.checked_mul(classes));
        if classes == 0 || nx == 0 || ny == 0 || expected != Some(values.len()) {
            return Err(PlotError::new(format!(
                "decision regions of {nx}×{ny} cells and {classes} classes need {} \
                 probabilities, not {}",
                expected.map_or("more".to_string(), |n| n.to_string()),
                values.len()
            )));
        }
        Ok(Probabilities {
            values,
            nx,
            ny,
            classes,
        })
    }

    fn at(&self, ix: usize, iy: usize, class: usize) -> f64 {
        let v = f64::from(self.values[(iy * self.nx + ix) * self.classes + class]);
        if v.is_finite() { v } else { f64::NAN }
    }

    /// The predicted class and its probability at a point given in cell units (cell (0, 0)'s
    /// centre at (0, 0)), bilinear between the four cells around it; `None` where no
    /// probability is a number.
    fn predict(&self, u: f64, v: f64) -> Option<(usize, f64)> {
        let clamp = |c: f64, n: usize| c.clamp(0.0, (n - 1) as f64);
        let (u, v) = (clamp(u, self.nx), clamp(v, self.ny));
        let (x0, y0) = (u.floor() as usize, v.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.nx - 1), (y0 + 1).min(self.ny - 1));
        let (fx, fy) = (u - x0 as f64, v - y0 as f64);
        let mut best: Option<(usize, f64)> = None;
        for class in 0..self.classes {
            let corners = [
                (self.at(x0, y0, class), (1.0 - fx) * (1.0 - fy)),
                (self.at(x1, y0, class), fx * (1.0 - fy)),
                (self.at(x0, y1, class), (1.0 - fx) * fy),
                (self.at(x1, y1, class), fx * fy),
            ];
            let (sum, weight) = corners
                .iter()
                .filter(|(p, _)| p.is_finite())
                .fold((0.0, 0.0), |(s, w), (p, k)| (s + p * k, w + k));
            if weight <= 0.0 {
                continue;
            }
            let p = sum / weight;
            if best.is_none_or(|(_, b)| p > b) {
                best = Some((class, p));
            }
        }
        best
    }
}

/// The regions of `window` ([x0, x1], [y0, y1]) as an RGB raster of `(w, h)` pixels, top row
/// first, the boundary drawn.
pub(super) fn raster(
    probabilities: &Probabilities,
    window: [[f64; 2]; 2],
    (w, h): (u32, u32),
) -> Vec<u8> {
    let (mut rgb, classes) = shade(probabilities, window, (w, h));
    let (w, h) = (w as usize, h as usize);
    // The boundary: a pixel whose right or lower neighbour is predicted otherwise.
    for py in 0..h {
        for px in 0..w {
            let here = classes[py * w + px];
            let right = (px + 1 < w).then(|| classes[py * w + px + 1]);
            let below = (py + 1 < h).then(|| classes[(py + 1) * w + px]);
            if [right, below].into_iter().flatten().any(|c| c != here) {
                let at = (py * w + px) * 3;
                let old = RGBColor(rgb[at], rgb[at + 1], rgb[at + 2]);
                let c = mix(old, BOUNDARY, 0.75);
                rgb[at..at + 3].copy_from_slice(&[c.0, c.1, c.2]);
            }
        }
    }
    rgb
}

/// The regions' colours alone, no boundary line (at a terminal's few pixels a line a pixel
/// wide would be a wall): the RGB raster, and the class predicted at each pixel.
pub(super) fn shade(
    probabilities: &Probabilities,
    window: [[f64; 2]; 2],
    (w, h): (u32, u32),
) -> (Vec<u8>, Vec<Option<usize>>) {
    let (w, h) = (w as usize, h as usize);
    let [[x0, x1], [y0, y1]] = window;
    let (nx, ny) = (probabilities.nx as f64, probabilities.ny as f64);
    let chance = 1.0 / probabilities.classes as f64;
    let mut classes: Vec<Option<usize>> = Vec::with_capacity(w * h);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for py in 0..h {
        // A pixel's centre in the window, then in cell units.
        let y = y1 - (py as f64 + 0.5) / h as f64 * (y1 - y0);
        let v = (y - y0) / (y1 - y0) * ny - 0.5;
        for px in 0..w {
            let x = x0 + (px as f64 + 0.5) / w as f64 * (x1 - x0);
            let u = (x - x0) / (x1 - x0) * nx - 0.5;
            let predicted = probabilities.predict(u, v);
            classes.push(predicted.map(|(c, _)| c));
            let color = match predicted {
                Some((c, p)) => {
                    let sure = if chance < 1.0 {
                        ((p - chance) / (1.0 - chance)).clamp(0.0, 1.0)
                    } else {
                        1.0
                    };
                    let strength = PALEST + (FULLEST - PALEST) * sure;
                    mix(RGBColor(255, 255, 255), class_color(c), strength)
                }
                None => UNKNOWN,
            };
            rgb.extend([color.0, color.1, color.2]);
        }
    }
    (rgb, classes)
}
