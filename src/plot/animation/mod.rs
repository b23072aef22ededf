//! The trajectories figure as an animated GIF: every run's path drawn step by step over the
//! still figure (contours, colour bar, legend, minima), like the lecture's optimizer
//! animations, with a step counter above the plot. It loops forever.
//!
//! What keeps it small and quick:
//! - The still figure without paths is drawn once. Every frame after the first holds only the
//!   rectangle that changed since the frame before (the new bits of path, the moving heads,
//!   the counter), and within it the unchanged pixels are transparent: LZW packs those into
//!   long runs, and the viewer keeps what the frames before drew (disposal "keep").
//! - One global palette for every frame, cut from the last frame, which holds every path and
//!   marker; the runs' colours, black and white are kept exact.
//! - Long runs are thinned to at most [`MAX_FRAMES`] frames, each advancing the same number
//!   of steps; the last frame shows the whole paths and stays longer before the loop.
//! - Each frame touches only its dirty region: the canvas (paths so far) is updated where new
//!   path was drawn, the shown frame (canvas plus heads and counter) where that changed or an
//!   overlay moved, and only that region is compared with the frame before.
//! - Frames are drawn on this thread while a second one compresses and writes them.
//!
//! Same scene, same bytes: nothing depends on timing, hashing order or threads.
//!
//! Here: what each frame shows and for how long. `frames` draws them and finds what changed,
//! `palette` picks the colours, `encoder` turns frames into GIF bytes on its own thread.

mod encoder;
mod frames;
mod palette;

use std::sync::mpsc;

use gif::Frame;
use plotters::prelude::*;

use super::raster::Bitmap;
use super::trajectories::{Contours, Paths, Prepared, draw_prepared};
use super::{PlotError, Scene};
use frames::{Animated, Counter, Frames};
pub use palette::median_cut;

/// The most frames an animation has; longer runs advance several steps a frame.
pub const MAX_FRAMES: usize = 200;
/// About how long the paths take to draw, in hundredths of a second (GIF's time unit).
const PLAY_TIME_CS: usize = 800;
/// The shortest and longest time a frame shows. Browsers slow frames under 2 cs down to
/// 10 cs, so 4 cs (25 frames a second) is as fast as goes everywhere.
const MIN_DELAY_CS: u16 = 4;
const MAX_DELAY_CS: u16 = 10;
/// The start stays a moment, so that the eye finds the starting points...
const FIRST_DELAY_CS: u16 = 60;
/// ...and the finished paths stay a while before the loop starts again.
const LAST_DELAY_CS: u16 = 300;

/// The animation of the trajectories figure, as GIF bytes. The scene's size has been checked.
pub fn animate(scene: &Scene, prepared: &Prepared) -> Result<Vec<u8>, PlotError> {
    let (w, h) = (scene.width, scene.height);
    let mut background = vec![255u8; w as usize * h as usize * 3];
    let layout = {
        let root = Bitmap::new(&mut background, (w, h)).into_drawing_area();
        let layout = draw_prepared(scene, prepared, &root, Paths::Omitted, Contours::InRaster)?;
        root.present()?;
        layout
    };
    let runs = Animated::of_scene(scene, &layout);
    let last = runs.iter().map(Animated::last_row).max().unwrap_or(0);
    let steps = frame_steps(last);
    let counter = Counter::place(&mut background, (w, h), &layout, last)?;

    let frames = Frames {
        size: (w, h),
        layout: &layout,
        counter: &counter,
        background,
    };
    let palette = frames.palette(&runs, last)?;
    let delays = delays(steps.len());

    let (send, receive) = mpsc::sync_channel::<Frame<'static>>(8);
    std::thread::scope(|s| {
        let palette = &palette;
        let writer = s.spawn(move || encoder::write_gif((w, h), palette, receive));
        let drawn = frames.draw_all(runs, &steps, &delays, palette, &send);
        // The writer ends when the channel closes, also after a drawing error.
        drop(send);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(PlotError::new("the GIF writer panicked")));
        drawn.and(written)
    })
}

/// Finished frames (RGB images of `size` pixels, drawn by another figure) as a GIF that
/// loops, through the same palette and encoder: the palette cut from up to eight frames
/// spread over the animation with the `exact` colours kept, every frame after the first
/// sent as the rectangle that changed. `delays` are in hundredths of a second, one a frame.
pub(super) fn encode_stills(
    stills: &[Vec<u8>],
    (w, h): (u32, u32),
    delays: &[u16],
    exact: &[[u8; 3]],
) -> Result<Vec<u8>, PlotError> {
    let whole = w as usize * h as usize * 3;
    if stills.is_empty() || stills.iter().any(|s| s.len() != whole) {
        return Err(PlotError::new(
            "an animation needs at least one frame, every one of its size",
        ));
    }
    let picks = stills.len().min(8);
    let mut sample = Vec::with_capacity(whole * picks);
    for k in 0..picks {
        // The first and the last frames always among them.
        let at = if picks == 1 {
            0
        } else {
            k * (stills.len() - 1) / (picks - 1)
        };
        sample.extend_from_slice(&stills[at]);
    }
    let palette = median_cut(&sample, exact, palette::PALETTE_SIZE - 1);
    let everything = frames::Rect {
        left: 0,
        top: 0,
        right: w as i32,
        bottom: h as i32,
    };
    let (send, receive) = mpsc::sync_channel::<Frame<'static>>(4);
    std::thread::scope(|s| {
        let palette = &palette;
        let writer = s.spawn(move || encoder::write_gif((w, h), palette, receive));
        let mut colors = palette::Indexer::new(palette);
        for (k, still) in stills.iter().enumerate() {
            let mut frame = if k == 0 {
                encoder::whole_frame(still, (w, h), &mut colors)
            } else {
                encoder::changed_frame(&stills[k - 1], still, (w, h), Some(everything), &mut colors)
            };
            frame.delay = delays.get(k).copied().unwrap_or(MAX_DELAY_CS);
            if send.send(frame).is_err() {
                // The writer stopped on an error, which it reports.
                break;
            }
        }
        drop(send);
        writer
            .join()
            .unwrap_or_else(|_| Err(PlotError::new("the GIF writer panicked")))
    })
}

/// Which step each frame shows: every `stride` steps from the start, where `stride` is the
/// fewest that keeps to [`MAX_FRAMES`], and always the last step.
pub fn frame_steps(last: usize) -> Vec<usize> {
    let stride = last.div_ceil(MAX_FRAMES - 1).max(1);
    let mut steps: Vec<usize> = (0..=last).step_by(stride).collect();
    if steps.last() != Some(&last) {
        steps.push(last);
    }
    steps
}

/// How long each of `frames` frames shows, in hundredths of a second.
fn delays(frames: usize) -> Vec<u16> {
    let each = (PLAY_TIME_CS / frames.max(1)).clamp(MIN_DELAY_CS as usize, MAX_DELAY_CS as usize);
    (0..frames)
        .map(|k| {
            if k + 1 == frames {
                LAST_DELAY_CS
            } else if k == 0 {
                FIRST_DELAY_CS
            } else {
                each as u16
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_never_exceed_the_limit_and_end_on_the_last_step() {
        for last in (0..2000).chain([9_999, 123_457, 1_000_000]) {
            let steps = frame_steps(last);
            assert!(steps.len() <= MAX_FRAMES, "{last}: {} frames", steps.len());
            assert_eq!(steps[0], 0);
            assert_eq!(*steps.last().unwrap(), last);
            assert!(steps.windows(2).all(|s| s[0] < s[1]));
        }
        assert_eq!(
            frame_steps(30),
            (0..=30).collect::<Vec<_>>(),
            "short: every step"
        );
        assert_eq!(frame_steps(200).len(), 101, "200 steps: every other one");
    }

    #[test]
    fn the_last_frame_is_held_longest() {
        let d = delays(101);
        assert_eq!(d.len(), 101);
        assert_eq!(d[100], LAST_DELAY_CS);
        assert!(d[1..100].iter().all(|&x| x == 7));
        assert!(delays(200)[1..199].iter().all(|&x| x == MIN_DELAY_CS));
        assert_eq!(delays(1), [LAST_DELAY_CS]);
    }
}
