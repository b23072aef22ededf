//! Fonts, colours and the formatting of numbers shared by both figures.

use std::sync::Once;

pub use plotters::style::RGBColor;
use plotters::style::{FontStyle, register_font};

/// Registers DejaVu Sans, built into the binary, as plotters' "sans-serif" (once).
pub fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // DejaVu Sans is a valid font: registration cannot fail.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

pub const FONT: &str = "sans-serif";
/// Font sizes at the reference canvas and scale 1. plotters draws a font of size s at
/// s / 1.24 pixels: these give 22, 17.7, 14.5 and 14.5 px.
const TITLE_SIZE: f64 = 27.3;
const AXIS_DESC_SIZE: f64 = 22.0;
const TICK_SIZE: f64 = 18.0;
const LEGEND_SIZE: f64 = 18.0;

/// Every size a figure draws with, from its canvas and `[plot] scale`: fonts, line widths,
/// markers and margins are given as they are on a 1000 × 800 canvas at scale 1, and grow or
/// shrink with the canvas (its tighter side), so that a figure looks alike at any size.
/// Below [`Sizes::SMALLEST_FACTOR`] they stop shrinking, whatever the scale: text stays
/// readable, and a canvas too small to hold it is refused (see [`super::fit`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    /// The factor every reference size is multiplied by.
    pub k: f64,
}

impl Sizes {
    /// The canvas the reference sizes are chosen for.
    pub const REFERENCE: (u32, u32) = (1000, 800);
    /// The smallest canvas factor: tick labels of about 9 pixels.
    pub const SMALLEST_FACTOR: f64 = 0.62;

    pub fn new(width: u32, height: u32, scale: f64) -> Sizes {
        let canvas = (f64::from(width) / f64::from(Self::REFERENCE.0))
            .min(f64::from(height) / f64::from(Self::REFERENCE.1));
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Sizes {
            k: (canvas * scale).max(Self::SMALLEST_FACTOR),
        }
    }

    /// A length of `reference` pixels at the reference size, in pixels here.
    pub fn px(&self, reference: f64) -> f64 {
        reference * self.k
    }

    /// [`px`](Sizes::px) rounded, at least 1.
    pub fn int(&self, reference: f64) -> i32 {
        (reference * self.k).round().max(1.0) as i32
    }

    /// [`int`](Sizes::int) as a width or height.
    pub fn side(&self, reference: f64) -> u32 {
        self.int(reference) as u32
    }

    pub fn title_font(&self) -> f64 {
        TITLE_SIZE * self.k
    }
    pub fn axis_desc_font(&self) -> f64 {
        AXIS_DESC_SIZE * self.k
    }
    pub fn tick_font(&self) -> f64 {
        TICK_SIZE * self.k
    }
    pub fn legend_font(&self) -> f64 {
        LEGEND_SIZE * self.k
    }
}

/// The run colours, in the order runs get them: 16 so that every optimizer kind in one
/// compare has its own. Okabe & Ito's colour-blind-safe six first (their black and yellow
/// left out: black is the markers' colour, yellow vanishes on white), then ten chosen one by
/// one, each the candidate (from Paul Tol's, Okabe & Ito's, Brewer's and Wong's sets) that
/// lay farthest (CIEDE2000) from those already chosen, in normal vision and in simulated
/// deuteranopia and protanopia, among colours with at least 2:1 contrast on white. The
/// tests check the distances. Run i gets `RUN_COLORS[i % 16]` in every figure.
pub const RUN_COLORS: [RGBColor; 16] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(75, 0, 146),    // indigo
    RGBColor(164, 1, 34),    // crimson
    RGBColor(170, 51, 119),  // wine
    RGBColor(251, 154, 153), // salmon
    RGBColor(140, 86, 75),   // brown
    RGBColor(204, 51, 17),   // red
    RGBColor(212, 17, 89),   // raspberry
    RGBColor(0, 141, 249),   // azure
    RGBColor(238, 102, 119), // rose
    RGBColor(106, 61, 154),  // purple
];

pub fn run_color(i: usize) -> RGBColor {
    RUN_COLORS[i % RUN_COLORS.len()]
}

/// Run i's colour made light enough to stand out on a dark `background`: mixed with white
/// until its contrast (WCAG) reaches `ratio`. The terminal playground draws with these.
pub fn run_color_on_dark(i: usize, background: RGBColor, ratio: f64) -> RGBColor {
    let c = run_color(i);
    (0..=100)
        .map(|step| mix(c, WHITE_RGB, f64::from(step) / 100.0))
        .find(|&m| contrast(m, background) >= ratio)
        .unwrap_or(WHITE_RGB)
}

const WHITE_RGB: RGBColor = RGBColor(255, 255, 255);

/// Run i's colour in the terminal playground (`play`): lightened to keep 3.4:1 (3:1 and a
/// margin for 256-colour terminals' rounding) against a colour a little lighter than the
/// playground field's lightest band; the playground's tests check every band.
pub fn play_run_color(i: usize) -> RGBColor {
    run_color_on_dark(i, RGBColor(90, 92, 102), 3.4)
}

/// `a` moved a fraction `t` of the way to `b`.
fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let f = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(f(a.0, b.0), f(a.1, b.1), f(a.2, b.2))
}

/// A channel of sRGB as linear light.
pub fn linear(v: u8) -> f64 {
    let c = f64::from(v) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG's relative luminance.
pub fn luminance(c: RGBColor) -> f64 {
    0.2126 * linear(c.0) + 0.7152 * linear(c.1) + 0.0722 * linear(c.2)
}

/// WCAG's contrast ratio, 1 to 21.
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// A darker outline for markers drawn in a run's colour (helps the light colours).
pub fn darker(c: RGBColor, by: f64) -> RGBColor {
    let f = |v: u8| (v as f64 * (1.0 - by)).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Replaces ASCII hyphen-minus signs with the typographic minus.
pub fn minus(s: String) -> String {
    if s.contains('-') {
        s.replace('-', "−")
    } else {
        s
    }
}

/// Unicode superscript digits and minus for exponents: `-12` → `⁻¹²`.
pub fn superscript(n: i64) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// A tick label for a value on a linear axis whose ticks are `step` apart.
pub fn linear_label(v: f64, step: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let mag = v.abs().max(step.abs());
    // Whole numbers (step counts) stay plain up to ten million: 1000000 beside 800000 reads
    // better than 1.0×10⁶.
    let whole = step >= 1.0 && v.fract() == 0.0 && mag < 1e7;
    if !whole && !(1e-4..1e6).contains(&mag) {
        return scientific(v, step);
    }
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 10.0) as usize
    } else {
        2
    };
    // Steps like 0.25 need one more digit than their order of magnitude says.
    let decimals = (0..=decimals + 2)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(decimals);
    minus(format!("{v:.decimals$}"))
}

fn scientific(v: f64, step: f64) -> String {
    let e = v.abs().log10().floor() as i64;
    let m = v / 10f64.powi(e as i32);
    let digits = if step > 0.0 {
        ((e as f64 - step.log10().floor()).clamp(0.0, 4.0)) as usize
    } else {
        2
    };
    let m = minus(format!("{m:.digits$}"));
    if m == "1" {
        format!("10{}", superscript(e))
    } else if m == "−1" {
        format!("−10{}", superscript(e))
    } else {
        format!("{m}×10{}", superscript(e))
    }
}

/// A tick label for a value on a log axis, given as its base-10 logarithm: plain decimals
/// (0.002, 1000) when `plain`, else powers of ten (10⁻⁵, 2×10⁻⁵). One axis uses one style.
pub fn log_label(s: f64, plain: bool) -> String {
    let r = s.round();
    let (e, m) = if (s - r).abs() < 1e-9 {
        (r, 1.0)
    } else {
        let e = s.floor();
        (e, (10f64.powf(s - e) * 10.0).round() / 10.0)
    };
    if plain {
        let decimals = ((-e).max(0.0) as usize) + usize::from(m.fract() != 0.0);
        minus(format!("{:.decimals$}", m * 10f64.powf(e)))
    } else if m == 1.0 {
        format!("10{}", superscript(e as i64))
    } else {
        format!("{m}×10{}", superscript(e as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CIELAB (D65) of an sRGB colour given as linear light.
    fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
        let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
        let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
        let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// CIEDE2000 colour difference (Sharma, Wu & Dalal's formulation).
    fn ciede2000(p: [f64; 3], q: [f64; 3]) -> f64 {
        let ([l1, a1, b1], [l2, a2, b2]) = (p, q);
        let c_bar = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
        let g = 0.5 * (1.0 - (c_bar.powi(7) / (c_bar.powi(7) + 25f64.powi(7))).sqrt());
        let (a1, a2) = ((1.0 + g) * a1, (1.0 + g) * a2);
        let (c1, c2) = (a1.hypot(b1), a2.hypot(b2));
        let hue = |b: f64, a: f64| b.atan2(a).to_degrees().rem_euclid(360.0);
        let (h1, h2) = (hue(b1, a1), hue(b2, a2));
        let dh = if c1 * c2 == 0.0 {
            0.0
        } else if h2 - h1 > 180.0 {
            h2 - h1 - 360.0
        } else if h2 - h1 < -180.0 {
            h2 - h1 + 360.0
        } else {
            h2 - h1
        };
        let (dl, dc) = (l2 - l1, c2 - c1);
        let dh = 2.0 * (c1 * c2).sqrt() * (dh / 2.0).to_radians().sin();
        let l_bar = (l1 + l2) / 2.0;
        let c_bar = (c1 + c2) / 2.0;
        let h_bar = if c1 * c2 == 0.0 {
            h1 + h2
        } else if (h1 - h2).abs() <= 180.0 {
            (h1 + h2) / 2.0
        } else if h1 + h2 < 360.0 {
            (h1 + h2 + 360.0) / 2.0
        } else {
            (h1 + h2 - 360.0) / 2.0
        };
        let cos = |d: f64| d.to_radians().cos();
        let t = 1.0 - 0.17 * cos(h_bar - 30.0)
            + 0.24 * cos(2.0 * h_bar)
            + 0.32 * cos(3.0 * h_bar + 6.0)
            - 0.20 * cos(4.0 * h_bar - 63.0);
        let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
        let r_c = 2.0 * (c_bar.powi(7) / (c_bar.powi(7) + 25f64.powi(7))).sqrt();
        let s_l = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
        let s_c = 1.0 + 0.045 * c_bar;
        let s_h = 1.0 + 0.015 * c_bar * t;
        let r_t = -(2.0 * d_theta).to_radians().sin() * r_c;
        ((dl / s_l).powi(2)
            + (dc / s_c).powi(2)
            + (dh / s_h).powi(2)
            + r_t * (dc / s_c) * (dh / s_h))
            .sqrt()
    }

    /// Machado, Oliveira & Fernandes (2009) at full severity, on linear RGB.
    const NORMAL: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    const DEUTERANOPIA: [[f64; 3]; 3] = [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ];
    const PROTANOPIA: [[f64; 3]; 3] = [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ];

    fn seen(c: RGBColor, vision: &[[f64; 3]; 3]) -> [f64; 3] {
        let rgb = [linear(c.0), linear(c.1), linear(c.2)];
        lab(vision.map(|row| (0..3).map(|k| row[k] * rgb[k]).sum::<f64>().clamp(0.0, 1.0)))
    }

    #[test]
    fn the_sixteen_run_colours_differ_in_every_kind_of_vision() {
        assert_eq!(RUN_COLORS.len(), 16);
        // ΔE00 ≈ 2.3 is a just-noticeable difference; 10 is a plainly different colour.
        for (vision, name, least) in [
            (&NORMAL, "normal vision", 11.0),
            (&DEUTERANOPIA, "deuteranopia", 6.5),
            (&PROTANOPIA, "protanopia", 8.0),
        ] {
            for i in 0..16 {
                for j in i + 1..16 {
                    let d = ciede2000(seen(run_color(i), vision), seen(run_color(j), vision));
                    assert!(d >= least, "{name}: runs {i} and {j} are ΔE00 {d:.1} apart");
                }
            }
        }
        // Every colour shows on the white of the loss figure.
        for c in RUN_COLORS {
            assert!(contrast(c, WHITE_RGB) >= 2.0, "{c:?}");
        }
        // The formula against a published value: pair 1 of Sharma's test data.
        let d = ciede2000([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485]);
        assert!((d - 2.0425).abs() < 1e-4, "{d}");
    }

    #[test]
    fn colours_lightened_for_a_dark_background_reach_the_contrast_asked_for() {
        let dark = RGBColor(82, 88, 100);
        for i in 0..16 {
            let c = run_color_on_dark(i, dark, 3.0);
            assert!(contrast(c, dark) >= 3.0, "run {i}: {c:?}");
        }
        assert!((contrast(RGBColor(0, 0, 0), WHITE_RGB) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn labels_read_like_a_textbook() {
        assert_eq!(superscript(-12), "⁻¹²");
        assert_eq!(log_label(-3.0, false), "10⁻³");
        assert_eq!(log_label(-3.0, true), "0.001");
        assert_eq!(log_label(2f64.log10(), true), "2");
        assert_eq!(log_label((2e-2f64).log10(), true), "0.02");
        assert_eq!(log_label((5e-7f64).log10(), false), "5×10⁻⁷");
        assert_eq!(log_label(3.0, true), "1000");
        assert_eq!(linear_label(-1.5, 0.5), "−1.5");
        assert_eq!(linear_label(2.0, 1.0), "2");
        assert_eq!(linear_label(0.25, 0.25), "0.25");
        assert_eq!(linear_label(2e-6, 1e-6), "2×10⁻⁶");
        assert_eq!(linear_label(1e6, 2e5), "1000000");
        assert_eq!(linear_label(3e7, 1e7), "3×10⁷");
    }
}
