//! Drawing the frames: each run's path advanced step by step onto a canvas (the still figure
//! without paths), the moving heads and the step counter over it, and the rectangle each
//! frame changed.

use std::sync::mpsc;

use gif::Frame;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::clip::{P, inside};
use super::super::parts::{Glyph, Marker};
use super::super::raster::Bitmap;
use super::super::style::{FONT, darker};
use super::super::trajectories::{
    Layout, Mark, PlotCoord, RunPath, RunStyle, draw_markers, draw_marks, draw_path,
};
use super::super::{PlotError, Scene};
use super::encoder::{changed_frame, whole_frame};
use super::palette::{Indexer, PALETTE_SIZE, median_cut};

/// One run's path, its style and how far it has been drawn.
#[derive(Clone)]
pub(super) struct Animated {
    path: RunPath,
    style: RunStyle,
    /// The last row drawn onto the canvas.
    drawn: usize,
}

impl Animated {
    /// The scene's runs in the order the still figure draws them, none drawn yet.
    pub fn of_scene(scene: &Scene, layout: &Layout) -> Vec<Animated> {
        let paths = RunPath::of_scene(scene);
        layout
            .order
            .iter()
            .map(|&i| Animated {
                path: paths[i].clone(),
                style: layout.styles[i].clone(),
                drawn: 0,
            })
            .collect()
    }

    /// The path's last row (0 for an empty path).
    pub fn last_row(&self) -> usize {
        self.path.points.len().saturating_sub(1)
    }

    pub fn color(&self) -> RGBColor {
        self.style.color
    }

    /// Draws the path from the last row drawn on to row `to` (or its end), and the end marker
    /// once the end is reached. Returns the pixels it may have changed.
    fn advance<DB: DrawingBackend>(
        &mut self,
        area: &DrawingArea<DB, PlotCoord>,
        to: usize,
        layout: &Layout,
    ) -> Result<Option<Rect>, PlotError> {
        let n = self.path.points.len();
        let to = to.min(n.saturating_sub(1));
        let from = self.drawn;
        if to <= from {
            return Ok(None);
        }
        let reach = reach(layout);
        let mut dirty = None;
        let mut touch = |p: P| {
            grow(
                &mut dirty,
                Rect::around(layout.coord.translate(&(p[0], p[1])), reach),
            )
        };
        let win = &layout.window;
        // The line starts one step back: it repairs the end of the previous frame's line,
        // which this frame's halo has just paled.
        let back = from.saturating_sub(1);
        let dash = self.style.dash.as_ref();
        let halo = self.path.pieces(from, to, win, layout.per_px, dash);
        let line = self.path.pieces(back, to, win, layout.per_px, dash);
        line.iter().flatten().for_each(|&p| touch(p));
        let halo: Vec<&[P]> = halo.iter().map(Vec::as_slice).collect();
        let line: Vec<&[P]> = line.iter().map(Vec::as_slice).collect();
        draw_path(area, &halo, &line, &self.style, layout.per_px)?;
        draw_markers(area, &self.path, back, to, &self.style, win, layout.per_px)?;
        for &row in self
            .path
            .snapshots
            .iter()
            .filter(|&&r| (back..=to).contains(&r))
        {
            if let Some(&p) = self.path.points.get(row).filter(|p| inside(**p, win)) {
                touch(p);
            }
        }
        if to + 1 == n
            && let Some(&p) = self.path.points.last()
        {
            // The end marker, or the triangle where a diverged run left the plot.
            let end = if inside(p, win) {
                p
            } else {
                super::super::clip::last_visible(&self.path.points, win).unwrap_or(p)
            };
            touch(end);
        }
        self.drawn = to;
        Ok(dirty)
    }

    /// A dot where the run is at `step`, while it is still moving; returns the pixels it
    /// covers.
    fn draw_head<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, PlotCoord>,
        step: usize,
        layout: &Layout,
    ) -> Result<Option<Rect>, PlotError> {
        if step + 1 >= self.path.points.len() {
            return Ok(None);
        }
        let p = self.path.points[step];
        if !inside(p, &layout.window) {
            return Ok(None);
        }
        let size = layout.sizes.int(5.0);
        area.draw(&Marker::new(
            (p[0], p[1]),
            Glyph::Dot,
            size,
            self.style.color,
            WHITE,
        ))?;
        Ok(Some(Rect::around(
            layout.coord.translate(&(p[0], p[1])),
            reach(layout),
        )))
    }
}

/// The pixels a mark covers.
fn mark_rect(mark: &Mark, layout: &Layout) -> Rect {
    Rect::around(
        layout.coord.translate(&(mark.at[0], mark.at[1])),
        reach(layout),
    )
}

/// Runs `draw` on an RGB buffer of the figure's size, with the whole figure and its plot
/// area (in data coordinates) to draw on.
fn on_buffer<R>(
    buffer: &mut [u8],
    (w, h): (u32, u32),
    layout: &Layout,
    draw: impl FnOnce(
        &DrawingArea<Bitmap<'_>, Shift>,
        &DrawingArea<Bitmap<'_>, PlotCoord>,
    ) -> Result<R, PlotError>,
) -> Result<R, PlotError> {
    let root = Bitmap::new(buffer, (w, h)).into_drawing_area();
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
pub(super) struct Counter {
    /// Where the text starts (left, vertical middle), in pixels.
    at: (i32, i32),
    /// Width of the widest text, "step 400 / 400", in pixels.
    width: u32,
    /// The top of the plot: the strip ends there.
    plot_top: i32,
    /// The strip's height.
    strip: u32,
    last: usize,
    /// The font size: the legend's, or smaller when a small plot leaves less room.
    font_size: f64,
}

/// The smallest font the counter shrinks to (about 10 pixels).
const SMALLEST_COUNTER_FONT: f64 = 12.0;

impl Counter {
    pub fn place(
        buffer: &mut [u8],
        size: (u32, u32),
        layout: &Layout,
        last: usize,
    ) -> Result<Counter, PlotError> {
        let (word, numbers) = Counter::text(last, last);
        let (x, y, _, _) = layout.plot;
        // Up to where the colour bar's caption may start, above the bar.
        let (strip_width, strip) = layout.strip;
        let room = strip_width.saturating_sub(layout.sizes.side(16.0));
        let smallest = SMALLEST_COUNTER_FONT * layout.sizes.k.min(1.0);
        let (width, font_size) = on_buffer(buffer, size, layout, |root, _| {
            let mut font_size = layout.sizes.legend_font();
            loop {
                let text = format!("{word} {numbers}");
                let (width, _) = root.estimate_text_size(&text, &style(font_size))?;
                if width <= room || font_size <= smallest {
                    return Ok((width, font_size));
                }
                font_size -= 1.0;
            }
        })?;
        Ok(Counter {
            at: (x, y - strip as i32 / 2),
            width,
            plot_top: y,
            strip,
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
            top: self.plot_top - self.strip as i32,
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
pub(super) struct Frames<'a> {
    pub size: (u32, u32),
    pub layout: &'a Layout,
    pub counter: &'a Counter,
    /// The still figure without paths.
    pub background: Vec<u8>,
}

impl Frames<'_> {
    /// The palette: cut from the last frame, drawn once ahead, which holds every colour the
    /// animation shows but for a few blends.
    pub fn palette(&self, runs: &[Animated], last: usize) -> Result<Vec<[u8; 3]>, PlotError> {
        let mut finale = self.background.clone();
        let mut runs = runs.to_vec();
        on_buffer(&mut finale, self.size, self.layout, |root, area| {
            for run in &mut runs {
                run.advance(area, last, self.layout)?;
            }
            draw_marks(area, &self.layout.marks)?;
            self.counter.draw(root, last)
        })?;
        let mut exact = vec![[255, 255, 255], [0, 0, 0]];
        for run in &runs {
            let color = run.color();
            for c in [color, darker(color, 0.15), darker(color, 0.2)] {
                exact.push([c.0, c.1, c.2]);
            }
        }
        Ok(median_cut(&finale, &exact, PALETTE_SIZE - 1))
    }

    /// Draws every frame and sends it, as the rectangle that changed, to the writer.
    pub fn draw_all(
        self,
        mut runs: Vec<Animated>,
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
                // Minima, saddles and starts stay on top of the paths that cross them, as in
                // the still figure.
                for mark in &layout.marks {
                    let r = mark_rect(mark, layout);
                    if first || dirty.is_some_and(|d: Rect| d.meets(&r)) {
                        draw_marks(area, std::slice::from_ref(mark))?;
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

/// How far a drawn point's pixels reach: the largest marker (the star of a minimum, or a
/// triangle, with its outline) and then some.
fn reach(layout: &Layout) -> i32 {
    layout.sizes.int(16.0)
}

/// A rectangle of pixels: left and top included, right and bottom not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Rect {
    pub fn around((x, y): (i32, i32), reach: i32) -> Rect {
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
    pub fn within(self, w: usize, h: usize) -> Option<Rect> {
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
    pub fn rows(self, w: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
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
