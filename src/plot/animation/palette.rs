//! The animation's one palette: median cut over the last frame, the runs' colours kept
//! exact, and the palette index of every colour a frame shows.
//!
//! Kept over `color_quant`'s NeuQuant (what the `gif` crate quantises with) because it is
//! measured better on both counts: on the compare's trajectories figure (1000×800, paths
//! drawn, 255 colours) its RMS error is 0.54 against NeuQuant's 1.17 (worst channel 40
//! against 67), in 3.9 ms against 57.7 ms at NeuQuant's sample factor 10 (`cargo bench --bench render -- kept/`, criterion medians; BENCHMARKS.md).

use rustc_hash::FxHashMap;

/// The most colours a GIF palette has; one index is kept for "unchanged" (transparent).
pub(super) const PALETTE_SIZE: usize = 256;

/// Colours packed in a `u32`, hashed with FxHash: SipHash, the default, costs more than the
/// rest of a lookup, and colours are not chosen by an attacker.
type ColorTable<V> = FxHashMap<u32, V>;

fn packed(c: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, c[0], c[1], c[2]])
}

/// Palette indices of colours: exact matches, else the nearest, remembered.
pub(super) struct Indexer<'p> {
    palette: &'p [[u8; 3]],
    known: ColorTable<u8>,
    /// The last colour asked for and its index: neighbouring pixels mostly match.
    last: Option<([u8; 3], u8)>,
}

impl<'p> Indexer<'p> {
    pub fn new(palette: &'p [[u8; 3]]) -> Self {
        Indexer {
            palette,
            known: ColorTable::default(),
            last: None,
        }
    }

    /// The index just past the palette's colours, for "unchanged".
    pub fn transparent(&self) -> u8 {
        self.palette.len() as u8
    }

    pub fn index(&mut self, c: [u8; 3]) -> u8 {
        if let Some((last, i)) = self.last
            && last == c
        {
            return i;
        }
        let palette = self.palette;
        let i = *self
            .known
            .entry(packed(c))
            .or_insert_with(|| nearest(palette, c));
        self.last = Some((c, i));
        i
    }
}

/// The index of the palette colour closest to `c` (the first of equals).
fn nearest(palette: &[[u8; 3]], c: [u8; 3]) -> u8 {
    let distance = |p: &[u8; 3]| -> i32 {
        (0..3)
            .map(|k| (p[k] as i32 - c[k] as i32).pow(2))
            .sum::<i32>()
    };
    let mut best = (i32::MAX, 0);
    for (k, p) in palette.iter().enumerate() {
        let d = distance(p);
        if d < best.0 {
            best = (d, k);
        }
    }
    best.1 as u8
}

/// At most `size` colours for an RGB image: the `exact` ones as they are, and the others cut
/// by median cut, weighted by how many pixels have them. Each box of colours is split at its
/// weighted median along its widest channel, the box with the largest squared error first;
/// a box's colour is its weighted mean. Deterministic: colours are sorted, ties go to the
/// first box.
pub fn median_cut(rgb: &[u8], exact: &[[u8; 3]], size: usize) -> Vec<[u8; 3]> {
    let mut palette: Vec<[u8; 3]> = Vec::new();
    for &c in exact {
        if !palette.contains(&c) && palette.len() < size {
            palette.push(c);
        }
    }
    let mut counts: ColorTable<u32> = ColorTable::default();
    for c in rgb.chunks_exact(3) {
        *counts.entry(packed([c[0], c[1], c[2]])).or_insert(0) += 1;
    }
    let mut colors: Vec<([u8; 3], u32)> = counts
        .into_iter()
        .map(|(c, n)| {
            let [_, r, g, b] = c.to_be_bytes();
            ([r, g, b], n)
        })
        .filter(|(c, _)| !palette.contains(c))
        .collect();
    colors.sort_unstable();
    let room = size - palette.len();
    if colors.len() <= room {
        palette.extend(colors.iter().map(|&(c, _)| c));
        return palette;
    }
    let mut boxes = vec![ColorBox::new(colors)];
    while boxes.len() < room {
        let Some((k, _)) = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.colors.len() > 1)
            .max_by(|(i, a), (j, b)| a.error.total_cmp(&b.error).then(j.cmp(i)))
        else {
            break;
        };
        let (a, b) = boxes.swap_remove(k).split();
        boxes.push(a);
        boxes.push(b);
    }
    palette.extend(boxes.iter().map(ColorBox::mean));
    palette
}

/// Colours with their pixel counts, and the counts' squared distance from their mean.
struct ColorBox {
    colors: Vec<([u8; 3], u32)>,
    error: f64,
}

impl ColorBox {
    fn new(colors: Vec<([u8; 3], u32)>) -> ColorBox {
        let mut b = ColorBox { colors, error: 0.0 };
        b.error = (0..3).map(|k| b.variance(k)).sum::<f64>() * b.weight();
        b
    }

    fn weight(&self) -> f64 {
        self.colors.iter().map(|&(_, n)| n as f64).sum()
    }

    fn channel_mean(&self, k: usize) -> f64 {
        let sum: f64 = self
            .colors
            .iter()
            .map(|&(c, n)| c[k] as f64 * n as f64)
            .sum();
        sum / self.weight().max(1.0)
    }

    fn variance(&self, k: usize) -> f64 {
        let mean = self.channel_mean(k);
        let sum: f64 = self
            .colors
            .iter()
            .map(|&(c, n)| (c[k] as f64 - mean).powi(2) * n as f64)
            .sum();
        sum / self.weight().max(1.0)
    }

    fn mean(&self) -> [u8; 3] {
        [0, 1, 2].map(|k| self.channel_mean(k).round().clamp(0.0, 255.0) as u8)
    }

    /// Two boxes, split at the weighted median of the channel that varies most. Both keep
    /// at least one colour.
    fn split(mut self) -> (ColorBox, ColorBox) {
        let channel = (0..3)
            .max_by(|&a, &b| {
                self.variance(a)
                    .total_cmp(&self.variance(b))
                    .then(b.cmp(&a))
            })
            .unwrap_or(0);
        self.colors.sort_unstable_by_key(|&(c, _)| {
            (c[channel], c[(channel + 1) % 3], c[(channel + 2) % 3])
        });
        let half = self.weight() / 2.0;
        let mut sum = 0.0;
        let mut at = self.colors.len() - 1;
        for (k, &(_, n)) in self.colors.iter().enumerate() {
            sum += n as f64;
            if sum >= half {
                at = k + 1;
                break;
            }
        }
        let at = at.clamp(1, self.colors.len() - 1);
        let upper = self.colors.split_off(at);
        (ColorBox::new(self.colors), ColorBox::new(upper))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_cut_keeps_exact_colours_and_the_size() {
        // A smooth gradient of 64 × 64 colours with a few pixels of two run colours.
        let mut rgb = Vec::new();
        for r in 0..64u8 {
            for g in 0..64u8 {
                rgb.extend([r * 4, g * 4, 200]);
            }
        }
        rgb.extend([0, 114, 178, 213, 94, 0]);
        let palette = median_cut(&rgb, &[[0, 114, 178], [213, 94, 0]], 255);
        assert_eq!(palette.len(), 255);
        assert_eq!(&palette[..2], &[[0, 114, 178], [213, 94, 0]]);
        // Every gradient colour is near some palette colour.
        let worst = rgb
            .chunks_exact(3)
            .map(|c| {
                let p = palette[nearest(&palette, [c[0], c[1], c[2]]) as usize];
                (0..3)
                    .map(|k| (p[k] as i32 - c[k] as i32).abs())
                    .max()
                    .unwrap()
            })
            .max()
            .unwrap();
        assert!(worst <= 16, "worst channel error {worst}");
        assert_eq!(
            median_cut(&rgb, &[[0, 114, 178], [213, 94, 0]], 255),
            palette,
            "the same image, the same palette"
        );
    }

    #[test]
    fn few_colours_are_kept_as_they_are() {
        let rgb = [1, 2, 3, 4, 5, 6, 1, 2, 3];
        assert_eq!(
            median_cut(&rgb, &[[9, 9, 9]], 255),
            [[9, 9, 9], [1, 2, 3], [4, 5, 6]]
        );
    }
}
