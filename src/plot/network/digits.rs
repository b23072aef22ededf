//! The digits figure: for each run a confusion matrix (rows the true digit, columns the
//! predicted one, the count written in every cell that has one) and beside it a strip of the
//! images it got wrong, each captioned "true→predicted". The diagonal (right) is in a blue
//! and the confusions in an orange, each by its share of the true digit's images, so the
//! diagonal stands out and so does every digit mistaken for another.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::FontTransform;

use super::super::PlotError;
use super::super::parts::title;
use super::super::style::{FONT, Sizes, luminance};
use super::regions::mix;
use super::{DigitsPanel, DigitsScene, MISCLASSIFIED_SHOWN, Rect, heading, percent};

/// Right answers and confusions: the first two run colours, blue and vermillion.
pub(super) const RIGHT: RGBColor = RGBColor(0, 114, 178);
pub(super) const WRONG: RGBColor = RGBColor(213, 94, 0);
/// A count is written when its cell is at least this many pixels across.
const SMALLEST_CELL_FOR_TEXT: u32 = 12;

/// Where the figure put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct DigitsLayout {
    pub panels: Vec<PanelLayout>,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct PanelLayout {
    /// The matrix, and one cell's side.
    pub matrix: Rect,
    pub cell: u32,
    /// Whether the counts are written.
    pub counts: bool,
    /// Each image of the strip.
    pub images: Vec<Rect>,
}

/// Columns and rows of the panel grid: one column up to three runs, then two, then three.
pub(super) fn grid(panels: usize) -> (usize, usize) {
    let columns = match panels {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    (columns, panels.max(1).div_ceil(columns))
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &DigitsScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<DigitsLayout, PlotError> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (columns, rows) = grid(scene.panels.len());
    // Text in proportion to a panel: a cell of 900 × 420 pixels writes as the reference
    // figure does, and no cell writes larger.
    let sizes = super::sizes_per_cell((w, h), (columns, rows), (900, 420), scene.scale);
    let mut top = title(
        root,
        &heading(&scene.title, "what each run confuses"),
        &sizes,
    )?;
    let key = "rows: true digit · columns: predicted · colour: share of the true digit's \
               images, blue right, orange confused";
    let style = TextStyle::from((FONT, sizes.tick_font()).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    root.draw(&Text::new(key, ((w / 2) as i32, top as i32), style))?;
    top += (sizes.tick_font() / 1.24 * 1.6).round() as u32;
    let cell_w = w / columns as u32;
    let cell_h = h.saturating_sub(top) / rows as u32;
    let mut panels = Vec::new();
    for (k, panel) in scene.panels.iter().enumerate() {
        let (column, row) = (k % columns, k / columns);
        let rect = (
            (column as u32 * cell_w) as i32,
            top as i32 + (row as u32 * cell_h) as i32,
            cell_w,
            cell_h,
        );
        panels.push(draw_panel(root, panel, rect, &sizes)?);
    }
    Ok(DigitsLayout { panels })
}

/// The matrix as a square of `n × n` counts (ragged rows padded with 0).
fn square(confusion: &[Vec<usize>]) -> (usize, Vec<Vec<usize>>) {
    let n = confusion
        .len()
        .max(confusion.iter().map(Vec::len).max().unwrap_or(0));
    let rows = (0..n)
        .map(|t| {
            (0..n)
                .map(|p| {
                    confusion
                        .get(t)
                        .and_then(|r| r.get(p))
                        .copied()
                        .unwrap_or(0)
                })
                .collect()
        })
        .collect();
    (n, rows)
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &DigitsPanel,
    (left, top, width, height): Rect,
    sizes: &Sizes,
) -> Result<PanelLayout, PlotError> {
    let (n, counts) = square(&panel.confusion);
    let total: usize = counts.iter().flatten().sum();
    let right: usize = (0..n).map(|k| counts[k][k]).sum();
    let accuracy = if total > 0 {
        right as f64 / total as f64
    } else {
        f64::NAN
    };
    let heading = format!(
        "{} — accuracy {} of {total} images",
        panel.label,
        percent(accuracy)
    );
    let font = sizes.legend_font() * 1.05;
    let style = TextStyle::from((FONT, font).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let pad = sizes.int(12.0);
    root.draw(&Text::new(
        heading,
        (left + pad, top + sizes.int(4.0)),
        style,
    ))?;
    let heading_h = (font / 1.24 * 1.5).round() as u32 + sizes.side(4.0);

    // The matrix: its caption and digit labels above and to the left.
    let tick = sizes.tick_font();
    let label_px = (tick / 1.24).round() as u32;
    let axis_room = label_px * 2 + sizes.side(14.0);
    let body_top = top + heading_h as i32;
    let body_h = height.saturating_sub(heading_h + sizes.side(10.0));
    let side = body_h
        .saturating_sub(axis_room)
        .min((f64::from(width) * 0.5) as u32 - axis_room.min(width / 4));
    let cell = if n > 0 { side / n as u32 } else { 0 };
    let side = cell * n as u32;
    let mx = left + pad + axis_room as i32;
    let my = body_top + axis_room as i32;
    let counts_shown = cell >= SMALLEST_CELL_FOR_TEXT;
    let captions = TextStyle::from((FONT, tick).into_font()).color(&BLACK);
    root.draw(&Text::new(
        "predicted",
        (mx + side as i32 / 2, body_top),
        captions.pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        "true",
        (left + pad, my + side as i32 / 2),
        captions
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    for k in 0..n {
        let centre = |at: i32| at + (k as u32 * cell + cell / 2) as i32;
        root.draw(&Text::new(
            k.to_string(),
            (centre(mx), my - sizes.int(4.0)),
            captions.pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        root.draw(&Text::new(
            k.to_string(),
            (mx - sizes.int(6.0), centre(my)),
            captions.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    for (t, row) in counts.iter().enumerate() {
        let images: usize = row.iter().sum();
        for (p, &count) in row.iter().enumerate() {
            let share = if images > 0 {
                count as f64 / images as f64
            } else {
                0.0
            };
            let fill = cell_color(t == p, share);
            let (x0, y0) = (mx + (p as u32 * cell) as i32, my + (t as u32 * cell) as i32);
            let corner = (x0 + cell as i32, y0 + cell as i32);
            root.draw(&Rectangle::new([(x0, y0), corner], fill.filled()))?;
            if counts_shown && count > 0 {
                let ink = if luminance(fill) < 0.3 { WHITE } else { BLACK };
                let size = (f64::from(cell) * 0.42 * 1.24).min(tick * 1.1);
                let size = if count >= 100 { size * 0.85 } else { size };
                let style = TextStyle::from((FONT, size).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let centre = (x0 + cell as i32 / 2, y0 + cell as i32 / 2);
                root.draw(&Text::new(count.to_string(), centre, style))?;
            }
        }
    }
    // Faint lines between the cells: an empty cell still reads as its row and column.
    for k in 1..n as i32 {
        let at = k * cell as i32;
        let faint = BLACK.mix(0.08);
        root.draw(&PathElement::new(
            vec![(mx + at, my), (mx + at, my + side as i32)],
            faint,
        ))?;
        root.draw(&PathElement::new(
            vec![(mx, my + at), (mx + side as i32, my + at)],
            faint,
        ))?;
    }
    root.draw(&Rectangle::new(
        [(mx, my), (mx + side as i32, my + side as i32)],
        BLACK.mix(0.6).stroke_width(sizes.side(1.0)),
    ))?;

    // The strip, right of the matrix: as large as 16 images and their captions fit.
    let strip_left = mx + side as i32 + sizes.int(30.0);
    let strip_w = (left + width as i32 - pad - strip_left).max(0) as u32;
    let shown = &panel.misclassified[..panel.misclassified.len().min(MISCLASSIFIED_SHOWN)];
    let images = draw_strip(
        root,
        shown,
        (
            strip_left,
            my,
            strip_w,
            side.max(body_h.saturating_sub(axis_room)),
        ),
        panel.misclassified.len(),
        sizes,
    )?;
    Ok(PanelLayout {
        matrix: (mx, my, side, side),
        cell,
        counts: counts_shown,
        images,
    })
}

/// A cell's colour: white for nothing, towards blue (right) or orange (confused) with the
/// share of the true digit's images in it. Confusions take the square root of their share,
/// so that a digit mistaken a few times still shows.
pub(super) fn cell_color(diagonal: bool, share: f64) -> RGBColor {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if share == 0.0 {
        return RGBColor(255, 255, 255);
    }
    let (color, strength) = if diagonal {
        (RIGHT, 0.12 + 0.88 * share)
    } else {
        (WRONG, 0.15 + 0.85 * share.sqrt())
    };
    mix(RGBColor(255, 255, 255), color, strength)
}

/// The misclassified images in a grid within `area`, each scaled by whole pixels (nearest
/// neighbour) and captioned "true→predicted". Returns each image's rectangle.
fn draw_strip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    shown: &[super::Misclassified],
    (left, top, width, height): Rect,
    all: usize,
    sizes: &Sizes,
) -> Result<Vec<Rect>, PlotError> {
    let tick = sizes.tick_font();
    let caption_h = (tick / 1.24 * 1.4).round() as u32;
    let heading = if all == 0 {
        "no misclassified images".to_string()
    } else if all > shown.len() {
        format!("misclassified: {} of {all}", shown.len())
    } else {
        "misclassified".to_string()
    };
    let style = TextStyle::from((FONT, tick).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(heading, (left, top), style))?;
    let top = top + caption_h as i32;
    let height = height.saturating_sub(caption_h);
    if shown.is_empty() || width == 0 {
        return Ok(Vec::new());
    }
    let gap = sizes.side(10.0);
    // The largest multiple of 8 pixels for which the images fit in some number of columns.
    let fits = |px: u32| {
        let columns = ((width + gap) / (px + gap)).max(1) as usize;
        let rows = shown.len().div_ceil(columns) as u32;
        (columns * (px + gap) as usize <= (width + gap) as usize
            && rows * (px + caption_h + gap) <= height)
            .then_some(columns)
    };
    let (px, columns) = (1..=12)
        .rev()
        .map(|k| k * 8)
        .find_map(|px| fits(px).map(|c| (px, c)))
        .unwrap_or((8, (width / 18).max(1) as usize));
    let mut rects = Vec::new();
    for (k, image) in shown.iter().enumerate() {
        let (c, r) = ((k % columns) as u32, (k / columns) as u32);
        let x = left + (c * (px + gap)) as i32;
        let y = top + (r * (px + caption_h + gap)) as i32;
        let scale = px / 8;
        let mut rgb = Vec::with_capacity((px * px * 3) as usize);
        for yy in 0..px {
            for xx in 0..px {
                let v = image
                    .pixels
                    .get(((yy / scale) * 8 + xx / scale) as usize)
                    .copied()
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0)
                    .clamp(0.0, 1.0);
                let grey = (255.0 * (1.0 - v)).round() as u8;
                rgb.extend([grey, grey, grey]);
            }
        }
        if let Some(bitmap) = BitMapElement::with_owned_buffer((x, y), (px, px), rgb) {
            root.draw(&bitmap)?;
        }
        root.draw(&Rectangle::new(
            [(x - 1, y - 1), (x + px as i32, y + px as i32)],
            BLACK.mix(0.35),
        ))?;
        let caption = format!("{}→{}", image.label, image.predicted);
        let style = TextStyle::from((FONT, tick).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(
            caption,
            (x + px as i32 / 2, y + px as i32 + sizes.int(3.0)),
            style,
        ))?;
        rects.push((x, y, px, px));
    }
    Ok(rects)
}
