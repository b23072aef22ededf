//! Draws a [`NetworkModel`]: the selected run's decision regions on the left (two pixels a
//! cell, in half blocks, painted as the boundaries figure paints them, with the training
//! points ● and the validation points ○ on top in their class colours), or its confusion
//! matrix when the examples are not points of a plane; a side panel with every run's step,
//! losses and accuracies, the selected run's knobs and its loss curves; the keys at the
//! bottom.

use crate::core::network::transfer::TransferMode;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Wrap};

use crate::core::Status;
use crate::number::{compact, short};
use crate::plot::network::{class_color, confusion_color, regions_raster};
use crate::plot::style::{RGBColor, contrast};

use super::network_knobs::batch_text;
use super::network_state::{NetworkModel, Picture, REGION_GRID};
use super::view::{self, Areas, color, rgb};

/// The keys, as the two help lines show them.
pub const HELP: &str = "space play/pause · → step · +/− speed · tab run · l/L lr −/+ · \
                        m/M momentum −/+ · d/D dropout −/+\n\
                        w/W l2 −/+ · b/B batch −/+ · n/N data noise −/+ · r restart · \
                        e export · q quit";

/// The side panel's width: wider than the surface playground's, for four numbers a run.
const SIDE: [u16; 2] = [56, 62];

/// Where the parts of the screen go; `None` when it is too small.
pub fn layout(area: Rect) -> Option<Areas> {
    view::layout_with(area, SIDE)
}

/// An RGB colour as the terminal shows it.
fn shown(c: RGBColor) -> Color {
    color(c.0, c.1, c.2)
}

pub fn draw(frame: &mut Frame, model: &NetworkModel) {
    let Some(areas) = layout(frame.area()) else {
        frame.render_widget(
            Paragraph::new(format!(
                "optplay play: make the terminal larger ({}×{} at least) · q quits",
                SIDE[0] + view::MIN_MAP_WIDTH,
                view::MIN_HEIGHT
            ))
            .wrap(Wrap { trim: true }),
            frame.area(),
        );
        return;
    };
    match &model.picture {
        Picture::Regions {
            probabilities,
            step,
            run,
        } => draw_regions(frame, model, areas, probabilities, (*run, *step)),
        Picture::Confusion {
            counts,
            on_validation,
            step,
            run,
        } => draw_confusion(frame, model, areas, counts, *on_validation, (*run, *step)),
    }
    draw_side(frame, model, areas.side);
    frame.render_widget(
        Paragraph::new(HELP)
            .style(Style::new().fg(Color::Gray))
            .wrap(Wrap { trim: true }),
        areas.help,
    );
}

/// The map's border, titled with what it shows.
fn map_block(model: &NetworkModel, (run, step): (usize, u64), what: &str) -> Block<'static> {
    let label = &model.experiment.runs[run].label;
    Block::bordered().title(Line::from(vec![
        Span::raw(format!(" {} · ", model.problem().data_kind())),
        Span::styled(
            label.clone(),
            Style::new().fg(rgb(run)).add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(" · {what} at step {step} ")),
    ]))
}

fn draw_regions(
    frame: &mut Frame,
    model: &NetworkModel,
    areas: Areas,
    probabilities: &[f32],
    (run, step): (usize, u64),
) {
    frame.render_widget(
        map_block(model, (run, step), "decision regions")
            .title_bottom(" ● training · ○ validation · paler: the model is less sure "),
        areas.map_block,
    );
    let map = areas.map;
    // A square of pixels, two a cell, centred; its top on a cell's top.
    let side = (u32::from(map.width).min(2 * u32::from(map.height))) & !1;
    let left = (u32::from(map.width) - side) / 2;
    let top = ((2 * u32::from(map.height) - side) / 2) & !1;
    let classes = model.problem().train.classes;
    let Ok(raster) = regions_raster(
        probabilities,
        [REGION_GRID, REGION_GRID],
        classes,
        model.window,
        (side, side),
    ) else {
        return;
    };
    let pixel = |px: u32, py: u32| {
        let at = ((py * side + px) * 3) as usize;
        RGBColor(raster[at], raster[at + 1], raster[at + 2])
    };
    let buf = frame.buffer_mut();
    for py in (0..side).step_by(2) {
        for px in 0..side {
            let cell = (map.x + (left + px) as u16, map.y + ((top + py) / 2) as u16);
            buf[cell]
                .set_symbol("▀")
                .set_fg(shown(pixel(px, py)))
                .set_bg(shown(pixel(px, py + 1)));
        }
    }
    let problem = model.problem();
    let [[x0, x1], [y0, y1]] = model.window;
    let dot = |buf: &mut Buffer, at: [f64; 2], label: usize, symbol: &str| {
        let fx = (at[0] - x0) / (x1 - x0);
        let fy = (y1 - at[1]) / (y1 - y0);
        if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
            return;
        }
        let (px, py) = ((fx * side as f64) as u32, (fy * side as f64) as u32);
        let cell = (map.x + (left + px) as u16, map.y + ((top + py) / 2) as u16);
        buf[cell]
            .set_symbol(symbol)
            .set_fg(shown(point_color(label)))
            .set_bg(shown(pixel(px, py)));
    };
    // Training points last: they are what the model is fitted to, so they stay in sight.
    for (set, symbol) in [(&problem.validation, "○"), (&problem.train, "●")] {
        for (x, &label) in set.features.rows().into_iter().zip(&set.labels) {
            dot(buf, [x[0], x[1]], label, symbol);
        }
    }
}

/// A point's colour: its class's, a little darker, so that it stands out on its own class's
/// region (the figure rings its points for the same reason).
fn point_color(class: usize) -> RGBColor {
    let c = class_color(class);
    let darker = |v: u8| (f64::from(v) * 0.8).round() as u8;
    RGBColor(darker(c.0), darker(c.1), darker(c.2))
}

fn draw_confusion(
    frame: &mut Frame,
    model: &NetworkModel,
    areas: Areas,
    counts: &[Vec<usize>],
    on_validation: bool,
    (run, step): (usize, u64),
) {
    let set = if on_validation {
        "validation"
    } else {
        "training"
    };
    frame.render_widget(
        map_block(model, (run, step), &format!("confusion on the {set} set"))
            .title_bottom(" rows true, columns predicted · blue right, orange wrong "),
        areas.map_block,
    );
    let map = areas.map;
    let k = counts.len() as u16;
    // A column of row labels, then a cell per class, as wide and tall as fit: at most 6×3,
    // square on screen.
    let cell_w = (map.width.saturating_sub(4) / k.max(1)).min(6);
    let cell_h = (map.height.saturating_sub(2) / k.max(1)).min(3);
    let buf = frame.buffer_mut();
    if cell_w < 3 || cell_h < 1 {
        let note = format!("{k} classes do not fit here: the panel has the accuracies");
        buf.set_string(map.x + 1, map.y + 1, note, Style::new());
        return;
    }
    let (grid_w, grid_h) = (4 + k * cell_w, 1 + k * cell_h);
    let x = map.x + (map.width - grid_w) / 2;
    let y = map.y + (map.height - grid_h) / 2;
    let dim = Style::new().fg(Color::Gray);
    for class in 0..k {
        let centre = |width: u16, text: &str| (width.saturating_sub(text.len() as u16)) / 2;
        let name = class.to_string();
        let column = x + 4 + class * cell_w;
        buf.set_string(column + centre(cell_w, &name), y, &name, dim);
        buf.set_string(x + 1, y + 1 + class * cell_h + cell_h / 2, &name, dim);
    }
    for (truth, row) in counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (predicted, &count) in row.iter().enumerate() {
            let share = if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            };
            let bg = confusion_color(truth == predicted, share);
            let area = Rect::new(
                x + 4 + predicted as u16 * cell_w,
                y + 1 + truth as u16 * cell_h,
                cell_w,
                cell_h,
            );
            // The count in black or white, whichever reads better on the cell.
            let ink = [RGBColor(20, 20, 20), RGBColor(255, 255, 255)]
                .into_iter()
                .max_by(|a, b| contrast(*a, bg).total_cmp(&contrast(*b, bg)))
                .unwrap_or(RGBColor(20, 20, 20));
            buf.set_style(area, Style::new().bg(shown(bg)).fg(shown(ink)));
            if count > 0 {
                let text = count.to_string();
                let at = area.x + area.width.saturating_sub(text.len() as u16) / 2;
                buf.set_string(at, area.y + cell_h / 2, text, Style::new());
            }
        }
    }
}

/// What the panel says of a run's state.
fn status_text(model: &NetworkModel, i: usize) -> (String, Style) {
    let state = &model.runs[i];
    match state.status() {
        None => ("training".into(), Style::new()),
        Some(Status::Diverged { step }) => (
            format!("diverged at step {step}"),
            Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
        ),
        Some(Status::Converged) => (format!("converged at step {}", state.step()), Style::new()),
        Some(_) => (
            format!("done: all {} steps", model.experiment.steps),
            Style::new(),
        ),
    }
}

/// A fraction as a percentage for the panel: "71.4%", "100%", "–" for none.
pub(super) fn percent(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v >= 1.0 {
        "100%".into()
    } else {
        format!("{:.1}%", 100.0 * v)
    }
}

/// A loss for the panel, "–" for none.
fn loss(v: f64) -> String {
    if v.is_nan() { "–".into() } else { compact(v) }
}

fn draw_side(frame: &mut Frame, model: &NetworkModel, area: Rect) {
    let e = &model.experiment;
    let problem = model.problem();
    let n = e.runs.len() as u16;
    let [head, table, knobs, chart, message] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(n + 4),
        Constraint::Length(5),
        Constraint::Min(6),
        Constraint::Length(3),
    ])
    .areas(area);

    let state = if model.playing {
        "▶ playing"
    } else {
        "⏸ paused"
    };
    let furthest = model.runs.iter().map(|r| r.step()).max().unwrap_or(0);
    let noise = match problem.data_noise() {
        Some((noise, _)) => format!(" · noise {}", short(noise)),
        None => String::new(),
    };
    let hidden: Vec<String> = problem.model.hidden.iter().map(|w| w.to_string()).collect();
    let head_text = vec![
        Line::from(vec![
            Span::styled("optplay play", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                " · {} · {} classes{noise}",
                problem.data_kind(),
                problem.train.classes
            )),
        ]),
        Line::from(format!(
            "step {furthest}/{} · {state} · {} steps/s",
            e.steps,
            model.steps_per_second()
        )),
        Line::from(format!(
            "{} training, {} validation · hidden [{}] {}",
            problem.train.len(),
            problem.validation.len(),
            hidden.join(", "),
            problem.model.activation.name()
        )),
    ];
    frame.render_widget(Paragraph::new(head_text), head);

    let label_width = e
        .runs
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(3)
        .clamp(3, 17);
    let mut lines = vec![
        Line::from(format!(
            " {:label_width$} {:>5} {:^15} {:^13}",
            "", "", "loss", "accuracy"
        )),
        Line::from(Span::styled(
            format!(
                " {:label_width$} {:>5} {:>7} {:>7} {:>6} {:>6}",
                "run", "step", "train", "val", "train", "val"
            ),
            Style::new().add_modifier(Modifier::UNDERLINED),
        )),
    ];
    for (i, r) in e.runs.iter().enumerate() {
        let state = &model.runs[i];
        let pointer = if i == model.selected { "▶" } else { " " };
        let label: String = r.label.chars().take(label_width).collect();
        let mut spans = vec![
            Span::styled(
                format!("{pointer}{label:label_width$}"),
                Style::new().fg(rgb(i)).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(" {:>5}", state.step())),
        ];
        match state.status() {
            Some(Status::Diverged { .. }) => {
                let (text, style) = status_text(model, i);
                spans.push(Span::styled(format!(" {text}"), style));
            }
            _ => {
                let now = state.now;
                spans.push(Span::raw(format!(
                    " {:>7} {:>7} {:>6} {:>6}",
                    loss(now.train.loss),
                    loss(now.validation.loss),
                    percent(now.train.accuracy),
                    percent(now.validation.accuracy)
                )));
            }
        }
        let style = if i == model.selected {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        lines.push(Line::from(spans).style(style));
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" runs (tab selects) ")),
        table,
    );

    draw_knobs(frame, model, knobs);
    draw_chart(frame, model, chart);
    frame.render_widget(
        Paragraph::new(model.message.as_str())
            .style(Style::new().fg(Color::Yellow))
            .wrap(Wrap { trim: true }),
        message,
    );
}

/// The selected run's knobs and state.
fn draw_knobs(frame: &mut Frame, model: &NetworkModel, area: Rect) {
    let i = model.selected;
    let run = &model.experiment.runs[i];
    let problem = model.problem();
    let regularisation = problem.regularisation(&run.network);
    let settings = &run.optimizer.settings;
    let momentum = match (settings.get("momentum"), settings.get("betas")) {
        (Some(crate::core::Value::Number(m)), _) => format!(" · momentum {}", short(*m)),
        (_, Some(crate::core::Value::Pair([b1, _]))) => format!(" · β1 {}", short(*b1)),
        _ => String::new(),
    };
    let (status, status_style) = status_text(model, i);
    // What a transfer run takes from its source: said beside its lr.
    let transfer = match problem.transfer_mode(&run.network) {
        Some(TransferMode::Scratch) => " · from scratch",
        Some(TransferMode::Head) => " · head only (body frozen)",
        Some(TransferMode::All) => " · fine-tuning all layers",
        None => "",
    };
    let lines = vec![
        Line::from(format!("lr {}{momentum}{transfer}", short(run.lr))),
        Line::from(format!(
            "dropout {} · l2 {} · {}",
            short(regularisation.dropout),
            short(regularisation.l2),
            batch_text(problem.batch(&run.network), problem.train.len())
        )),
        Line::from(Span::styled(status, status_style)),
    ];
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(
            run.label.clone(),
            Style::new().fg(rgb(i)).add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(" · {} ", run.kind())),
    ]);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

/// The selected run's training and validation loss over the steps so far, on a log scale.
fn draw_chart(frame: &mut Frame, model: &NetworkModel, area: Rect) {
    let i = model.selected;
    let history = model.runs[i].history();
    let log = |v: f64| (v > 0.0 && v.is_finite()).then(|| v.log10());
    let train: Vec<(f64, f64)> = history
        .iter()
        .filter_map(|r| log(r.train_loss).map(|l| (r.step as f64, l)))
        .collect();
    let validation: Vec<(f64, f64)> = history
        .iter()
        .filter_map(|r| log(r.val_loss).map(|l| (r.step as f64, l)))
        .collect();
    let (lo, hi) = train
        .iter()
        .chain(&validation)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, l)| {
            (lo.min(l), hi.max(l))
        });
    let (lo, hi) = if lo.is_finite() {
        (lo.floor(), hi.ceil().max(lo.floor() + 1.0))
    } else {
        (-1.0, 1.0)
    };
    // Validation first, so the training curve, the one the optimizer follows, is on top.
    let mut datasets = Vec::new();
    if !validation.is_empty() {
        datasets.push(
            Dataset::default()
                .name("validation")
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(Color::White))
                .data(&validation),
        );
    }
    datasets.push(
        Dataset::default()
            .name("train")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(rgb(i)))
            .data(&train),
    );
    let power = |p: f64| format!("1e{p}");
    let steps = model.experiment.steps as f64;
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(format!(
            " loss of {} (log) ",
            model.experiment.runs[i].label
        )))
        .x_axis(
            Axis::default()
                .bounds([0.0, steps.max(1.0)])
                .labels(["0".to_string(), format!("{steps}")])
                .style(Style::new().fg(Color::Gray)),
        )
        .y_axis(
            Axis::default()
                .bounds([lo, hi])
                .labels([power(lo), power(hi)])
                .style(Style::new().fg(Color::Gray)),
        );
    frame.render_widget(chart, area);
}
