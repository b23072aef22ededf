//! Frames into GIF bytes: the first frame whole, every later one as the rectangle that
//! changed with its unchanged pixels transparent, all under one global palette; compressed
//! and written on a thread of its own as the frames come.

use std::borrow::Cow;
use std::sync::mpsc;

use gif::{DisposalMethod, Encoder, Frame, Repeat};

use super::super::PlotError;
use super::frames::Rect;
use super::palette::Indexer;

/// The first frame: every pixel.
pub(super) fn whole_frame(rgb: &[u8], (w, h): (u32, u32), colors: &mut Indexer) -> Frame<'static> {
    let indices: Vec<u8> = rgb
        .chunks_exact(3)
        .map(|c| colors.index([c[0], c[1], c[2]]))
        .collect();
    Frame {
        width: w as u16,
        height: h as u16,
        buffer: Cow::Owned(indices),
        dispose: DisposalMethod::Keep,
        ..Frame::default()
    }
}

/// A later frame: the smallest rectangle holding every pixel that differs from `before`,
/// the unchanged ones in it transparent.
pub(super) fn changed_frame(
    before: &[u8],
    after: &[u8],
    (w, _): (u32, u32),
    region: Option<Rect>,
    colors: &mut Indexer,
) -> Frame<'static> {
    let unchanged = colors.transparent();
    let Some((left, top, right, bottom)) =
        region.and_then(|r| changed_rect(before, after, w as usize, r))
    else {
        // Nothing moved: one transparent pixel keeps the frame's time.
        return Frame {
            width: 1,
            height: 1,
            buffer: Cow::Owned(vec![unchanged]),
            transparent: Some(unchanged),
            dispose: DisposalMethod::Keep,
            ..Frame::default()
        };
    };
    let row = w as usize * 3;
    let mut indices = Vec::with_capacity((right - left + 1) * (bottom - top + 1));
    for y in top..=bottom {
        let span = y * row + left * 3..y * row + (right + 1) * 3;
        for (old, new) in before[span.clone()]
            .chunks_exact(3)
            .zip(after[span].chunks_exact(3))
        {
            indices.push(if old == new {
                unchanged
            } else {
                colors.index([new[0], new[1], new[2]])
            });
        }
    }
    Frame {
        left: left as u16,
        top: top as u16,
        width: (right - left + 1) as u16,
        height: (bottom - top + 1) as u16,
        buffer: Cow::Owned(indices),
        transparent: Some(unchanged),
        dispose: DisposalMethod::Keep,
        ..Frame::default()
    }
}

/// Left, top, right and bottom pixel (inclusive) of what differs between two RGB images `w`
/// pixels wide within `region` (which lies within them), or `None` if nothing does.
fn changed_rect(
    before: &[u8],
    after: &[u8],
    w: usize,
    region: Rect,
) -> Option<(usize, usize, usize, usize)> {
    let mut rect: Option<(usize, usize, usize, usize)> = None;
    for (y, span) in (region.top as usize..).zip(region.rows(w)) {
        let (a, b) = (&before[span.clone()], &after[span.clone()]);
        if a == b {
            continue;
        }
        let x0 = region.left as usize;
        let first = x0 + a.iter().zip(b).position(|(p, q)| p != q).unwrap_or(0) / 3;
        let last = x0 + a.iter().zip(b).rposition(|(p, q)| p != q).unwrap_or(0) / 3;
        rect = Some(match rect {
            None => (first, y, last, y),
            Some((l, t, r, _)) => (l.min(first), t, r.max(last), y),
        });
    }
    rect
}

/// Compresses the frames as they come and writes the GIF: the global palette (plus the
/// transparent index), looping forever.
pub(super) fn write_gif(
    (w, h): (u32, u32),
    palette: &[[u8; 3]],
    frames: mpsc::Receiver<Frame<'static>>,
) -> Result<Vec<u8>, PlotError> {
    let gif_error = |e: gif::EncodingError| PlotError::new(format!("GIF encoding: {e}"));
    // The transparent index gets a colour too; white, as it is never shown.
    let mut table: Vec<u8> = palette.iter().flatten().copied().collect();
    table.extend([255, 255, 255]);
    let mut encoder = Encoder::new(Vec::new(), w as u16, h as u16, &table).map_err(gif_error)?;
    encoder.set_repeat(Repeat::Infinite).map_err(gif_error)?;
    for mut frame in frames {
        frame.make_lzw_pre_encoded();
        encoder
            .write_lzw_pre_encoded_frame(&frame)
            .map_err(gif_error)?;
    }
    encoder.into_inner().map_err(gif_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_rectangle_bounds_every_difference() {
        let (w, h) = (5, 4);
        let before = vec![0u8; w * h * 3];
        let all = Rect::around((2, 2), 10).within(w, h).unwrap();
        assert_eq!(
            all,
            Rect {
                left: 0,
                top: 0,
                right: 5,
                bottom: 4
            }
        );
        assert_eq!(changed_rect(&before, &before, w, all), None);
        let mut after = before.clone();
        after[(w + 3) * 3 + 2] = 9; // (3, 1)
        after[(2 * w + 1) * 3] = 9; // (1, 2)
        assert_eq!(changed_rect(&before, &after, w, all), Some((1, 1, 3, 2)));
        let right = Rect {
            left: 2,
            top: 0,
            right: 5,
            bottom: 4,
        };
        assert_eq!(changed_rect(&before, &after, w, right), Some((3, 1, 3, 1)));
    }
}
