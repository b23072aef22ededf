//! Training-time augmentation: each step's batch is perturbed afresh, so the network never
//! sees exactly the same example twice. Validation data is never augmented.

use std::f64::consts::PI;

use ndarray::Array2;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// What to do to a training batch. Points take `jitter`, `rotate` and `flip`; images take
/// `shift` (never a flip: a flipped digit is another digit, so the configuration refuses
/// `flip` for images and [`augment`] ignores it there).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Augment {
    /// Standard deviation of the Gaussian noise added to every coordinate of a point.
    pub jitter: f64,
    /// Each point is rotated about the origin by an angle uniform in ±`rotate` degrees.
    pub rotate: f64,
    /// Each image moves by whole pixels, up to `shift` in each direction, filled with 0.
    pub shift: usize,
    /// Each point's first coordinate is negated with probability 1/2 (x → −x).
    pub flip: bool,
}

impl Augment {
    /// True when augmenting changes nothing (and draws nothing): the training loop can skip
    /// the copy of the batch.
    pub fn is_identity(&self) -> bool {
        self.jitter == 0.0 && self.rotate == 0.0 && self.shift == 0 && !self.flip
    }
}

/// A training batch's inputs, augmented in place (points: jitter, rotation about the origin,
/// flip x → −x; images: shift).
///
/// For points, each row is rotated (in the plane of its first two coordinates, the plane the
/// boundary figures show), then flipped, then jittered, each only when asked for; a row of
/// one coordinate is not rotated. For an image (`image = Some([height, width])` with
/// `height · width` columns) each row moves by (dy, dx), each uniform in `-shift..=shift`;
/// pixels moved out are lost and those moved in are 0. A shape that does not match the
/// columns leaves the batch alone.
pub fn augment(
    features: &mut Array2<f64>,
    image: Option<[usize; 2]>,
    augment: &Augment,
    rng: &mut ChaCha8Rng,
) {
    match image {
        Some([height, width]) => {
            if augment.shift > 0 && height * width == features.ncols() {
                for mut row in features.rows_mut() {
                    let dy = random_offset(augment.shift, rng);
                    let dx = random_offset(augment.shift, rng);
                    let moved = shifted(&row.to_vec(), height, width, dy, dx);
                    row.iter_mut()
                        .zip(moved)
                        .for_each(|(pixel, new)| *pixel = new);
                }
            }
        }
        None => {
            for mut row in features.rows_mut() {
                if augment.rotate != 0.0 && row.len() >= 2 {
                    let degrees = augment.rotate * (2.0 * rng.random::<f64>() - 1.0);
                    let (sin, cos) = (degrees * PI / 180.0).sin_cos();
                    let (x, y) = (row[0], row[1]);
                    row[0] = x * cos - y * sin;
                    row[1] = x * sin + y * cos;
                }
                if augment.flip && rng.random::<bool>() {
                    row[0] = -row[0];
                }
                if augment.jitter != 0.0 {
                    for value in row.iter_mut() {
                        let z: f64 = StandardNormal.sample(rng);
                        *value += augment.jitter * z;
                    }
                }
            }
        }
    }
}

/// An offset uniform in `-shift..=shift`.
fn random_offset(shift: usize, rng: &mut ChaCha8Rng) -> isize {
    let span = 2 * shift as u64;
    rng.random_range(0..=span) as isize - shift as isize
}

/// The image moved down by `dy` and right by `dx` (negative: up, left), zeros moved in.
fn shifted(pixels: &[f64], height: usize, width: usize, dy: isize, dx: isize) -> Vec<f64> {
    let mut moved = vec![0.0; height * width];
    for y in 0..height {
        for x in 0..width {
            let (from_y, from_x) = (y as isize - dy, x as isize - dx);
            if (0..height as isize).contains(&from_y) && (0..width as isize).contains(&from_x) {
                moved[y * width + x] = pixels[from_y as usize * width + from_x as usize];
            }
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, array};
    use rand::SeedableRng;

    use super::*;

    fn points() -> Array2<f64> {
        array![[1.0, 0.0], [0.3, -0.4], [-2.0, 1.5], [0.0, 0.0], [0.7, 0.7]]
    }

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(3)
    }

    #[test]
    fn no_augmentation_is_the_identity_even_with_a_shape() {
        let none = Augment::default();
        assert!(none.is_identity());
        let mut batch = points();
        augment(&mut batch, None, &none, &mut rng());
        assert_eq!(batch, points());
        let image_only = Augment { shift: 2, ..none };
        assert!(!image_only.is_identity());
        augment(&mut batch, None, &image_only, &mut rng());
        assert_eq!(batch, points(), "shifts do not apply to points");
    }

    #[test]
    fn rotation_preserves_norms_and_turns_within_the_angle() {
        let mut batch = points();
        let rotate = Augment {
            rotate: 30.0,
            ..Augment::default()
        };
        augment(&mut batch, None, &rotate, &mut rng());
        assert_ne!(batch, points());
        for (before, after) in points().rows().into_iter().zip(batch.rows()) {
            let norm = |r: ndarray::ArrayView1<f64>| r.dot(&r).sqrt();
            assert!((norm(before) - norm(after)).abs() < 1e-12);
            if norm(before) > 0.0 {
                let cos = before.dot(&after) / (norm(before) * norm(after));
                assert!(cos >= (30.0_f64 + 1e-9).to_radians().cos(), "{cos}");
            }
        }
    }

    #[test]
    fn flips_negate_x_only_and_about_half_the_time() {
        let original = Array2::from_shape_fn((400, 2), |(row, axis)| (row + axis + 1) as f64);
        let mut batch = original.clone();
        let flip = Augment {
            flip: true,
            ..Augment::default()
        };
        augment(&mut batch, None, &flip, &mut rng());
        assert_eq!(batch.column(1), original.column(1));
        let flipped = (0..400)
            .filter(|&r| batch[[r, 0]] == -original[[r, 0]])
            .count();
        let kept = (0..400)
            .filter(|&r| batch[[r, 0]] == original[[r, 0]])
            .count();
        assert_eq!(flipped + kept, 400);
        assert!((150..=250).contains(&flipped), "{flipped}");
    }

    #[test]
    fn jitter_moves_every_coordinate_by_about_its_std() {
        let mut batch = Array2::zeros((2000, 2));
        let jitter = Augment {
            jitter: 0.1,
            ..Augment::default()
        };
        augment(&mut batch, None, &jitter, &mut rng());
        let variance = batch.iter().map(|v| v * v).sum::<f64>() / batch.len() as f64;
        assert!((variance.sqrt() - 0.1).abs() < 0.005, "{}", variance.sqrt());
        assert!(batch.iter().all(|&v| v != 0.0));
    }

    #[test]
    fn a_shift_moves_pixels_and_fills_zeros_without_flipping() {
        // A 4x3 image whose pixels are 1..=12, one row per batch entry, many entries.
        let image: Vec<f64> = (1..=12).map(f64::from).collect();
        let mut batch = Array2::from_shape_fn((200, 12), |(_, i)| image[i]);
        let shift = Augment {
            shift: 1,
            flip: true,
            ..Augment::default()
        };
        augment(&mut batch, Some([4, 3]), &shift, &mut rng());
        let mut offsets = std::collections::BTreeSet::new();
        for row in batch.rows() {
            // Find the offset that explains this row, and check every pixel against it.
            let found = (-1..=1)
                .flat_map(|dy| (-1..=1).map(move |dx| (dy, dx)))
                .find(|&(dy, dx)| shifted(&image, 4, 3, dy, dx) == row.to_vec());
            let (dy, dx) = found.expect("every row is the image shifted by at most one pixel");
            offsets.insert((dy, dx));
        }
        assert_eq!(offsets.len(), 9, "all nine offsets occur");
        // Down one, right one: the top row and left column are 0, pixel (0,0) lands at (1,1).
        assert_eq!(
            shifted(&image, 4, 3, 1, 1),
            [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 4.0, 5.0, 0.0, 7.0, 8.0]
        );
    }

    #[test]
    fn point_augmentations_leave_images_alone() {
        let original = Array2::from_shape_fn((3, 4), |(r, c)| (r * 4 + c) as f64);
        let mut batch = original.clone();
        let points_only = Augment {
            jitter: 0.5,
            rotate: 45.0,
            shift: 0,
            flip: true,
        };
        augment(&mut batch, Some([2, 2]), &points_only, &mut rng());
        assert_eq!(batch, original);
    }
}
