//! Where a run diverged, marked at the step it happened with that step written beside it.
//!
//! The mark sits at the run's last finite row: a triangle on the curve when that point is on
//! the axes, or an arrow at the top or bottom edge pointing out of the plot, at that step,
//! when it is off the scale (the axis stops short of a diverged run so the others stay
//! readable). Marks and their text lie wholly inside the plotting area, whatever the point.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::PlotError;
use super::super::parts::{Glyph, Marker};
use crate::core::Window;

/// The sizes of the marks in pixels, scaled with the figure (see `style::Sizes`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dims {
    /// The triangle's radius (its outline adds 2).
    pub marker: i32,
    /// The arrow: head length and half-width, shaft length.
    pub head: i32,
    pub head_half: i32,
    pub shaft: i32,
    /// Room between a glyph and its text, and around the text.
    pub gap: i32,
}

impl Dims {
    /// The sizes at the reference figure (1000×800, scale 1), times `k`.
    pub fn scaled(k: f64) -> Dims {
        let px = |v: f64| (v * k).round().max(1.0) as i32;
        Dims {
            marker: px(8.0),
            head: px(12.0),
            head_half: px(7.0),
            shaft: px(18.0),
            gap: px(6.0),
        }
    }
}

/// A diverged run's last finite row, in axis coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
    /// The run's index (its colour).
    pub run: usize,
    pub x: f64,
    pub y: f64,
    /// The step the run diverged at, as the summary reports it.
    pub step: u64,
}

/// Which edge an off-scale arrow points out of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Top,
    Bottom,
}

/// The glyph of a mark, in pixels of the plotting area (origin top left).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The last finite point is on the axes: a triangle centred there.
    Marker { at: (i32, i32) },
    /// Off the scale: an arrow at column `x` whose tip touches `edge`.
    Arrow { x: i32, edge: Edge },
}

/// A pixel rectangle: left, top, right, bottom (inclusive).
pub type Rect = (i32, i32, i32, i32);

/// A mark laid out.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub run: usize,
    pub glyph: Mark,
    pub text: String,
    /// The text's box; the text is drawn from its top left.
    pub text_box: Rect,
}

impl Mark {
    /// Everything the glyph paints, outline included.
    pub fn bounds(&self, (_, h): (i32, i32), d: &Dims) -> Rect {
        match *self {
            Mark::Marker { at: (x, y) } => {
                let r = d.marker + 2;
                (x - r, y - r, x + r, y + r)
            }
            Mark::Arrow { x, edge } => {
                let length = d.head + d.shaft;
                match edge {
                    Edge::Top => (x - d.head_half, 0, x + d.head_half, length),
                    Edge::Bottom => (x - d.head_half, h - 1 - length, x + d.head_half, h - 1),
                }
            }
        }
    }
}

fn overlap(a: Rect, b: Rect) -> bool {
    a.0 <= b.2 && b.0 <= a.2 && a.1 <= b.3 && b.1 <= a.3
}

fn inside(r: Rect, (w, h): (i32, i32)) -> bool {
    r.0 >= 0 && r.1 >= 0 && r.2 < w && r.3 < h
}

/// Lays out every mark in a plotting area of `size` pixels showing `win`: glyphs at their
/// step, texts beside them where they cover no other mark, as few of the `drawn` curve
/// pixels as can be and, that equal, as few of the `keep_clear` rectangles (where a legend
/// may go). `text_size` measures a text in pixels.
pub fn place(
    marks: &[Divergence],
    win: &Window,
    size: (i32, i32),
    text_size: impl Fn(&str) -> (i32, i32),
    drawn: &[(i32, i32)],
    keep_clear: &[Rect],
    d: &Dims,
) -> Vec<Placed> {
    let (w, h) = size;
    let per_px = [
        (win.x[1] - win.x[0]) / f64::from(w.max(1)),
        (win.y[1] - win.y[0]) / f64::from(h.max(1)),
    ];
    // A pixel of the area, clamped so that `margin` pixels around it stay inside.
    let column = |x: f64, margin: i32| {
        let px = ((x - win.x[0]) / per_px[0]).round();
        clamp(px, margin, w - 1 - margin)
    };
    let row = |y: f64, margin: i32| {
        let py = ((win.y[1] - y) / per_px[1]).round();
        clamp(py, margin, h - 1 - margin)
    };
    let mut taken: Vec<Rect> = Vec::new();
    let glyphs: Vec<Mark> = marks
        .iter()
        .map(|m| {
            if m.y > win.y[1] {
                Mark::Arrow {
                    x: column(m.x, d.head_half),
                    edge: Edge::Top,
                }
            } else if m.y < win.y[0] {
                Mark::Arrow {
                    x: column(m.x, d.head_half),
                    edge: Edge::Bottom,
                }
            } else {
                let margin = d.marker + 2;
                Mark::Marker {
                    at: (column(m.x, margin), row(m.y, margin)),
                }
            }
        })
        .collect();
    taken.extend(glyphs.iter().map(|g| g.bounds(size, d)));
    let mut placed = Vec::with_capacity(marks.len());
    for (m, glyph) in marks.iter().zip(glyphs) {
        let text = format!("diverged at step {}", m.step);
        let (tw, th) = text_size(&text);
        let g = glyph.bounds(size, d);
        // Beside the glyph, level with its middle, right then left; then stepped away from
        // the glyph a line at a time (downwards from the top edge, upwards from the bottom).
        let middle = (g.1 + g.3) / 2 - th / 2;
        let lines: Vec<i32> = match glyph {
            Mark::Arrow {
                edge: Edge::Top, ..
            } => (0..8).collect(),
            Mark::Arrow {
                edge: Edge::Bottom, ..
            } => (0..8).map(|k| -k).collect(),
            Mark::Marker { .. } => (0..8).flat_map(|k| [k, -k]).skip(1).collect(),
        };
        let candidates = lines.iter().flat_map(|k| {
            let top = middle + k * (th + d.gap);
            [
                (g.2 + d.gap, top, g.2 + d.gap + tw, top + th),
                (g.0 - d.gap - tw, top, g.0 - d.gap, top + th),
            ]
        });
        let score = |r: Rect| {
            let others = taken.iter().filter(|&&t| t != g && overlap(r, t)).count();
            let covered = drawn
                .iter()
                .filter(|&&(x, y)| x >= r.0 && x <= r.2 && y >= r.1 && y <= r.3)
                .count();
            let cleared = keep_clear.iter().filter(|&&k| overlap(r, k)).count();
            (others, covered, cleared)
        };
        let best = candidates
            .filter(|&r| inside(r, size))
            .min_by_key(|&r| score(r))
            .unwrap_or_else(|| {
                // The area is smaller than the text: keep its start inside at least.
                let left = clamp(f64::from(g.2 + d.gap), 0, (w - tw).max(0));
                let top = clamp(f64::from(middle), 0, (h - th).max(0));
                (left, top, left + tw, top + th)
            });
        taken.push(best);
        placed.push(Placed {
            run: m.run,
            glyph,
            text,
            text_box: best,
        });
    }
    placed
}

fn clamp(v: f64, lo: i32, hi: i32) -> i32 {
    if hi < lo {
        return (lo + hi) / 2;
    }
    if v.is_nan() {
        return lo;
    }
    v.clamp(f64::from(lo), f64::from(hi)) as i32
}

/// Draws laid-out marks on the plotting area, in pixels, each in its run's colour.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    placed: &[Placed],
    color: impl Fn(usize) -> RGBColor,
    font: TextStyle<'_>,
    d: &Dims,
) -> Result<(), PlotError> {
    let (_, h) = area.dim_in_pixel();
    let h = h as i32;
    for p in placed {
        let c = color(p.run);
        match p.glyph {
            Mark::Marker { at } => {
                area.draw(&Marker::new(at, Glyph::Triangle, d.marker, c, BLACK))?;
            }
            Mark::Arrow { x, edge } => {
                // Tip on the edge, head towards the inside, the shaft behind it.
                let (tip, base, tail) = match edge {
                    Edge::Top => (0, d.head, d.head + d.shaft),
                    Edge::Bottom => (h - 1, h - 1 - d.head, h - 1 - d.head - d.shaft),
                };
                area.draw(&PathElement::new(
                    vec![(x, base), (x, tail)],
                    c.stroke_width(3),
                ))?;
                let head = vec![(x, tip), (x - d.head_half, base), (x + d.head_half, base)];
                area.draw(&Polygon::new(head.clone(), c.filled()))?;
                let mut outline = head;
                outline.push(outline[0]);
                area.draw(&PathElement::new(outline, BLACK.stroke_width(1)))?;
            }
        }
        let (l, t, r, b) = p.text_box;
        area.draw(&Rectangle::new(
            [(l - 2, t - 1), (r + 2, b + 1)],
            WHITE.mix(0.8).filled(),
        ))?;
        area.draw(&Text::new(
            p.text.as_str(),
            (l, t),
            font.clone().pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About what DejaVu Sans at the tick size measures: 8 px a character, 15 px high.
    fn measure(text: &str) -> (i32, i32) {
        (text.chars().count() as i32 * 8, 15)
    }

    const WIN: Window = Window {
        x: [0.0, 300.0],
        y: [-5.0, 5.0],
    };
    const SIZE: (i32, i32) = (800, 400);

    fn all_inside(placed: &[Placed]) {
        for p in placed {
            assert!(
                inside(p.glyph.bounds(SIZE, &Dims::scaled(1.0)), SIZE),
                "{p:?}"
            );
            assert!(inside(p.text_box, SIZE), "{p:?}");
        }
    }

    #[test]
    fn an_off_scale_divergence_is_an_arrow_at_its_own_step() {
        // Diverged at step 137 with its last finite loss far above the axis (the curve left
        // the axis long before, near step 41).
        let mark = Divergence {
            run: 0,
            x: 137.0,
            y: 13.0,
            step: 137,
        };
        let placed = place(&[mark], &WIN, SIZE, measure, &[], &[], &Dims::scaled(1.0));
        assert_eq!(placed.len(), 1);
        let Mark::Arrow { x, edge } = placed[0].glyph else {
            panic!("{:?}", placed[0].glyph)
        };
        assert_eq!(edge, Edge::Top);
        assert!(
            (x - (137.0f64 / 300.0 * 800.0).round() as i32).abs() <= 1,
            "{x}"
        );
        assert_eq!(placed[0].text, "diverged at step 137");
        all_inside(&placed);
        // Below the axis: at the bottom edge.
        let low = Divergence { y: -9.0, ..mark };
        let placed = place(&[low], &WIN, SIZE, measure, &[], &[], &Dims::scaled(1.0));
        assert!(matches!(
            placed[0].glyph,
            Mark::Arrow {
                edge: Edge::Bottom,
                ..
            }
        ));
        all_inside(&placed);
    }

    #[test]
    fn an_on_scale_divergence_is_marked_on_the_curve_and_never_clipped() {
        let on = Divergence {
            run: 1,
            x: 60.0,
            y: 1.0,
            step: 61,
        };
        let placed = place(&[on], &WIN, SIZE, measure, &[], &[], &Dims::scaled(1.0));
        assert_eq!(placed[0].glyph, Mark::Marker { at: (160, 160) });
        assert_eq!(placed[0].text, "diverged at step 61");
        // At the corners of the axes (the last step, the top of the range) the triangle and
        // the text move in until they fit whole.
        for (x, y) in [(300.0, 5.0), (0.0, -5.0), (300.0, -5.0), (0.0, 5.0)] {
            let corner = Divergence { x, y, ..on };
            let placed = place(&[corner], &WIN, SIZE, measure, &[], &[], &Dims::scaled(1.0));
            assert!(matches!(placed[0].glyph, Mark::Marker { .. }));
            all_inside(&placed);
        }
    }

    #[test]
    fn texts_of_nearby_marks_do_not_overlap_and_avoid_curves() {
        let marks: Vec<Divergence> = (0..4)
            .map(|k| Divergence {
                run: k,
                x: 150.0 + k as f64,
                y: 10.0,
                step: 150 + k as u64,
            })
            .collect();
        let placed = place(&marks, &WIN, SIZE, measure, &[], &[], &Dims::scaled(1.0));
        all_inside(&placed);
        for (i, a) in placed.iter().enumerate() {
            for b in &placed[i + 1..] {
                assert!(!overlap(a.text_box, b.text_box), "{a:?} {b:?}");
            }
        }
        // A curve running right of the mark sends the text to its left.
        let on = Divergence {
            run: 0,
            x: 150.0,
            y: 0.0,
            step: 150,
        };
        let curve: Vec<(i32, i32)> = (400..800).map(|x| (x, 200)).collect();
        let placed = place(&[on], &WIN, SIZE, measure, &curve, &[], &Dims::scaled(1.0));
        assert!(placed[0].text_box.2 < 400, "{:?}", placed[0].text_box);
        // With room on both sides, the side clear of where a legend may go.
        let legend = (600, 0, 799, 150);
        let high = Divergence {
            x: 210.0,
            y: 4.0,
            ..on
        };
        let free = place(&[high], &WIN, SIZE, measure, &[], &[], &Dims::scaled(1.0));
        assert!(overlap(free[0].text_box, legend), "{:?}", free[0].text_box);
        let placed = place(
            &[high],
            &WIN,
            SIZE,
            measure,
            &[],
            &[legend],
            &Dims::scaled(1.0),
        );
        assert!(
            !overlap(placed[0].text_box, legend),
            "{:?}",
            placed[0].text_box
        );
    }

    #[test]
    fn a_tiny_area_or_odd_numbers_do_not_panic() {
        let odd = Divergence {
            run: 0,
            x: f64::NAN,
            y: f64::INFINITY,
            step: 3,
        };
        for size in [(10, 10), (0, 0), (800, 400)] {
            let placed = place(&[odd], &WIN, size, measure, &[], &[], &Dims::scaled(1.0));
            assert_eq!(placed.len(), 1);
        }
    }
}
