//! The embedded digits: scikit-learn's `digits.csv.gz` (see `data/README.md`), decoded once.
//!
//! The file is part of the binary, so decoding fails only if the build embedded a broken
//! file. That is an invariant, checked by this module's tests on every test run; it is still
//! not a panic path: [`digits`] returns the failure as a value, so the configuration can
//! report it before anything runs.

use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;
use ndarray::Array2;

use super::Dataset;
use super::split::stratified_subset;

/// The compressed CSV: one image a line, 64 pixels 0..16 row-major, then the digit.
static DIGITS_CSV_GZ: &[u8] = include_bytes!("../../../../data/digits.csv.gz");

/// How many images the file holds.
pub const DIGITS_IMAGES: usize = 1797;

const SIDE: usize = 8;
const PIXELS: usize = SIDE * SIDE;
const CLASSES: usize = 10;
/// The largest pixel value: 16 of the 4x4 block's pixels were on.
const MAX_PIXEL: u8 = 16;

/// The embedded digits file could not be decoded: the build is broken, not the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the embedded digits data is broken (line {line}): {message}")]
pub struct DigitsError {
    /// The 1-based line of the decompressed CSV (0 when the gzip stream itself is broken).
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// All 1,797 digits, in the file's order: features pixel / 16, `image: Some([8, 8])`.
/// Decoded on the first call and kept.
pub fn digits() -> Result<&'static Dataset, DigitsError> {
    static DECODED: OnceLock<Result<Dataset, DigitsError>> = OnceLock::new();
    DECODED
        .get_or_init(|| decode(DIGITS_CSV_GZ))
        .as_ref()
        .map_err(Clone::clone)
}

/// `points` of the digits, a seeded subset with the class proportions of the whole (each
/// class's share rounded by largest remainder, so the total is exact), rows in file order;
/// all of them when `points` is 1797 or more.
///
/// Were the embedded file broken (the tests rule it out), this is an empty dataset of the
/// right shape; [`digits`] says why.
pub(super) fn digits_subset(points: usize, seed: u64) -> Dataset {
    let Ok(all) = digits() else {
        return Dataset {
            features: Array2::zeros((0, PIXELS)),
            labels: Vec::new(),
            classes: CLASSES,
            image: Some([SIDE, SIDE]),
        };
    };
    stratified_subset(all, points, seed)
}

/// Decompresses and parses the file, checking every field.
fn decode(gzipped: &[u8]) -> Result<Dataset, DigitsError> {
    let mut text = String::new();
    GzDecoder::new(gzipped)
        .read_to_string(&mut text)
        .map_err(|error| DigitsError {
            line: 0,
            message: format!("cannot decompress: {error}"),
        })?;
    let mut pixels = Vec::with_capacity(DIGITS_IMAGES * PIXELS);
    let mut labels = Vec::with_capacity(DIGITS_IMAGES);
    for (index, line) in text.lines().enumerate() {
        let broken = |message: String| DigitsError {
            line: index + 1,
            message,
        };
        let fields: Vec<&str> = line.trim().split(',').collect();
        if fields.len() != PIXELS + 1 {
            return Err(broken(format!(
                "{} fields, expected {} pixels and the label",
                fields.len(),
                PIXELS
            )));
        }
        for field in &fields[..PIXELS] {
            match field.parse::<u8>() {
                Ok(value) if value <= MAX_PIXEL => pixels.push(f64::from(value) / 16.0),
                _ => return Err(broken(format!("pixel `{field}` is not an integer 0..16"))),
            }
        }
        match fields[PIXELS].parse::<usize>() {
            Ok(label) if label < CLASSES => labels.push(label),
            _ => {
                let field = fields[PIXELS];
                return Err(broken(format!("label `{field}` is not a digit 0..9")));
            }
        }
    }
    if labels.len() != DIGITS_IMAGES {
        return Err(DigitsError {
            line: labels.len(),
            message: format!("{} images, expected {DIGITS_IMAGES}", labels.len()),
        });
    }
    let features =
        Array2::from_shape_vec((labels.len(), PIXELS), pixels).map_err(|error| DigitsError {
            line: 0,
            message: error.to_string(),
        })?;
    Ok(Dataset {
        features,
        labels,
        classes: CLASSES,
        image: Some([SIDE, SIDE]),
    })
}

#[cfg(test)]
mod tests {
    use super::super::split::largest_remainder;
    use super::*;

    #[test]
    fn the_embedded_file_decodes_into_1797_images_of_the_ten_digits() {
        let digits = digits().expect("the embedded digits decode");
        assert_eq!(digits.len(), DIGITS_IMAGES);
        assert_eq!(digits.inputs(), 64);
        assert_eq!(digits.classes, 10);
        assert_eq!(digits.image, Some([8, 8]));
        assert_eq!(
            digits.class_counts(),
            [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
        );
        assert!(digits.features.iter().all(|&p| (0.0..=1.0).contains(&p)));
        // Both ends of the range occur: the scaling is pixel / 16, not pixel / max-in-image.
        assert!(digits.features.iter().any(|&p| p == 1.0));
        // The file's first image is a 0 whose second row is 0,0,13,15,10,15,5,0.
        assert_eq!(digits.labels[0], 0);
        let second_row: Vec<f64> = digits
            .features
            .row(0)
            .iter()
            .skip(8)
            .take(8)
            .copied()
            .collect();
        let expected: Vec<f64> = [0, 0, 13, 15, 10, 15, 5, 0]
            .iter()
            .map(|&p| f64::from(p) / 16.0)
            .collect();
        assert_eq!(second_row, expected);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_the_line_not_a_panic() {
        assert_eq!(decode(b"not gzip").map_err(|e| e.line), Err(0));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let good_row = format!("{}0", "1,".repeat(64));
        let text = format!("{good_row}\n{}17,3\n", "0,".repeat(63));
        std::io::Write::write_all(&mut encoder, text.as_bytes()).expect("writes to memory");
        let error = decode(&encoder.finish().expect("finishes in memory")).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("`17`"), "{}", error.message);
    }

    #[test]
    fn every_allowed_subset_size_is_met_exactly_with_every_class_present() {
        let counts = digits().expect("decodes").class_counts();
        for points in 10..=DIGITS_IMAGES {
            let quotas = largest_remainder(&counts, points);
            assert_eq!(quotas.iter().sum::<usize>(), points);
            assert!(
                quotas.iter().all(|&quota| quota >= 1),
                "{points}: {quotas:?}"
            );
        }
    }

    #[test]
    fn a_subset_has_the_exact_size_every_class_and_the_whole_s_proportions() {
        for points in [10, 11, 100, 1000, 1796] {
            let subset = digits_subset(points, 7);
            assert_eq!(subset.len(), points);
            let counts = subset.class_counts();
            assert!(
                counts.iter().all(|&count| count >= 1),
                "{points}: {counts:?}"
            );
            let whole = digits().expect("decodes").class_counts();
            for (count, all) in counts.iter().zip(&whole) {
                let share = *all as f64 * points as f64 / DIGITS_IMAGES as f64;
                assert!((*count as f64 - share).abs() < 1.0, "{points}: {counts:?}");
            }
        }
        assert_eq!(digits_subset(1797, 1), *digits().expect("decodes"));
        assert_ne!(digits_subset(500, 1), digits_subset(500, 2));
        assert_eq!(digits_subset(500, 1), digits_subset(500, 1));
    }
}
