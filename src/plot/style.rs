//! Fonts, colours and the formatting of numbers shared by both figures.

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor, register_font};

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
/// plotters draws a font of size s at s / 1.24 pixels: these give 22, 17.7, 14.5 and 14.5 px.
pub const TITLE_SIZE: f64 = 27.3;
pub const AXIS_DESC_SIZE: f64 = 22.0;
pub const TICK_SIZE: f64 = 18.0;
pub const LEGEND_SIZE: f64 = 18.0;

/// Okabe & Ito's colour-blind-safe palette, ordered for contrast on a pale background (the
/// yellow, weakest on white, comes last). Run i gets `RUN_COLORS[i % 8]` in every figure.
pub const RUN_COLORS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

pub fn run_color(i: usize) -> RGBColor {
    RUN_COLORS[i % RUN_COLORS.len()]
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
