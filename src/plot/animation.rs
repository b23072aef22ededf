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

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::mpsc;

use gif::{DisposalMethod, Encoder, Frame, Repeat};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::clip::{P, inside, thin_path, visible_pieces};
use super::parts::{Glyph, Marker};
use super::style::{FONT, LEGEND_SIZE, darker, run_color};
use super::trajectories::{
    BAR_GAP, Layout, PATH_POINTS, PATH_TOLERANCE_PX, Paths, PlotCoord, Prepared, RIGHT_PAD,
    TOP_PAD, draw_path, draw_prepared, draw_step_marker, end_marker, is_step_marker,
    snapshot_marker, start_marker,
};
use super::{PlotError, Scene};
use crate::core::{Status, Window};

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
/// The most colours a GIF palette has; one index is kept for "unchanged" (transparent).
const PALETTE_SIZE: usize = 256;

/// The animation of the trajectories figure, as GIF bytes. The scene's size has been checked.
pub fn animate(scene: &Scene, prepared: &Prepared) -> Result<Vec<u8>, PlotError> {
    let (w, h) = (scene.width, scene.height);
    let mut background = vec![255u8; w as usize * h as usize * 3];
    let layout = {
        let root = BitMapBackend::with_buffer(&mut background, (w, h)).into_drawing_area();
        let layout = draw_prepared(scene, prepared, &root, Paths::Omitted)?;
        root.present()?;
        layout
    };
    let runs: Vec<RunPath> = scene
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| RunPath {
            points: if run.trace.dim >= 2 {
                run.trace.points_2d().collect()
            } else {
                Vec::new()
            },
            color: run_color(i),
            status: run.trace.status,
            snapshots: run.snapshots.clone(),
            drawn: 0,
        })
        .collect();
    let last = runs
        .iter()
        .map(|r| r.points.len().saturating_sub(1))
        .max()
        .unwrap_or(0);
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
        let writer = s.spawn(move || write_gif((w, h), palette, receive));
        let drawn = frames.draw_all(runs, &steps, &delays, palette, &send);
        // The writer ends when the channel closes, also after a drawing error.
        drop(send);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(PlotError::new("the GIF writer panicked")));
        drawn.and(written)
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

/// One run's path and how far it has been drawn.
#[derive(Clone)]
struct RunPath {
    points: Vec<P>,
    color: RGBColor,
    status: Status,
    snapshots: Vec<usize>,
    /// The last row drawn onto the canvas.
    drawn: usize,
}

impl RunPath {
    /// Draws the path from the last row drawn on to row `to` (or its end), and the end marker
    /// once the end is reached. Returns the pixels it may have changed.
    fn advance<DB: DrawingBackend>(
        &mut self,
        area: &DrawingArea<DB, PlotCoord>,
        to: usize,
        layout: &Layout,
    ) -> Result<Option<Rect>, PlotError> {
        let n = self.points.len();
        let to = to.min(n.saturating_sub(1));
        let from = self.drawn;
        if to <= from {
            return Ok(None);
        }
        let mut dirty = None;
        let mut touch = |p: P| {
            grow(
                &mut dirty,
                Rect::around(layout.coord.translate(&(p[0], p[1])), REACH),
            )
        };
        let win = &layout.window;
        let pieces = |points: &[P]| -> Vec<Vec<P>> {
            visible_pieces(points, win)
                .iter()
                .map(|piece| thin_path(piece, layout.per_px, PATH_TOLERANCE_PX, PATH_POINTS))
                .collect()
        };
        // The line starts one step back: it repairs the end of the previous frame's line,
        // which this frame's halo has just paled.
        let back = from.saturating_sub(1);
        let halo = pieces(&self.points[from..=to]);
        let line = pieces(&self.points[back..=to]);
        line.iter().flatten().for_each(|&p| touch(p));
        let halo: Vec<&[P]> = halo.iter().map(Vec::as_slice).collect();
        let line: Vec<&[P]> = line.iter().map(Vec::as_slice).collect();
        draw_path(area, &halo, &line, self.color, layout.per_px)?;
        for row in (back..=to).filter(|&row| is_step_marker(row, n)) {
            draw_step_marker(area, self.points[row], self.color, win)?;
        }
        for &row in self
            .snapshots
            .iter()
            .filter(|&&row| (back..=to).contains(&row))
        {
            if let Some(&p) = self.points.get(row).filter(|p| inside(**p, win)) {
                area.draw(&snapshot_marker(p, self.color))?;
                touch(p);
            }
        }
        if to + 1 == n
            && let Some((marker, _)) = end_marker(&self.points, self.color, self.status, win)
        {
            touch([marker.at.0, marker.at.1]);
            area.draw(&marker)?;
        }
        self.drawn = to;
        Ok(dirty)
    }

    /// The pixels the start marker covers, if it shows.
    fn start_rect(&self, layout: &Layout) -> Option<Rect> {
        let &p = self.points.first()?;
        inside(p, &layout.window)
            .then(|| Rect::around(layout.coord.translate(&(p[0], p[1])), REACH))
    }

    fn draw_start<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, PlotCoord>,
        win: &Window,
    ) -> Result<(), PlotError> {
        match self.points.first() {
            Some(&p) if inside(p, win) => Ok(area.draw(&start_marker(p, self.color))?),
            _ => Ok(()),
        }
    }

    /// A dot where the run is at `step`, while it is still moving; returns the pixels it
    /// covers.
    fn draw_head<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, PlotCoord>,
        step: usize,
        layout: &Layout,
    ) -> Result<Option<Rect>, PlotError> {
        if step + 1 >= self.points.len() {
            return Ok(None);
        }
        let p = self.points[step];
        if !inside(p, &layout.window) {
            return Ok(None);
        }
        area.draw(&Marker::new((p[0], p[1]), Glyph::Dot, 5, self.color, WHITE))?;
        Ok(Some(Rect::around(
            layout.coord.translate(&(p[0], p[1])),
            REACH,
        )))
    }
}

/// Runs `draw` on an RGB buffer of the figure's size, with the whole figure and its plot
/// area (in data coordinates) to draw on.
fn on_buffer<R>(
    buffer: &mut [u8],
    (w, h): (u32, u32),
    layout: &Layout,
    draw: impl FnOnce(
        &DrawingArea<BitMapBackend<'_>, Shift>,
        &DrawingArea<BitMapBackend<'_>, PlotCoord>,
    ) -> Result<R, PlotError>,
) -> Result<R, PlotError> {
    let root = BitMapBackend::with_buffer(buffer, (w, h)).into_drawing_area();
    let (x, y, pw, ph) = layout.plot;
    let area = root
        .clone()
        .shrink((x, y), (pw, ph))
        .apply_coord_spec(layout.coord.clone());
    let result = draw(&root, &area)?;
    root.present()?;
    Ok(result)
}

/// The step counter, "step 120 / 400", in the free strip between the title and the plot,
/// from the plot's left edge: there it never hides a path, a minimum or the legend, however
/// long the numbers get.
struct Counter {
    /// Where the text starts (left, vertical middle), in pixels.
    at: (i32, i32),
    /// Width of the widest text, "step 400 / 400", in pixels.
    width: u32,
    /// The top of the plot: the strip ends there.
    plot_top: i32,
    last: usize,
    /// The font size: the legend's, or smaller when a small plot leaves less room.
    font_size: f64,
}

/// The smallest font the counter shrinks to (about 10 pixels).
const SMALLEST_COUNTER_FONT: f64 = 12.0;

impl Counter {
    fn place(
        buffer: &mut [u8],
        size: (u32, u32),
        layout: &Layout,
        last: usize,
    ) -> Result<Counter, PlotError> {
        let (word, numbers) = Counter::text(last, last);
        let (x, y, plot_width, _) = layout.plot;
        // Up to where the colour bar's caption may start, above the bar.
        let room = plot_width + RIGHT_PAD + BAR_GAP - 16;
        let (width, font_size) = on_buffer(buffer, size, layout, |root, _| {
            let mut font_size = LEGEND_SIZE;
            loop {
                let text = format!("{word} {numbers}");
                let (width, _) = root.estimate_text_size(&text, &style(font_size))?;
                if width <= room || font_size <= SMALLEST_COUNTER_FONT {
                    return Ok((width, font_size));
                }
                font_size -= 1.0;
            }
        })?;
        Ok(Counter {
            at: (x, y - TOP_PAD as i32 / 2),
            width,
            plot_top: y,
            last,
            font_size,
        })
    }

    /// The counter's two parts: "step" and "120 / 400". Drawn apart, the word stays put and
    /// the numbers stay right-aligned (DejaVu's digits are all one width) as they grow.
    fn text(step: usize, last: usize) -> (String, String) {
        ("step".to_string(), format!("{step} / {last}"))
    }

    /// The pixels the counter may cover: the strip above the plot, as wide as the text.
    fn rect(&self) -> Rect {
        let (x, _) = self.at;
        Rect {
            left: x - 4,
            top: self.plot_top - TOP_PAD as i32,
            right: x + self.width as i32 + 6,
            bottom: self.plot_top,
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        step: usize,
    ) -> Result<(), PlotError> {
        let (x, y) = self.at;
        let (word, numbers) = Counter::text(step, self.last);
        let left = style(self.font_size).pos(Pos::new(HPos::Left, VPos::Center));
        let right = style(self.font_size).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(word, (x, y), left))?;
        root.draw(&Text::new(numbers, (x + self.width as i32, y), right))?;
        Ok(())
    }
}

fn style(font_size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, font_size).into_font()).color(&BLACK)
}

/// What every frame is drawn from.
struct Frames<'a> {
    size: (u32, u32),
    layout: &'a Layout,
    counter: &'a Counter,
    /// The still figure without paths.
    background: Vec<u8>,
}

impl Frames<'_> {
    /// The palette: cut from the last frame, drawn once ahead, which holds every colour the
    /// animation shows but for a few blends.
    fn palette(&self, runs: &[RunPath], last: usize) -> Result<Vec<[u8; 3]>, PlotError> {
        let mut finale = self.background.clone();
        let mut runs = runs.to_vec();
        on_buffer(&mut finale, self.size, self.layout, |root, area| {
            for run in &mut runs {
                run.advance(area, last, self.layout)?;
            }
            for run in &runs {
                run.draw_start(area, &self.layout.window)?;
            }
            self.counter.draw(root, last)
        })?;
        let mut exact = vec![[255, 255, 255], [0, 0, 0]];
        for run in &runs {
            for c in [run.color, darker(run.color, 0.15), darker(run.color, 0.2)] {
                exact.push([c.0, c.1, c.2]);
            }
        }
        Ok(median_cut(&finale, &exact, PALETTE_SIZE - 1))
    }

    /// Draws every frame and sends it, as the rectangle that changed, to the writer.
    fn draw_all(
        self,
        mut runs: Vec<RunPath>,
        steps: &[usize],
        delays: &[u16],
        palette: &[[u8; 3]],
        send: &mpsc::SyncSender<Frame<'static>>,
    ) -> Result<(), PlotError> {
        let Frames {
            size,
            layout,
            counter,
            background,
        } = self;
        let (w, h) = (size.0 as usize, size.1 as usize);
        let mut colors = Indexer::new(palette);
        let mut canvas = background;
        // What the previous frame showed, and what this one shows: the canvas plus the
        // heads and the counter, which `overlays` covered in the previous frame.
        let mut before: Vec<u8> = Vec::new();
        let mut shown = canvas.clone();
        let mut overlays: Option<Rect> = None;
        for (k, (&step, &delay)) in steps.iter().zip(delays).enumerate() {
            let first = k == 0;
            let mut dirty = None;
            on_buffer(&mut canvas, size, layout, |_, area| {
                for run in &mut runs {
                    if let Some(r) = run.advance(area, step, layout)? {
                        grow(&mut dirty, r);
                    }
                }
                // Starts stay on top of the paths that cross them, as in the still figure.
                for run in &runs {
                    if let Some(r) = run.start_rect(layout)
                        && (first || dirty.is_some_and(|d: Rect| d.meets(&r)))
                    {
                        run.draw_start(area, &layout.window)?;
                        grow(&mut dirty, r);
                    }
                }
                Ok(())
            })?;
            // Restore what the old overlays hid and bring in the new paths, then draw the
            // overlays anew.
            let mut region = union(overlays, dirty).and_then(|r| r.within(w, h));
            if let Some(r) = region {
                copy_rect(&canvas, &mut shown, r, w);
            }
            let mut drawn = Some(counter.rect());
            on_buffer(&mut shown, size, layout, |root, area| {
                for run in &runs {
                    if let Some(r) = run.draw_head(area, step, layout)? {
                        grow(&mut drawn, r);
                    }
                }
                counter.draw(root, step)
            })?;
            region = union(region, drawn).and_then(|r| r.within(w, h));
            overlays = drawn;
            let mut frame = if first {
                before = shown.clone();
                whole_frame(&shown, size, &mut colors)
            } else {
                let frame = changed_frame(&before, &shown, size, region, &mut colors);
                if let Some(r) = region {
                    copy_rect(&shown, &mut before, r, w);
                }
                frame
            };
            frame.delay = delay;
            if send.send(frame).is_err() {
                // The writer stopped on an error, which it reports.
                return Ok(());
            }
        }
        Ok(())
    }
}

/// How far a drawn point's pixels reach: the largest marker (a triangle of size 10 with its
/// 2-pixel outline) and then some.
const REACH: i32 = 14;

/// A rectangle of pixels: left and top included, right and bottom not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

impl Rect {
    fn around((x, y): (i32, i32), reach: i32) -> Rect {
        Rect {
            left: x.saturating_sub(reach),
            top: y.saturating_sub(reach),
            right: x.saturating_add(reach + 1),
            bottom: y.saturating_add(reach + 1),
        }
    }

    fn union(self, o: Rect) -> Rect {
        Rect {
            left: self.left.min(o.left),
            top: self.top.min(o.top),
            right: self.right.max(o.right),
            bottom: self.bottom.max(o.bottom),
        }
    }

    fn meets(&self, o: &Rect) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }

    /// The part inside an image of `w × h` pixels, if any.
    fn within(self, w: usize, h: usize) -> Option<Rect> {
        let r = Rect {
            left: self.left.max(0),
            top: self.top.max(0),
            right: self.right.min(w as i32),
            bottom: self.bottom.min(h as i32),
        };
        (r.left < r.right && r.top < r.bottom).then_some(r)
    }

    /// Rows and the byte range of each row, in an RGB image `w` pixels wide. Only for a
    /// rectangle [`within`](Rect::within) the image.
    fn rows(self, w: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
        let (l, r) = (self.left as usize, self.right as usize);
        (self.top as usize..self.bottom as usize).map(move |y| (y * w + l) * 3..(y * w + r) * 3)
    }
}

fn grow(acc: &mut Option<Rect>, r: Rect) {
    *acc = Some(acc.map_or(r, |a| a.union(r)));
}

fn union(a: Option<Rect>, b: Option<Rect>) -> Option<Rect> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b)),
        (a, b) => a.or(b),
    }
}

/// Copies a rectangle (within the image) from one RGB image to another of the same size.
fn copy_rect(from: &[u8], to: &mut [u8], r: Rect, w: usize) {
    for span in r.rows(w) {
        to[span.clone()].copy_from_slice(&from[span]);
    }
}

/// The first frame: every pixel.
fn whole_frame(rgb: &[u8], (w, h): (u32, u32), colors: &mut Indexer) -> Frame<'static> {
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
fn changed_frame(
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
fn write_gif(
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

/// Hashes a colour packed in a `u32` with one multiplication: SipHash, the default, costs
/// more than the rest of a lookup, and colours are not chosen by an attacker.
#[derive(Default)]
struct ColorHasher(u64);

impl Hasher for ColorHasher {
    fn finish(&self) -> u64 {
        // The high bits of the product mix every bit of the colour; fold them down, where
        // the table takes its bucket from.
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(((self.0 as u32) << 8) | b as u32);
        }
    }

    fn write_u32(&mut self, v: u32) {
        self.0 = (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type ColorTable<V> = HashMap<u32, V, BuildHasherDefault<ColorHasher>>;

fn packed(c: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, c[0], c[1], c[2]])
}

/// Palette indices of colours: exact matches, else the nearest, remembered.
struct Indexer<'p> {
    palette: &'p [[u8; 3]],
    known: ColorTable<u8>,
    /// The last colour asked for and its index: neighbouring pixels mostly match.
    last: Option<([u8; 3], u8)>,
}

impl<'p> Indexer<'p> {
    fn new(palette: &'p [[u8; 3]]) -> Self {
        Indexer {
            palette,
            known: ColorTable::default(),
            last: None,
        }
    }

    /// The index just past the palette's colours, for "unchanged".
    fn transparent(&self) -> u8 {
        self.palette.len() as u8
    }

    fn index(&mut self, c: [u8; 3]) -> u8 {
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
