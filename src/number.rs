//! Numbers as optplay writes them, one rule per purpose, all here: short for people
//! (legends, `list`, formulas), rounded for table columns, exact for files (an experiment
//! written back as TOML, the CSV, the JSON). Axis tick labels, which depend on the tick step,
//! are the plot's own (plot/style.rs).

use std::fmt::Write as _;

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
    let mut text = String::new();
    write_exact(&mut text, v);
    text
}

/// [`exact`], appended to `out`: a file of millions of numbers (trajectory.csv) formats them
/// all into one buffer. The text is `format!("{v}")` where `exact` says plain digits and
/// `format!("{v:e}")` elsewhere, to the byte, mostly written by ryu in a fraction of
/// core::fmt's time: where `exact` says plain digits ryu writes them too (`12.34`,
/// `0.00001234`; ryu's `.0` is only ever after an integer), elsewhere `1.234e-30` as `{:e}`
/// does, and both write the shortest digits that read back as `v`, the closest to `v` among
/// them. That is one and the same string unless two are equally close (ryu picks the even
/// one, core::fmt not always: 197482134337153.625) or one lies exactly on the edge of what
/// reads back as `v`. Either needs `v`, or `v` ± half a step to its neighbour, to be a
/// decimal of at most 18 digits, and so `v` to be a whole multiple of 2⁻²⁵ (a decimal
/// `d · 10^-k` is a binary fraction of k bits, and `d` < 10¹⁸ holds `5^k` only for k ≤ 25):
/// such numbers (integers, halves, …), zero, NaN and the infinities are left to core::fmt.
pub fn write_exact(out: &mut String, v: f64) {
    if v.is_finite() && !is_multiple_of_2_pow_minus_25(v) {
        out.push_str(ryu::Buffer::new().format_finite(v));
    } else if v == 0.0 || (1e-5..1e16).contains(&v.abs()) {
        write!(out, "{v}").expect("writing to a String cannot fail");
    } else {
        write!(out, "{v:e}").expect("writing to a String cannot fail");
    }
}

/// Whether finite `v` is `n · 2⁻²⁵` for a whole `n` (0 is).
fn is_multiple_of_2_pow_minus_25(v: f64) -> bool {
    let bits = v.to_bits();
    let (fraction, biased) = (bits & ((1 << 52) - 1), (bits >> 52) as i32 & 0x7ff);
    // v = ±mantissa · 2^exponent.
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased - 1075)
    };
    mantissa == 0 || mantissa.trailing_zeros() as i32 + exponent >= -25
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

    /// `exact` as core::fmt writes it: what [`write_exact`] must match to the byte.
    fn exact_by_fmt(v: f64) -> String {
        if v == 0.0 || (1e-5..1e16).contains(&v.abs()) {
            format!("{v}")
        } else {
            format!("{v:e}")
        }
    }

    #[test]
    fn exact_numbers_are_core_fmts_text_at_the_edges() {
        let mut values = vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            5e-324,
            1e-5,
            1e16,
            1e15,
            9007199254740992.0,
            9007199254740993.0,
            0.1 + 0.2,
            1.0,
            123456.75,
            // Halfway between …153.62 and …153.63: ryu writes .62, core::fmt .63.
            f64::from_bits(0x42e6_737c_8eee_d034),
            // Just off a multiple of 2^-25, and a multiple.
            1.0 + 2f64.powi(-26),
            1.0 + 2f64.powi(-25),
            0.5 + 2f64.powi(-27),
        ];
        // Subnormals, smallest and largest.
        values.extend((1..2000).map(f64::from_bits));
        values.extend((0..2000).map(|k| f64::from_bits((1 << 52) - 1 - k)));
        // Either side of every switch between the forms and of every power of ten.
        for base in [1e-5f64, 1e16, 1.0, 1e-300, 1e300, 1e22, 1e23] {
            values.extend([base, base.next_up(), base.next_down()]);
        }
        for k in -325..=309 {
            let p: f64 = format!("1e{k}").parse().unwrap();
            values.extend([p, p.next_up(), p.next_down(), 2.0f64.powi(k), 3.0 * p]);
        }
        for v in values {
            for v in [v, -v] {
                assert_eq!(exact(v), exact_by_fmt(v), "{:#x}", v.to_bits());
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        #[test]
        fn exact_numbers_are_core_fmts_text(bits: u64) {
            let v = f64::from_bits(bits);
            let mut appended = String::from("x");
            write_exact(&mut appended, v);
            proptest::prop_assert_eq!(&appended[1..], exact_by_fmt(v));
        }

        #[test]
        fn exact_numbers_of_everyday_size_are_core_fmts_text(m in 1u64..1 << 53, e in -40i32..40) {
            let v = m as f64 * 2f64.powi(e);
            proptest::prop_assert_eq!(exact(v), exact_by_fmt(v));
        }
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
