//! The self-documenting commands: `optplay list`, `optplay explain` and `optplay init`, for
//! surface experiments and network experiments alike.
//!
//! Everything here returns text; `app` prints it. Nothing is typed twice: every kind, key,
//! default, range and line of documentation comes from the declarations in
//! [`crate::core::registry`].

mod after;
mod datasets;
mod explain;
mod init;
mod init_network;
mod topics;

pub use explain::{explain, topic_names};
pub use init::{GuideError, init, init_data, write_new};
pub use init_network::{generated_dataset, network_starter};
pub use topics::TOPICS;

use crate::config::{NETWORK_LR_KEY, UsageError, unknown, write};
use crate::core::registry::{OPTIMIZERS, SCHEDULES, SURFACES};
use crate::core::spec::{Default, Key, Settings};
use crate::core::{Point, SurfaceKind};
use crate::number::short;

/// The surface `init` writes when `--surface` is not given.
pub const DEFAULT_SURFACE: &str = "quadratic";

/// The sections of `optplay list`, in the order it shows them.
pub const SECTIONS: [&str; 4] = ["surfaces", "optimizers", "schedules", "datasets"];

/// `s` padded with spaces to `width` characters.
pub(crate) fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// `v` rounded to `digits` significant digits (drops 2.4100000000000006's noise).
pub(crate) fn round_to(v: f64, digits: usize) -> f64 {
    format!("{v:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(v)
}

/// A point for reading: `(-2.80512, 3.13131)`.
fn show_point(p: Point) -> String {
    format!(
        "({}, {})",
        short(round_to(p[0], 6)),
        short(round_to(p[1], 6))
    )
}

/// `key = value` for each of `keys`, as TOML: the value in `settings`, else "(required)" or
/// what absence means.
pub(crate) fn key_lines(keys: &[Key], settings: &Settings) -> Vec<(String, &'static str)> {
    keys.iter()
        .map(|key| {
            let setting = match (settings.get(key.name), key.default) {
                (Some(v), _) => format!("{} = {}", key.name, write::value(v)),
                (None, Default::Steps) => format!("{} = steps", key.name),
                (None, Default::Absent { meaning }) => {
                    format!("{} (optional: {meaning})", key.name)
                }
                (None, _) => format!("{} (required)", key.name),
            };
            (setting, key.doc)
        })
        .collect()
}

/// `optplay list [SECTION]`: one section, or all of them.
pub fn list(section: Option<&str>) -> Result<String, UsageError> {
    let sections: Vec<&str> = match section {
        None => SECTIONS.to_vec(),
        Some(s) => {
            // The singular is what was meant; the pinned names are the plurals.
            let plural = if s.ends_with('s') {
                s.to_string()
            } else {
                format!("{s}s")
            };
            match SECTIONS.iter().find(|&&k| k == plural) {
                Some(&k) => vec![k],
                None => return Err(unknown("SECTION", "section", s, &SECTIONS)),
            }
        }
    };
    let parts: Vec<String> = sections
        .iter()
        .map(|s| match *s {
            "surfaces" => list_surfaces(),
            "optimizers" => list_optimizers(),
            "schedules" => list_schedules(),
            _ => datasets::list_datasets(),
        })
        .collect();
    Ok(parts.join("\n\n"))
}

fn list_surfaces() -> String {
    let mut out = vec!["SURFACES   [surface] kind = \"NAME\"".to_string()];
    let lines = |kind: &SurfaceKind| key_lines(kind.keys, &kind.defaults());
    let width = SURFACES
        .iter()
        .flat_map(|k| lines(k))
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    for kind in SURFACES {
        out.push(String::new());
        out.push(format!("{} — {}", kind.name, kind.about));
        let built = kind.build_default();
        if let Some(surface) = &built {
            out.push(format!("    {}", surface.formula()));
        }
        for (setting, doc) in lines(kind) {
            out.push(format!("    {}   {doc}", pad(&setting, width)));
        }
        let Some(surface) = built else {
            out.push("    start (required)".to_string());
            continue;
        };
        let minima: Vec<String> = surface.minima().into_iter().map(show_point).collect();
        let f_star = surface.min_value().map_or_else(
            || "unbounded below".to_string(),
            |v| format!("f* = {}", short(round_to(v, 6))),
        );
        let minima = match minima.len() {
            0 => "no minimum".to_string(),
            1 => format!("minimum {}", minima[0]),
            _ => format!("minima {}", minima.join(" ")),
        };
        out.push(format!(
            "    start {};  {minima};  {f_star}",
            show_point(surface.default_start())
        ));
    }
    out.join("\n")
}

fn list_optimizers() -> String {
    let mut out = vec![
        "OPTIMIZERS   [[optimizer]] kind = \"NAME\"; torch.optim's names and update rules"
            .to_string(),
        "             (`optplay explain NAME` for the rule and what each setting does)".to_string(),
        String::new(),
    ];
    let width = OPTIMIZERS.iter().map(|k| k.name.len()).max().unwrap_or(0);
    for kind in OPTIMIZERS {
        out.push(format!("{}   {}", pad(kind.name, width), kind.title));
        let settings: Vec<String> = key_lines(kind.keys, &kind.defaults())
            .into_iter()
            .map(|(setting, _)| setting)
            .collect();
        if !settings.is_empty() {
            out.push(format!("{}   {}", pad("", width), settings.join(", ")));
        }
    }
    out.push(String::new());
    out.push(
        "Default lr, when a run gives none (tuned per surface; `network` for network experiments;"
            .to_string(),
    );
    out.push("elsewhere the last column):".to_string());
    let surfaces: Vec<&str> = crate::core::registry::built_in_surfaces()
        .map(|k| k.name)
        .collect();
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once(String::new())
            .chain(surfaces.iter().map(|s| s.to_string()))
            .chain([NETWORK_LR_KEY.to_string(), "other".to_string()])
            .collect(),
    ];
    for kind in OPTIMIZERS {
        rows.push(
            std::iter::once(kind.name.to_string())
                .chain(surfaces.iter().map(|s| short(kind.default_lr(s))))
                .chain([
                    short(kind.default_lr(NETWORK_LR_KEY)),
                    short(kind.fallback_lr),
                ])
                .collect(),
        );
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, &w)| pad(c, w)).collect();
        out.push(format!("    {}", cells.join("  ")).trim_end().to_string());
    }
    out.join("\n")
}

fn list_schedules() -> String {
    let mut out = vec![
        "SCHEDULES   schedule = { kind = \"NAME\", ... } in an [[optimizer]]; the lr after t steps"
            .to_string(),
        "            (torch.optim.lr_scheduler, stepped after every optimizer step)".to_string(),
    ];
    let lines =
        |kind: &crate::core::ScheduleKind| key_lines(kind.keys, &Settings::defaults(kind.keys));
    let width = SCHEDULES
        .iter()
        .flat_map(|k| lines(k))
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    for kind in SCHEDULES {
        out.push(String::new());
        out.push(format!("{} — {}", kind.name, kind.meaning));
        for (setting, doc) in lines(kind) {
            out.push(format!("    {}   {doc}", pad(&setting, width)));
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests;
