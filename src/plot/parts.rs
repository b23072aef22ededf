//! Pieces both figures draw: the title, markers, and where the legend goes.

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::PlotError;
use super::style::{FONT, TITLE_SIZE};

/// Draws `text` centred at the top of `root`, shrinking the font (down to 14 px, size 17.4) until it fits,
/// and breaking it at " — " onto two lines if even that is too wide. Returns the height used.
pub fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<u32, PlotError> {
    let (w, _) = root.dim_in_pixel();
    let room = w.saturating_sub(24);
    let fits = |t: &str, size: f64| -> Result<bool, PlotError> {
        let style = TextStyle::from((FONT, size).into_font());
        Ok(root.estimate_text_size(t, &style)?.0 <= room)
    };
    let mut lines: Vec<String> = vec![text.to_string()];
    let mut size = TITLE_SIZE;
    while size > 17.4 && !fits(text, size)? {
        size -= 1.0;
    }
    if !fits(text, size)?
        && let Some((a, b)) = text.split_once(" — ")
    {
        lines = vec![a.to_string(), b.to_string()];
        size = TITLE_SIZE;
        while size > 17.4 && !(fits(a, size)? && fits(b, size)?) {
            size -= 1.0;
        }
    }
    let line_h = (size * 1.3).round() as i32;
    let style = TextStyle::from((FONT, size).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (k, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.as_str(),
            ((w / 2) as i32, 10 + k as i32 * line_h),
            style.clone(),
        ))?;
    }
    Ok(10 + lines.len() as u32 * line_h as u32 + 6)
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
        let shift = |v: Vec<(i32, i32)>| -> Vec<(i32, i32)> {
            v.into_iter().map(|(a, b)| (x + a, y + b)).collect()
        };
        let polygon = |backend: &mut DB, outline: Vec<(i32, i32)>| {
            backend.fill_polygon(shift(outline.clone()), &self.fill.filled())?;
            backend.draw_path(shift(closed(outline)), &self.edge.stroke_width(2))
        };
        match self.glyph {
            Glyph::Dot => {
                backend.draw_circle((x, y), r as u32, &self.fill.filled(), true)?;
                backend.draw_circle((x, y), r as u32, &self.edge.stroke_width(2), false)
            }
            // A white halo keeps the ring visible on top of a path of the same colour.
            Glyph::Ring => {
                backend.draw_circle((x, y), r as u32, &WHITE.stroke_width(7), false)?;
                backend.draw_circle((x, y), r as u32, &self.edge.stroke_width(3), false)
            }
            Glyph::Cross => {
                for (style, _) in [(WHITE.stroke_width(6), 0), (self.edge.stroke_width(3), 1)] {
                    backend.draw_path(shift(vec![(-r, -r), (r, r)]), &style)?;
                    backend.draw_path(shift(vec![(-r, r), (r, -r)]), &style)?;
                }
                Ok(())
            }
            Glyph::Triangle => polygon(backend, triangle(r)),
            Glyph::Star => polygon(backend, star(r as f64)),
            Glyph::Diamond => polygon(backend, diamond(r)),
            Glyph::Line => {
                backend.draw_path(shift(vec![(-r, 0), (r, 0)]), &self.fill.stroke_width(3))?;
                backend.draw_circle((x, y), 4, &self.fill.filled(), true)
            }
        }
    }
}

/// Which corner of a `w × h` plot area a legend of `lw × lh` pixels covers least of, given the
/// pixel positions of what is drawn there. Ties go to the upper right.
pub fn legend_corner(
    points: &[(i32, i32)],
    (w, h): (i32, i32),
    (lw, lh): (i32, i32),
) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, w - lw, 0),
        (SeriesLabelPosition::UpperLeft, 0, 0),
        (SeriesLabelPosition::LowerRight, w - lw, h - lh),
        (SeriesLabelPosition::LowerLeft, 0, h - lh),
    ];
    let mut best = (usize::MAX, 0);
    for (k, &(_, x0, y0)) in corners.iter().enumerate() {
        let n = points
            .iter()
            .filter(|&&(x, y)| x >= x0 && x <= x0 + lw && y >= y0 && y <= y0 + lh)
            .count();
        if n < best.0 {
            best = (n, k);
        }
    }
    match best.1 {
        0 => SeriesLabelPosition::UpperRight,
        1 => SeriesLabelPosition::UpperLeft,
        2 => SeriesLabelPosition::LowerRight,
        _ => SeriesLabelPosition::LowerLeft,
    }
}
