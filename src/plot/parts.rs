//! Pieces both figures draw: the title, markers, and the legend box.

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::PlotError;
use super::style::{FONT, Sizes};

/// Draws `text` centred at the top of `root`, shrinking the font (to two thirds of its size)
/// until it fits, and breaking it at " — " onto two lines if even that is too wide. Returns
/// the height used.
pub fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    sizes: &Sizes,
) -> Result<u32, PlotError> {
    let (w, _) = root.dim_in_pixel();
    let room = w.saturating_sub(sizes.side(24.0));
    let fits = |t: &str, size: f64| -> Result<bool, PlotError> {
        let style = TextStyle::from((FONT, size).into_font());
        Ok(root.estimate_text_size(t, &style)?.0 <= room)
    };
    let full = sizes.title_font();
    let smallest = full * 2.0 / 3.0;
    let step = full / 27.0;
    let mut lines: Vec<String> = vec![text.to_string()];
    let mut size = full;
    while size > smallest && !fits(text, size)? {
        size -= step;
    }
    if !fits(text, size)?
        && let Some((a, b)) = text.split_once(" — ")
    {
        lines = vec![a.to_string(), b.to_string()];
        size = full;
        while size > smallest && !(fits(a, size)? && fits(b, size)?) {
            size -= step;
        }
    }
    let line_h = (size * 1.1).round() as i32;
    let top = sizes.int(8.0);
    let style = TextStyle::from((FONT, size).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (k, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.as_str(),
            ((w / 2) as i32, top + k as i32 * line_h),
            style.clone(),
        ))?;
    }
    Ok(title_height(sizes, lines.len()))
}

/// The height a title of `lines` lines takes at the full title size.
pub fn title_height(sizes: &Sizes, lines: usize) -> u32 {
    let line_h = (sizes.title_font() * 1.1).round() as u32;
    sizes.side(8.0) + lines as u32 * line_h + sizes.side(4.0)
}

/// A five-pointed star, `r` pixels across its points, centred on the origin.
pub fn star(r: f64) -> Vec<(i32, i32)> {
    (0..10)
        .map(|k| {
            let a = std::f64::consts::PI * (k as f64 / 5.0 - 0.5);
            let rr = if k % 2 == 0 { r } else { r * 0.45 };
            ((rr * a.cos()).round() as i32, (rr * a.sin()).round() as i32)
        })
        .collect()
}

pub fn diamond(r: i32) -> Vec<(i32, i32)> {
    vec![(0, -r), (r, 0), (0, r), (-r, 0)]
}

/// A triangle pointing up, for the point where a diverged run leaves the plot.
pub fn triangle(r: i32) -> Vec<(i32, i32)> {
    vec![(0, -r), (r, r * 4 / 5), (-r, r * 4 / 5)]
}

fn closed(mut v: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    if let Some(&f) = v.first() {
        v.push(f);
    }
    v
}

/// Marker shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Glyph {
    /// Filled circle with an outline (start).
    Dot,
    /// Hollow circle (snapshot).
    Ring,
    /// × with a white halo (end).
    Cross,
    /// Filled triangle with an outline (a diverged run leaving the plot).
    Triangle,
    /// Star (minimum).
    Star,
    /// Diamond (saddle point).
    Diamond,
    /// A line `size` pixels to each side with a dot in the middle (a run, in legends).
    Line,
    /// The same line in two dashes (a run drawn dashed, in legends).
    Dashed,
    /// The same line in dots (a curve drawn dotted, in legends).
    Dotted,
    /// An open circle in the fill colour (a validation point).
    Hollow,
    /// A small dot in the fill colour inside a ring in the edge colour (a misclassified
    /// point, in legends).
    Ringed,
}

/// A marker of fixed pixel size at a point of any coordinate system: one concrete element
/// type, usable both on the plot and in the legend.
pub struct Marker<C> {
    pub at: C,
    pub glyph: Glyph,
    /// Radius in pixels.
    pub size: i32,
    pub fill: RGBColor,
    pub edge: RGBColor,
}

impl<C> Marker<C> {
    pub fn new(at: C, glyph: Glyph, size: i32, fill: RGBColor, edge: RGBColor) -> Self {
        Marker {
            at,
            glyph,
            size,
            fill,
            edge,
        }
    }
}

impl<'a, C> PointCollection<'a, C> for &'a Marker<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Marker<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = points.next() else {
            return Ok(());
        };
        let r = self.size;
        // Outlines in proportion to the marker, so that markers scale as one.
        let stroke = |fraction: f64| ((f64::from(r) * fraction).round() as u32).max(1);
        let shift = |v: Vec<(i32, i32)>| -> Vec<(i32, i32)> {
            v.into_iter().map(|(a, b)| (x + a, y + b)).collect()
        };
        let polygon = |backend: &mut DB, outline: Vec<(i32, i32)>| {
            backend.fill_polygon(shift(outline.clone()), &self.fill.filled())?;
            backend.draw_path(shift(closed(outline)), &self.edge.stroke_width(stroke(0.2)))
        };
        match self.glyph {
            Glyph::Dot => {
                backend.draw_circle((x, y), r as u32, &self.fill.filled(), true)?;
                backend.draw_circle(
                    (x, y),
                    r as u32,
                    &self.edge.stroke_width(stroke(0.28)),
                    false,
                )
            }
            // A white halo keeps the ring visible on top of a path of the same colour.
            Glyph::Ring => {
                backend.draw_circle((x, y), r as u32, &WHITE.stroke_width(stroke(0.7)), false)?;
                backend.draw_circle(
                    (x, y),
                    r as u32,
                    &self.edge.stroke_width(stroke(0.3)),
                    false,
                )
            }
            Glyph::Cross => {
                for style in [
                    WHITE.stroke_width(stroke(0.85)),
                    self.edge.stroke_width(stroke(0.43)),
                ] {
                    backend.draw_path(shift(vec![(-r, -r), (r, r)]), &style)?;
                    backend.draw_path(shift(vec![(-r, r), (r, -r)]), &style)?;
                }
                Ok(())
            }
            Glyph::Triangle => polygon(backend, triangle(r)),
            Glyph::Star => polygon(backend, star(r as f64)),
            Glyph::Diamond => polygon(backend, diamond(r)),
            Glyph::Line => {
                backend.draw_path(
                    shift(vec![(-r, 0), (r, 0)]),
                    &self.fill.stroke_width(stroke(0.25)),
                )?;
                backend.draw_circle((x, y), stroke(0.3), &self.fill.filled(), true)
            }
            Glyph::Dashed => {
                // Two dashes and a gap 0.6 as long: a sample is too short for more dashes
                // that still read as dashes, not dots.
                let gap = (f64::from(2 * r) * 0.6 / 2.6).round() as i32;
                let half = (2 * r - gap) / 2;
                for from in [-r, r - half] {
                    backend.draw_path(
                        shift(vec![(from, 0), (from + half, 0)]),
                        &self.fill.stroke_width(stroke(0.25)),
                    )?;
                }
                Ok(())
            }
            Glyph::Dotted => {
                // Four dots across the sample's width, as wide as a dotted curve's stroke.
                let dot = stroke(0.16).max(1);
                for k in 0..4 {
                    let at = -r + (2 * r * k) / 3;
                    backend.draw_circle((x + at, y), dot, &self.fill.filled(), true)?;
                }
                Ok(())
            }
            Glyph::Hollow => backend.draw_circle(
                (x, y),
                r as u32,
                &self.fill.stroke_width(stroke(0.4)),
                false,
            ),
            Glyph::Ringed => {
                backend.draw_circle((x, y), stroke(0.5), &self.fill.filled(), true)?;
                backend.draw_circle(
                    (x, y),
                    r as u32,
                    &self.edge.stroke_width(stroke(0.22)),
                    false,
                )
            }
        }
    }
}

/// One entry of a legend: a symbol and its text.
#[derive(Clone, Debug)]
pub struct Entry {
    pub text: String,
    pub glyph: Glyph,
    /// The symbol's radius in pixels.
    pub size: i32,
    pub fill: RGBColor,
    pub edge: RGBColor,
}

/// A legend laid out in columns (filled top to bottom), measured before it is placed.
#[derive(Clone, Debug)]
pub struct LegendBox {
    entries: Vec<Entry>,
    font: f64,
    rows: usize,
    columns: usize,
    column_width: u32,
    row_height: u32,
    pad: u32,
    symbol_width: u32,
}

impl LegendBox {
    /// The entries in as many columns (up to 4) as fit in `width` pixels: the fewest rows.
    pub fn widest_fitting<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        entries: &[Entry],
        font: f64,
        width: u32,
    ) -> Result<LegendBox, PlotError> {
        let mut legend = LegendBox::measure(root, entries.to_vec(), font, 1)?;
        for columns in 2..=4 {
            let wider = LegendBox::measure(root, entries.to_vec(), font, columns)?;
            if wider.size().0 > width {
                break;
            }
            legend = wider;
        }
        Ok(legend)
    }

    /// The entries in `columns` columns (fewer if there are fewer entries) at font size
    /// `font`.
    pub fn measure<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        entries: Vec<Entry>,
        font: f64,
        columns: usize,
    ) -> Result<LegendBox, PlotError> {
        let style = TextStyle::from((FONT, font).into_font());
        let mut text_w = 0;
        for e in &entries {
            text_w = text_w.max(root.estimate_text_size(&e.text, &style)?.0);
        }
        let columns = columns.clamp(1, entries.len().max(1));
        let rows = entries.len().div_ceil(columns).max(1);
        let columns = entries.len().div_ceil(rows).max(1);
        let em = font / 1.24;
        let symbol_width = (em * 2.0).round() as u32;
        Ok(LegendBox {
            column_width: symbol_width + (em * 0.5).round() as u32 + text_w + (em).round() as u32,
            row_height: (em * 1.5).round() as u32,
            pad: (em * 0.5).round() as u32,
            symbol_width,
            entries,
            font,
            rows,
            columns,
        })
    }

    /// Width and height in pixels, the frame included.
    pub fn size(&self) -> (u32, u32) {
        (
            self.columns as u32 * self.column_width + self.pad,
            self.rows as u32 * self.row_height + 2 * self.pad,
        )
    }

    /// Draws the legend with its top-left corner at `(x0, y0)`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        (x0, y0): (i32, i32),
    ) -> Result<(), PlotError> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let (w, h) = self.size();
        let corner = (x0 + w as i32, y0 + h as i32);
        root.draw(&Rectangle::new([(x0, y0), corner], WHITE.mix(0.9).filled()))?;
        root.draw(&Rectangle::new([(x0, y0), corner], BLACK.mix(0.4)))?;
        let style = TextStyle::from((FONT, self.font).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (k, e) in self.entries.iter().enumerate() {
            let (col, row) = (k / self.rows, k % self.rows);
            let x = x0 + self.pad as i32 + col as i32 * self.column_width as i32;
            let y = y0
                + self.pad as i32
                + row as i32 * self.row_height as i32
                + self.row_height as i32 / 2;
            let centre = (x + self.symbol_width as i32 / 2, y);
            root.draw(&Marker::new(centre, e.glyph, e.size, e.fill, e.edge))?;
            let text_x = x + self.symbol_width as i32 + self.pad as i32;
            root.draw(&Text::new(e.text.as_str(), (text_x, y), style.clone()))?;
        }
        Ok(())
    }
}
