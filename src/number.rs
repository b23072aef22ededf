//! Numbers as optplay writes them, one rule per purpose: short for people (legends, tables,
//! `list`), exact for files (an exported experiment, CSV, JSON).

/// A number for people: short, in scientific notation when very small or large (`0.09`,
/// `1e-7`, `2.5e6`).
pub fn short(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A TOML float that reads back as exactly `v` (`1.0`, `0.05`, `1e-7`, `1e20`): Rust's
/// shortest round-trip form, which always has a `.` or an `e`.
pub fn toml_float(v: f64) -> String {
    format!("{v:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_switch_to_exponents_far_from_one() {
        assert_eq!(short(0.09), "0.09");
        assert_eq!(short(1e-7), "1e-7");
        assert_eq!(short(2.5e6), "2.5e6");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn toml_floats_read_back_exactly() {
        for v in [1.0, 0.1 + 0.2, 1e-7, 1e20, -3.5, f64::EPSILON] {
            let text = toml_float(v);
            let back: f64 = text.parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{text}");
            assert!(text.contains('.') || text.contains('e'), "{text}");
        }
    }
}
