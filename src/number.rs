//! Numbers as optplay writes them, one rule per purpose, all here: short for people
//! (legends, `list`, formulas), rounded for table columns, exact for files (an experiment
//! written back as TOML, the CSV, the JSON). Axis tick labels, which depend on the tick step,
//! are the plot's own (plot/style.rs).

/// A number for people: short, in scientific notation when very small or large (`0.09`,
/// `1e-7`, `2.5e6`).
pub fn short(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A setting for people, as [`short`] writes it when someone could have typed it (`0.0125`,
/// `3e-4`), else to three significant digits (`0.00178`, `7.5e-4`): a value computed rather
/// than given, such as a sweep's log-spaced best lr, has all seventeen of its digits, and a
/// legend of them hides the one that matters.
pub fn setting(v: f64) -> String {
    let mantissa = format!("{:e}", v.abs());
    let digits = mantissa
        .split('e')
        .next()
        .map_or(0, |m| m.chars().filter(char::is_ascii_digit).count());
    if digits > TYPED_DIGITS {
        // Without three_digits' trailing zeros, as typed numbers have none: 0.0075, 7.5e-4.
        let rounded = three_digits(v);
        let (mantissa, exponent) = rounded.split_at(rounded.find('e').unwrap_or(rounded.len()));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        format!("{mantissa}{exponent}")
    } else {
        short(v)
    }
}

/// The most significant digits [`setting`] shows as given.
const TYPED_DIGITS: usize = 6;

/// A TOML float that reads back as exactly `v` (`1.0`, `0.05`, `1e-7`, `1e20`): Rust's
/// shortest round-trip form, which always has a `.` or an `e`.
pub fn toml_float(v: f64) -> String {
    format!("{v:?}")
}

/// A number as a person writes it in a formula: `20` not `20.0`, `0.25` as is.
pub fn plain(v: f64) -> String {
    format!("{v}")
}

/// A number in CSV or JSON that parses back to the same f64: Rust's shortest round-trip
/// digits, in exponent form where plain digits would run long (1e-300 is not 300 zeros).
pub fn exact(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 || (1e-5..1e16).contains(&magnitude) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A value for the results table: four decimals, or four significant digits in exponent form,
/// so it never hides how small a loss got.
pub fn table(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 {
        "0".to_string()
    } else if (1e-3..1e5).contains(&magnitude) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

/// Three significant digits, for a value searched on a log grid (a sweep's best lr): `0.00178`,
/// `1.54`, `7.50e-5`.
pub fn three_digits(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-3..1e4).contains(&magnitude) {
        let decimals = (2 - magnitude.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// A value for a narrow column (the playground's panel).
pub fn compact(v: f64) -> String {
    if v == 0.0 || (1e-3..1e4).contains(&v.abs()) {
        format!("{v:.4}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_digits_keep_three_significant_digits() {
        assert_eq!(three_digits(0.001778279410038923), "0.00178");
        assert_eq!(three_digits(1.5394342693432872), "1.54");
        assert_eq!(three_digits(250.0), "250");
        assert_eq!(three_digits(7.498942093324561e-5), "7.50e-5");
    }

    #[test]
    fn settings_show_typed_values_as_given_and_computed_ones_to_three_digits() {
        assert_eq!(setting(0.0125), "0.0125");
        assert_eq!(setting(3e-4), "3e-4");
        assert_eq!(setting(0.123456), "0.123456");
        assert_eq!(setting(1.0), "1");
        assert_eq!(setting(0.0017782794100389223), "0.00178");
        assert_eq!(setting(7.498942093324561e-4), "7.5e-4");
        assert_eq!(setting(0.007498942093324559), "0.0075");
        assert_eq!(setting(1000.0000000000001), "1000");
        assert_eq!(setting(1.5394342693432872), "1.54");
        assert_eq!(setting(-0.1 - 0.2), "-0.3");
    }

    #[test]
    fn short_numbers_switch_to_exponents_far_from_one() {
        assert_eq!(short(0.09), "0.09");
        assert_eq!(short(1e-7), "1e-7");
        assert_eq!(short(2.5e6), "2.5e6");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn exact_numbers_read_back_exactly_and_stay_short() {
        for v in [0.0, 1e-300, 0.1 + 0.2, 123456.75, 1e20, -2.5e-7] {
            assert_eq!(exact(v).parse::<f64>().unwrap().to_bits(), v.to_bits());
        }
        assert_eq!(exact(1e-300), "1e-300");
        assert_eq!(table(1.23456e-9), "1.235e-9");
        assert_eq!(compact(12.3456789), "12.3457");
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
