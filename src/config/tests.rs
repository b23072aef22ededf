//! What a user of experiment files and `compare` would notice: defaults, and every error's
//! key, line:column and words.

use std::path::Path;

use super::*;
use crate::core::registry::{OPTIMIZERS, built_in_surfaces};
use crate::core::{Schedule, Value};

/// The value of `key` in the `run`-th optimizer's settings.
fn setting(e: &Experiment, run: usize, key: &str) -> Value {
    e.runs[run]
        .optimizer
        .settings
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("no {key}"))
}

/// The experiment's surface problem.
fn surface_of(e: &Experiment) -> &SurfaceProblem {
    e.surface().expect("a surface experiment")
}

const FILE: &str = "configs/demo.toml";

/// A minimal valid file: a surface and one plain SGD run.
const MIN: &str = "[surface]\nkind = \"quadratic\"\n\n[[optimizer]]\nkind = \"sgd\"\n";

fn ok(src: &str) -> Experiment {
    parse(src, Path::new(FILE)).unwrap_or_else(|e| panic!("expected a valid file, got\n{e}"))
}

fn err(src: &str) -> ConfigError {
    match parse(src, Path::new(FILE)) {
        Ok(e) => panic!("expected an error, got {e:#?}"),
        Err(e) => e,
    }
}

/// The error's key, line and column.
fn whereis(e: &ConfigError) -> (Option<&str>, Option<usize>, Option<usize>) {
    (e.key.as_deref(), e.line(), e.column())
}

/// MIN with `extra` appended to the optimizer table.
fn sgd_with(extra: &str) -> String {
    format!("{MIN}{extra}\n")
}

/// A surface and one optimizer of `kind` with `extra` lines.
fn opt(kind: &str, extra: &str) -> String {
    format!("[surface]\nkind = \"quadratic\"\n\n[[optimizer]]\nkind = \"{kind}\"\n{extra}\n")
}

// ---------------------------------------------------------------- second order
#[test]
fn newton_and_lbfgs_read_their_settings() {
    let e = ok(&opt("newton", "line_search = \"none\"\ndamping = 0.5"));
    assert_eq!(setting(&e, 0, "line_search"), Value::Choice("none"));
    assert_eq!(setting(&e, 0, "damping"), Value::Number(0.5));
    assert_eq!(e.runs[0].lr, 1.0);
    assert_eq!(e.runs[0].summary(), "lr=1, line search none, damping=0.5");
    let e = ok(&opt(
        "lbfgs",
        "history_size = 3\nline_search = \"none\"\ntolerance_grad = 0",
    ));
    assert_eq!(setting(&e, 0, "history_size"), Value::Integer(3));
    assert_eq!(setting(&e, 0, "line_search"), Value::Choice("none"));
    assert_eq!(setting(&e, 0, "tolerance_grad"), Value::Number(0.0));
    assert_eq!(ok(&opt("lbfgs", "")).runs[0].summary(), "lr=1, m=10");
}

#[test]
fn line_search_names_are_checked_per_kind_with_a_suggestion() {
    let e = err(&opt("newton", "line_search = \"strong_wolfe\""));
    assert_eq!(e.kind, ErrorKind::UnknownName);
    assert_eq!(
        whereis(&e),
        (Some("optimizer[1].line_search"), Some(6), Some(15))
    );
    assert_eq!(e.choices, ["backtracking", "none"]);
    let e = err(&opt("lbfgs", "line_search = \"strong_wolf\""));
    assert_eq!(e.suggestion.as_deref(), Some("strong_wolfe"));
    assert_eq!(e.choices, ["strong_wolfe", "none"]);
    let e = err(&opt("lbfgs", "history_size = 2.5"));
    assert_eq!(e.key.as_deref(), Some("optimizer[1].history_size"));
    let e = err(&opt("adam", "damping = 1"));
    assert!(
        e.to_string().contains("`damping` is a setting of `newton`"),
        "{e}"
    );
}

#[test]
fn the_loss_x_axis_is_steps_or_evaluations() {
    assert_eq!(ok(MIN).plot.x_axis, XAxis::Steps);
    let src = format!("[plot]\nx_axis = \"evaluations\"\n{MIN}");
    assert_eq!(ok(&src).plot.x_axis, XAxis::Evaluations);
    let e = err(&format!("[plot]\nx_axis = \"evaluation\"\n{MIN}"));
    assert_eq!(e.kind, ErrorKind::UnknownName);
    assert_eq!(whereis(&e), (Some("plot.x_axis"), Some(2), Some(10)));
    assert_eq!(e.suggestion.as_deref(), Some("evaluations"));
    assert_eq!(e.choices, X_AXES);
}

#[test]
fn loss_smoothing_and_a_log_step_axis_are_read_and_checked() {
    let plain = ok(MIN).plot;
    assert_eq!((plain.smooth, plain.log_x), (None, false));
    let set = ok(&format!("[plot]\nsmooth = 0.9\nlog_x = true\n{MIN}")).plot;
    assert_eq!((set.smooth, set.log_x), (Some(0.9), true));
    // 0 is no smoothing at all.
    assert_eq!(ok(&format!("[plot]\nsmooth = 0\n{MIN}")).plot.smooth, None);
    for bad in ["1", "1.5", "-0.1"] {
        let e = err(&format!("[plot]\nsmooth = {bad}\n{MIN}"));
        assert_eq!(e.kind, ErrorKind::InvalidValue, "{bad}");
        assert_eq!(
            whereis(&e),
            (Some("plot.smooth"), Some(2), Some(10)),
            "{bad}"
        );
    }
    let e = err(&format!("[plot]\nsmooth = \"yes\"\nlog_x = 1\n{MIN}"));
    assert_eq!(e.kind, ErrorKind::WrongType);
    assert_eq!(e.key.as_deref(), Some("plot.smooth"));
    let e = err(&format!("[plot]\nlog_x = 1\n{MIN}"));
    assert_eq!(e.kind, ErrorKind::WrongType);
    assert_eq!(whereis(&e), (Some("plot.log_x"), Some(2), Some(9)));
}

// ---------------------------------------------------------------- defaults

#[test]
fn a_minimal_file_gets_every_default() {
    let e = ok(MIN);
    let surface = crate::core::registry::default_surface("quadratic").unwrap();
    assert_eq!(e.name, "demo", "name defaults to the file stem");
    assert_eq!(e.steps, 200);
    assert_eq!(e.seed, 0);
    let problem = surface_of(&e);
    assert_eq!(problem.start, surface.default_start());
    assert_eq!(e.tolerance, None);
    assert_eq!(e.noise, None);
    assert_eq!(problem, &SurfaceProblem::default_of("quadratic").unwrap());
    assert_eq!(problem.view.window, surface.window());
    assert_eq!(problem.view.levels, 30);
    assert_eq!(problem.view.log_levels, None);
    assert_eq!((e.plot.width, e.plot.height), (1000, 800));
    assert_eq!(e.plot.formats, ["png", "svg"]);
    assert_eq!(e.runs.len(), 1);
    let run = &e.runs[0];
    assert_eq!(run.label, "sgd");
    assert_eq!(run.kind(), "sgd");
    assert_eq!(run.lr, 0.08);
    assert_eq!(run.spec().schedule, Schedule::Constant);
    assert_eq!(
        run,
        &RunConfig::defaults(&crate::core::optim::sgd::SGD, 0.08)
    );
    for (key, value) in [
        ("momentum", Value::Number(0.0)),
        ("dampening", Value::Number(0.0)),
        ("nesterov", Value::Bool(false)),
        ("weight_decay", Value::Number(0.0)),
    ] {
        assert_eq!(setting(&e, 0, key), value, "{key}");
    }
    assert_eq!(run.summary(), "lr=0.08");
}

#[test]
fn every_optimizer_kind_gets_its_declared_defaults_and_its_default_lr() {
    for surface in built_in_surfaces() {
        for kind in OPTIMIZERS {
            let src = format!(
                "[surface]\nkind = \"{}\"\n[[optimizer]]\nkind = \"{}\"\n",
                surface.name, kind.name
            );
            let e = ok(&src);
            let run = &e.runs[0];
            assert_eq!(run.label, kind.name);
            assert_eq!(run.kind(), kind.name);
            assert_eq!(
                run.lr,
                kind.default_lr(surface.name),
                "{} on {}",
                kind.name,
                surface.name
            );
            assert_eq!(run.optimizer.settings, kind.defaults());
        }
    }
}

#[test]
fn kind_defaults_follow_the_design() {
    let default = |kind: &str, key: &str| {
        crate::core::registry::optimizer(kind)
            .unwrap()
            .defaults()
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{kind}.{key}"))
    };
    let n = Value::Number;
    assert_eq!(default("momentum", "momentum"), n(0.9));
    assert_eq!(default("momentum", "nesterov"), Value::Bool(false));
    assert_eq!(default("nesterov", "momentum"), n(0.9));
    assert_eq!(default("nesterov", "nesterov"), Value::Bool(true));
    assert_eq!(default("adam", "betas"), Value::Pair([0.9, 0.999]));
    assert_eq!(default("adam", "eps"), n(1e-7));
    assert_eq!(default("adam", "weight_decay"), n(0.0));
    assert_eq!(default("adam", "amsgrad"), Value::Bool(false));
    assert_eq!(default("adam", "bias_correction"), Value::Bool(true));
    assert_eq!(default("adamw", "weight_decay"), n(0.01));
    assert_eq!(default("adagrad", "eps"), n(1e-10));
    assert_eq!(default("rmsprop", "alpha"), n(0.99));
    assert_eq!(default("rmsprop", "eps"), n(1e-8));
    assert_eq!(default("nadam", "eps"), n(1e-8));
    assert_eq!(default("nadam", "momentum_decay"), n(0.004));
    assert_eq!(default("newton", "damping"), n(0.0));
    assert_eq!(
        default("newton", "line_search"),
        Value::Choice("backtracking")
    );
    assert_eq!(default("lbfgs", "history_size"), Value::Integer(10));
    assert_eq!(
        default("lbfgs", "line_search"),
        Value::Choice("strong_wolfe")
    );
    assert_eq!(default("lbfgs", "tolerance_grad"), n(1e-7));
    assert!(crate::core::registry::optimizer("bfgs").is_none());
}

#[test]
fn default_lr_table_covers_every_kind_and_surface() {
    for surface in built_in_surfaces() {
        for kind in OPTIMIZERS {
            assert!(
                kind.default_lr.iter().any(|(s, _)| *s == surface.name),
                "{} has no default lr on {}",
                kind.name,
                surface.name
            );
            let lr = kind.default_lr(surface.name);
            assert!(
                lr > 0.0 && lr.is_finite(),
                "{} on {}",
                kind.name,
                surface.name
            );
        }
    }
    let lr = |kind: &str, surface: &str| {
        crate::core::registry::optimizer(kind)
            .unwrap()
            .default_lr(surface)
    };
    assert_eq!(lr("sgd", "quadratic"), 0.08);
    assert_eq!(lr("rmsprop", "rosenbrock"), 0.025);
    assert_eq!(lr("lbfgs", "quadratic"), 1.0);
    assert_eq!(lr("newton", "rosenbrock"), 1.0);
    assert_eq!(lr("sgd", "moon"), 1e-3);
}

#[test]
fn the_pinned_design_example_parses_with_every_value() {
    let src = r#"
name = "saddle"            # optional, default: file stem
steps = 300                # optional, default 200: the most steps a run takes
seed = 0                   # optional, default 0: seeds gradient noise
start = [1.0, 0.001]       # optional, default: the surface's own start
tolerance = 1e-8           # optional: a run stops, "converged", once |grad| < tolerance

[surface]
kind = "saddle"            # required

[noise]                    # optional: mimic minibatch gradients
std = 0.1                  # every gradient gets + N(0, std^2 I); every run sees the same stream

[plot]                     # optional
x = [-2.0, 2.0]            # default: the surface's window
y = [-2.0, 2.0]
levels = 30
log_levels = true
width = 1000
height = 800
formats = ["png", "svg"]

[[optimizer]]
kind = "adam"              # required
label = "Adam lr=0.1"      # optional, default: the kind; labels are unique within a file
lr = 0.1
betas = [0.9, 0.999]
schedule = { kind = "step", step_size = 100, gamma = 0.5 }   # optional, default constant
"#;
    let e = ok(src);
    assert_eq!(e.name, "saddle");
    assert_eq!(
        (e.steps, e.seed, surface_of(&e).start, e.tolerance),
        (300, 0, [1.0, 0.001], Some(1e-8))
    );
    assert_eq!(surface_of(&e).kind(), "saddle");
    assert_eq!(e.noise, Some(0.1));
    assert_eq!(surface_of(&e).view.window.x, [-2.0, 2.0]);
    assert_eq!(surface_of(&e).view.log_levels, Some(true));
    let run = &e.runs[0];
    assert_eq!(run.label, "Adam lr=0.1");
    assert_eq!(run.lr, 0.1);
    assert_eq!(
        run.spec().schedule,
        Schedule::Step {
            step_size: 100,
            gamma: 0.5
        }
    );
    assert_eq!(run.summary(), "lr=0.1, β=(0.9, 0.999), step schedule");
}

#[test]
fn hyperparameters_are_applied_and_shown_in_the_summary() {
    let e = ok(&opt(
        "adam",
        "betas = [0.8, 0.99]\neps = 1e-8\namsgrad = true\nbias_correction = false\nweight_decay = 1",
    ));
    assert_eq!(setting(&e, 0, "betas"), Value::Pair([0.8, 0.99]));
    assert_eq!(setting(&e, 0, "eps"), Value::Number(1e-8));
    assert_eq!(setting(&e, 0, "amsgrad"), Value::Bool(true));
    assert_eq!(setting(&e, 0, "bias_correction"), Value::Bool(false));
    assert_eq!(
        setting(&e, 0, "weight_decay"),
        Value::Number(1.0),
        "an integer is accepted where a float goes"
    );
    assert_eq!(
        e.runs[0].summary(),
        "lr=0.5, β=(0.8, 0.99), eps=1e-8, wd=1, amsgrad, no bias correction"
    );
    let e = ok(&opt("momentum", "lr = 0.02"));
    assert_eq!(e.runs[0].summary(), "lr=0.02, ρ=0.9");
    let e = ok(&opt("sgd", "lr = 1\nmomentum = 0.5\nnesterov = true"));
    assert_eq!(e.runs[0].lr, 1.0);
    assert_eq!(e.runs[0].summary(), "lr=1, ρ=0.5, nesterov=true");
    let e = ok(&opt("rmsprop", "alpha = 0.9"));
    assert_eq!(e.runs[0].summary(), "lr=0.25, α=0.9");
    let e = ok(&opt("nadam", "momentum_decay = 0.01"));
    assert_eq!(
        e.runs[0].summary(),
        "lr=0.8, β=(0.9, 0.999), momentum_decay=0.01"
    );
}

#[test]
fn a_figure_too_small_for_its_labels_is_refused_with_the_smallest_that_fits() {
    let e = err(&format!("{MIN}[plot]\nwidth = 400\nheight = 300\n"));
    assert_eq!(e.key.as_deref(), Some("plot.width"));
    assert!(e.to_string().contains("no room for its plot"), "{e}");
    let detail = e.detail.clone().unwrap_or_default();
    let smallest = detail
        .split("the smallest size of this shape that fits is ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no smallest size in {detail:?}"));
    let (w, h) = smallest.split_once('x').unwrap();
    let (w, h): (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
    // It fits, keeps the shape, and a size a little smaller does not fit.
    assert!(crate::plot::fit(w, h, 1.0).is_ok());
    assert_eq!(w * 3, h * 4, "{w}x{h}");
    assert!(crate::plot::fit(w - 8, h - 6, 1.0).is_err());
    let e = ok(&format!("{MIN}[plot]\nwidth = {w}\nheight = {h}\n"));
    assert_eq!((e.plot.width, e.plot.height), (w, h));
}

#[test]
fn the_plot_scale_is_read_and_bounded() {
    assert_eq!(ok(MIN).plot.scale, 1.0);
    assert_eq!(ok(&format!("{MIN}[plot]\nscale = 0.8\n")).plot.scale, 0.8);
    for bad in ["0", "-1", "5", "\"big\""] {
        let e = err(&format!("{MIN}[plot]\nscale = {bad}\n"));
        assert_eq!(e.key.as_deref(), Some("plot.scale"), "{bad}");
    }
    // Fonts three times as large leave the plot no room at the default size.
    let e = err(&format!("{MIN}[plot]\nscale = 3\n"));
    assert_eq!(e.key.as_deref(), Some("plot.scale"));
    assert!(
        e.detail
            .as_deref()
            .is_some_and(|d| d.contains("the largest scale that fits is")),
        "{e:?}"
    );
}

#[test]
fn surface_parameters_and_plot_settings_are_applied() {
    let e = ok(
        "start = [1, -2]\n[surface]\nkind = \"quadratic\"\nmatrix = [[2, 1], [1, 3]]\ncenter = [1, 1]\n\
         [plot]\nx = [-1, 1]\nlevels = 12\nwidth = 640\nheight = 8000\nformats = [\"svg\", \"png\", \"svg\"]\n\
         [[optimizer]]\nkind = \"sgd\"\n",
    );
    let surface = &surface_of(&e).surface.settings;
    assert_eq!(surface.matrix("matrix"), [[2.0, 1.0], [1.0, 3.0]]);
    assert_eq!(surface.pair("center"), [1.0, 1.0]);
    assert_eq!(surface_of(&e).function.minima(), [[1.0, 1.0]]);
    assert_eq!(surface_of(&e).start, [1.0, -2.0]);
    assert_eq!(surface_of(&e).view.window.x, [-1.0, 1.0]);
    assert_eq!(
        surface_of(&e).view.window.y,
        surface_of(&e).function.window().y,
        "y keeps the surface's default"
    );
    assert_eq!(
        (surface_of(&e).view.levels, e.plot.width, e.plot.height),
        (12, 640, 8000)
    );
    assert_eq!(e.plot.formats, ["svg", "png"], "deduplicated, order kept");

    let e = ok(
        "[surface]\nkind = \"bowl\"\nglobal = -2\nbarrier = 0\nlocal = 1\ncurvature = 3\n[[optimizer]]\nkind = \"sgd\"\n",
    );
    let bowl = &surface_of(&e).surface.settings;
    assert_eq!(
        ["global", "barrier", "local", "curvature"].map(|k| bowl.number(k)),
        [-2.0, 0.0, 1.0, 3.0]
    );
    let e = ok("surface.kind = \"rosenbrock\"\nsurface.b = 10\n[[optimizer]]\nkind = \"adam\"\n");
    let rosenbrock = &surface_of(&e).surface.settings;
    assert_eq!(
        (rosenbrock.number("a"), rosenbrock.number("b")),
        (1.0, 10.0)
    );
    assert_eq!(surface_of(&e).start, [-1.2, 1.0]);
    assert_eq!(e.runs[0].lr, 0.2, "lr defaults per surface");
}

#[test]
fn noise_zero_is_no_noise() {
    assert_eq!(ok(&format!("[noise]\nstd = 0\n{MIN}")).noise, None);
    assert_eq!(ok(&format!("[noise]\nstd = 0.5\n{MIN}")).noise, Some(0.5));
    // A run's own `noise` overrides the experiment's; 0 means exact gradients.
    let e = ok(&format!("[noise]\nstd = 0.5\n{MIN}noise = 0\n"));
    assert_eq!(e.runs[0].noise, Some(0.0));
    assert_eq!(e.runs[0].noise_std(e.noise), None);
    assert_eq!(e.runs[0].summary(), "lr=0.08, exact gradients");
    let e = ok(&format!("{MIN}noise = 0.2\n"));
    assert_eq!(e.runs[0].noise_std(e.noise), Some(0.2));
    let e = err(&format!("{MIN}noise = -1\n"));
    assert_eq!(e.key.as_deref(), Some("optimizer[1].noise"));
}

#[test]
fn schedules_get_their_defaults() {
    let sched = |s: &str| {
        ok(&sgd_with(&format!("schedule = {s}"))).runs[0]
            .spec()
            .schedule
    };
    assert_eq!(sched("{ kind = \"constant\" }"), Schedule::Constant);
    assert_eq!(
        sched("{ kind = \"step\", step_size = 10 }"),
        Schedule::Step {
            step_size: 10,
            gamma: 0.1
        }
    );
    assert_eq!(
        sched("{ kind = \"multistep\", milestones = [50, 150] }"),
        Schedule::MultiStep {
            milestones: vec![50, 150],
            gamma: 0.1
        }
    );
    assert_eq!(
        sched("{ kind = \"exponential\", gamma = 0.99 }"),
        Schedule::Exponential { gamma: 0.99 }
    );
    assert_eq!(
        sched("{ kind = \"inverse_time\", k = 0 }"),
        Schedule::InverseTime { k: 0.0 }
    );
    assert_eq!(
        sched("{ kind = \"cosine\" }"),
        Schedule::Cosine {
            t_max: 200,
            eta_min: 0.0
        },
        "t_max defaults to the steps"
    );
    assert_eq!(
        sched("\"cosine\""),
        Schedule::Cosine {
            t_max: 200,
            eta_min: 0.0
        },
        "a bare kind string works when nothing is required"
    );
    assert_eq!(
        sched("{ kind = \"cosine_restarts\", t_0 = 20, eta_min = 0.001 }"),
        Schedule::CosineRestarts {
            t_0: 20,
            t_mult: 1,
            eta_min: 0.001
        }
    );
    // The header form, and t_max following `steps`.
    let e = ok(
        "steps = 50\n[surface]\nkind = \"quadratic\"\n[[optimizer]]\nkind = \"sgd\"\n[optimizer.schedule]\nkind = \"cosine\"\n",
    );
    assert_eq!(
        e.runs[0].spec().schedule,
        Schedule::Cosine {
            t_max: 50,
            eta_min: 0.0
        }
    );
    assert_eq!(e.runs[0].summary(), "lr=0.08, cosine schedule");
}

// ---------------------------------------------------------------- the error format

#[test]
fn an_invalid_value_renders_like_rustc() {
    let src = format!("{MIN}lr = -0.1\n");
    let e = err(&src);
    assert_eq!(e.kind, ErrorKind::InvalidValue);
    assert_eq!(whereis(&e), (Some("optimizer[1].lr"), Some(6), Some(6)));
    assert_eq!(e.expected.as_deref(), Some("a number > 0"));
    assert_eq!(e.found.as_deref(), Some("-0.1"));
    assert_eq!(
        e.to_string(),
        "error: invalid value for `optimizer[1].lr` in configs/demo.toml:6:6\n  \
         expected a number > 0, found -0.1\n  \
         |\n\
         6 | lr = -0.1\n  \
         |      ^^^^"
    );
}

#[test]
fn an_unknown_name_lists_the_choices_and_the_closest() {
    let e = err("[surface]\nkind = \"quadratc\"\n[[optimizer]]\nkind = \"sgd\"\n");
    assert_eq!(e.kind, ErrorKind::UnknownName);
    assert_eq!(whereis(&e), (Some("surface.kind"), Some(2), Some(8)));
    assert_eq!(e.suggestion.as_deref(), Some("quadratic"));
    assert_eq!(e.choices.len(), 8);
    let text = e.to_string();
    assert!(text.contains("= help: did you mean `quadratic`?"), "{text}");
    assert!(
        text.contains(
            "= valid: quadratic, saddle, bowl, rosenbrock, beale, himmelblau, rastrigin, expr"
        ),
        "{text}"
    );

    let e = err(&opt("adma", ""));
    assert_eq!(whereis(&e), (Some("optimizer[1].kind"), Some(5), Some(8)));
    assert_eq!(e.suggestion.as_deref(), Some("adam"));
    assert_eq!(e.choices, crate::core::registry::optimizer_names());

    let e = err(&sgd_with("schedule = { kind = \"cosin\" }"));
    assert_eq!(
        whereis(&e),
        (Some("optimizer[1].schedule.kind"), Some(6), Some(21))
    );
    assert_eq!(e.suggestion.as_deref(), Some("cosine"));

    let e = err(&opt("nesterov_momentum", ""));
    assert_eq!(e.suggestion, None, "no suggestion for a far-off name");
    assert!(!e.to_string().contains("did you mean"));
}

#[test]
fn an_unknown_key_points_at_the_key_and_suggests() {
    let e = err(&format!("step = 10\n{MIN}"));
    assert_eq!(e.kind, ErrorKind::UnknownKey);
    assert_eq!(whereis(&e), (Some("step"), Some(1), Some(1)));
    assert_eq!(e.suggestion.as_deref(), Some("steps"));

    let e = err(&format!("{MIN}[plot]\nlevel = 3\n"));
    assert_eq!(whereis(&e), (Some("plot.level"), Some(7), Some(1)));
    assert_eq!(e.suggestion.as_deref(), Some("levels"));

    let e = err(&sgd_with("learning_rate = 0.1"));
    assert_eq!(e.suggestion.as_deref(), Some("lr"));

    let e = err("[surface]\nkind = \"beale\"\na = 1\n[[optimizer]]\nkind = \"sgd\"\n");
    assert_eq!(whereis(&e), (Some("surface.a"), Some(3), Some(1)));
    assert_eq!(e.choices, ["kind"]);
}

#[test]
fn a_key_of_another_optimizer_names_the_valid_keys_and_its_owners() {
    let e = err(&sgd_with("betas = [0.9, 0.99]"));
    assert_eq!(whereis(&e), (Some("optimizer[1].betas"), Some(6), Some(1)));
    assert_eq!(
        e.choices,
        [
            "kind",
            "label",
            "lr",
            "schedule",
            "noise",
            "sweep_lr",
            "momentum",
            "dampening",
            "nesterov",
            "weight_decay"
        ]
    );
    let text = e.to_string();
    assert!(
        text.contains(
            "`betas` is a setting of `adam`, `adamw`, `nadam`, `adamax`, `radam`, not of `sgd`"
        ),
        "{text}"
    );
    let e = err(&opt("adam", "bias_corection = false"));
    assert_eq!(e.suggestion.as_deref(), Some("bias_correction"));
    let e = err(&opt("nadam", "amsgrad = true"));
    assert_eq!(e.key.as_deref(), Some("optimizer[1].amsgrad"));
}

#[test]
fn every_range_rule_of_the_optimizers_is_enforced() {
    let cases = [
        ("sgd", "lr = 0", "lr", "a number > 0"),
        ("sgd", "momentum = 1", "momentum", "a number in [0, 1)"),
        ("sgd", "momentum = -0.1", "momentum", "a number in [0, 1)"),
        ("sgd", "dampening = 1.5", "dampening", "a number in [0, 1]"),
        ("sgd", "weight_decay = -1", "weight_decay", "a number ≥ 0"),
        ("adagrad", "lr_decay = -1", "lr_decay", "a number ≥ 0"),
        (
            "adagrad",
            "initial_accumulator_value = -0.5",
            "initial_accumulator_value",
            "a number ≥ 0",
        ),
        ("adagrad", "eps = 0", "eps", "a number > 0"),
        ("rmsprop", "alpha = 1.0", "alpha", "a number in [0, 1)"),
        ("rmsprop", "eps = -1e-8", "eps", "a number > 0"),
        ("adam", "betas = [0.9, 1.0]", "betas", "a number in [0, 1)"),
        ("adam", "betas = [-0.1, 0.9]", "betas", "a number in [0, 1)"),
        (
            "adamw",
            "weight_decay = -0.01",
            "weight_decay",
            "a number ≥ 0",
        ),
        (
            "nadam",
            "momentum_decay = -1",
            "momentum_decay",
            "a number ≥ 0",
        ),
        ("nadam", "eps = 0", "eps", "a number > 0"),
        ("newton", "damping = -1", "damping", "a number ≥ 0"),
        ("newton", "lr = 0", "lr", "a number > 0"),
        (
            "lbfgs",
            "tolerance_grad = -1e-7",
            "tolerance_grad",
            "a number ≥ 0",
        ),
        (
            "lbfgs",
            "history_size = 0",
            "history_size",
            "an integer from 1 to 1000",
        ),
    ];
    for (kind, line, key, expected) in cases {
        let e = err(&opt(kind, line));
        let path = format!("optimizer[1].{key}");
        assert_eq!(e.kind, ErrorKind::InvalidValue, "{kind}: {line}");
        assert_eq!(e.key.as_deref(), Some(path.as_str()), "{kind}: {line}");
        assert_eq!(e.line(), Some(6), "{kind}: {line}");
        assert_eq!(e.expected.as_deref(), Some(expected), "{kind}: {line}");
    }
    // The bad element of an array is the one underlined.
    let e = err(&opt("adam", "betas = [0.9, 1.0]"));
    assert_eq!(e.column(), Some(15));
    assert_eq!(e.found.as_deref(), Some("1.0"));
}

#[test]
fn nan_and_inf_are_refused_everywhere_numbers_go() {
    for (line, key, column) in [
        ("lr = nan", "optimizer[1].lr", 6),
        ("lr = inf", "optimizer[1].lr", 6),
        ("lr = -inf", "optimizer[1].lr", 6),
        ("betas = [0.9, +inf]", "optimizer[1].betas", 15),
    ] {
        let e = err(&opt("adam", line));
        assert_eq!(whereis(&e), (Some(key), Some(6), Some(column)), "{line}");
        assert!(e.to_string().contains("must be finite"), "{line}");
    }
    let e = err(&format!("start = [nan, 1]\n{MIN}"));
    assert_eq!(whereis(&e), (Some("start"), Some(1), Some(10)));
    let e = err(&format!("tolerance = inf\n{MIN}"));
    assert_eq!(e.key.as_deref(), Some("tolerance"));
    let e = err("[surface]\nkind = \"saddle\"\nc = nan\n[[optimizer]]\nkind = \"sgd\"\n");
    assert_eq!(whereis(&e), (Some("surface.c"), Some(3), Some(5)));
}

#[test]
fn wrong_types_say_what_was_expected_and_what_was_found() {
    let e = err(&format!("steps = 100.0\n{MIN}"));
    assert_eq!(e.kind, ErrorKind::WrongType);
    assert_eq!(whereis(&e), (Some("steps"), Some(1), Some(9)));
    assert_eq!(e.expected.as_deref(), Some("an integer from 1 to 1000000"));
    assert_eq!(e.found.as_deref(), Some("100.0 (a float)"));

    let e = err(&sgd_with("lr = \"0.1\""));
    assert_eq!(e.found.as_deref(), Some("\"0.1\" (a string)"));
    assert!(e.to_string().contains("without quotes"));

    let e = err(&opt("adam", "amsgrad = 1"));
    assert_eq!(e.expected.as_deref(), Some("`true` or `false`"));

    let e = err(&format!("start = 1\n{MIN}"));
    assert_eq!(whereis(&e), (Some("start"), Some(1), Some(9)));
    let e = err(&format!("start = [1, 2, 3]\n{MIN}"));
    assert_eq!(e.found.as_deref(), Some("[1, 2, 3] (3 items)"));
    let e = err("surface = \"saddle\"\n[[optimizer]]\nkind = \"sgd\"\n");
    assert_eq!(whereis(&e), (Some("surface"), Some(1), Some(11)));
    assert_eq!(e.expected.as_deref(), Some("a table"));
}

#[test]
fn top_level_values_are_range_checked() {
    let cases = [
        ("steps = 0", "steps", 9),
        ("steps = 1000001", "steps", 9),
        ("steps = -5", "steps", 9),
        ("seed = -1", "seed", 8),
        ("seed = 18446744073709551616", "seed", 8),
        ("start = [0, 100001]", "start", 13),
        ("tolerance = 0", "tolerance", 13),
        ("name = \"../x\"", "name", 8),
        ("name = \"\"", "name", 8),
    ];
    for (line, key, column) in cases {
        let e = err(&format!("{line}\n{MIN}"));
        assert_eq!(whereis(&e), (Some(key), Some(1), Some(column)), "{line}");
    }
    assert_eq!(ok(&format!("steps = 1000000\n{MIN}")).steps, MAX_STEPS);
    assert_eq!(
        ok(&format!("seed = 18446744073709551615\n{MIN}")).seed,
        u64::MAX
    );
    assert_eq!(ok(&format!("name = \"run 1\"\n{MIN}")).name, "run 1");
}

#[test]
fn nesterov_needs_momentum_and_no_dampening_as_in_torch() {
    let e = err(&opt("sgd", "nesterov = true"));
    assert_eq!(
        whereis(&e),
        (Some("optimizer[1].momentum"), Some(6), Some(12))
    );
    assert!(
        e.to_string()
            .contains("requires a momentum and zero dampening")
    );
    let e = err(&opt("nesterov", "momentum = 0"));
    assert_eq!(
        whereis(&e),
        (Some("optimizer[1].momentum"), Some(6), Some(12))
    );
    let e = err(&opt("nesterov", "dampening = 0.5"));
    assert_eq!(
        whereis(&e),
        (Some("optimizer[1].dampening"), Some(6), Some(13))
    );
    assert!(ok(&opt("momentum", "dampening = 0.5")).runs.len() == 1);
}

#[test]
fn surface_parameters_are_checked() {
    let surf = |body: &str| format!("[surface]\n{body}\n[[optimizer]]\nkind = \"sgd\"\n");
    let e = err(&surf("kind = \"quadratic\"\nmatrix = [[1, 2], [3, 4]]"));
    assert_eq!(whereis(&e), (Some("surface.matrix"), Some(3), Some(10)));
    assert!(
        e.found
            .as_deref()
            .unwrap()
            .contains("A[0][1] = 2 but A[1][0] = 3")
    );
    let e = err(&surf("kind = \"quadratic\"\nmatrix = [[1, 0], [0]]"));
    assert_eq!(whereis(&e), (Some("surface.matrix"), Some(3), Some(19)));
    let e = err(&surf("kind = \"quadratic\"\ncenter = [0]"));
    assert_eq!(e.key.as_deref(), Some("surface.center"));
    for (body, key) in [
        ("kind = \"saddle\"\na = 0", "surface.a"),
        ("kind = \"saddle\"\nb = -1", "surface.b"),
        ("kind = \"saddle\"\nc = -1", "surface.c"),
        ("kind = \"rosenbrock\"\nb = 0", "surface.b"),
        ("kind = \"rastrigin\"\na = -10", "surface.a"),
        ("kind = \"bowl\"\ncurvature = 0", "surface.curvature"),
    ] {
        let e = err(&surf(body));
        let column = body.lines().nth(1).unwrap().find(" = ").unwrap() + 4;
        assert_eq!(whereis(&e), (Some(key), Some(3), Some(column)), "{body}");
    }
    // The barrier must lie between the minima; defaults count.
    let e = err(&surf("kind = \"bowl\"\nglobal = 2"));
    assert_eq!(whereis(&e), (Some("surface.global"), Some(3), Some(10)));
    assert_eq!(
        e.found.as_deref(),
        Some("global = 2, barrier = 0.6 (default), local = 1.2 (default)")
    );
    let e = err(&surf("kind = \"bowl\"\nbarrier = 5"));
    assert_eq!(e.key.as_deref(), Some("surface.barrier"));
}

#[test]
fn missing_things_point_at_their_table() {
    let e = err("[surface]\nsteps = 3\n[[optimizer]]\nkind = \"sgd\"\n");
    // Two errors: `steps` does not belong in [surface], and `kind` is missing from it.
    let all = check(
        "[surface]\nsteps = 3\n[[optimizer]]\nkind = \"sgd\"\n",
        Path::new(FILE),
    )
    .unwrap_err();
    assert_eq!(
        all.len(),
        1,
        "the surface's keys cannot be checked without its kind"
    );
    assert_eq!(e.kind, ErrorKind::Missing);
    assert_eq!(whereis(&e), (Some("surface.kind"), Some(1), Some(1)));

    let e = err("[surface]\nkind = \"saddle\"\n[[optimizer]]\nlr = 0.1\n");
    assert_eq!(whereis(&e), (Some("optimizer[1].kind"), Some(3), Some(1)));

    let e = err(&sgd_with("schedule = { kind = \"step\" }"));
    assert_eq!(
        whereis(&e),
        (Some("optimizer[1].schedule.step_size"), Some(6), Some(12))
    );
    let e = err(&format!("[noise]\n{MIN}"));
    assert_eq!(whereis(&e), (Some("noise.std"), Some(1), Some(1)));

    let e = err("steps = 10\n[[optimizer]]\nkind = \"sgd\"\n");
    assert_eq!(whereis(&e), (Some("surface"), None, None));
    assert!(
        e.to_string()
            .starts_with("error: missing table `[surface]` in configs/demo.toml\n")
    );
}

#[test]
fn runs_must_exist_and_be_an_array_of_tables() {
    let e = err("[surface]\nkind = \"saddle\"\n");
    assert_eq!(whereis(&e), (Some("optimizer"), None, None));
    assert!(e.to_string().contains("at least one `[[optimizer]]`"));

    let e = err("[surface]\nkind = \"saddle\"\n[optimizer]\nkind = \"sgd\"\n");
    assert_eq!(whereis(&e), (Some("optimizer"), Some(3), Some(1)));
    assert!(e.to_string().contains("double brackets"));

    let e = err("optimizer = []\n[surface]\nkind = \"saddle\"\n");
    assert_eq!(whereis(&e), (Some("optimizer"), Some(1), Some(13)));
}

#[test]
fn labels_are_unique_including_defaults() {
    let e = err(&format!("{MIN}\n[[optimizer]]\nkind = \"sgd\"\n"));
    assert_eq!(e.kind, ErrorKind::Duplicate);
    assert_eq!(whereis(&e), (Some("optimizer[2].label"), Some(7), Some(1)));
    assert!(e.to_string().contains("already used on line 4"));

    let src = format!("{MIN}label = \"fast\"\n[[optimizer]]\nkind = \"adam\"\nlabel = \"fast\"\n");
    let e = err(&src);
    assert_eq!(whereis(&e), (Some("optimizer[2].label"), Some(9), Some(9)));
    assert!(e.to_string().contains("already used on line 6"));

    let e = ok(&format!(
        "{MIN}label = \"a\"\n[[optimizer]]\nkind = \"sgd\"\nlabel = \"b\"\n"
    ));
    assert_eq!(e.runs.len(), 2);
}

#[test]
fn plot_settings_are_checked() {
    let cases = [
        ("x = [1, 1]", "plot.x", "[min, max] with min < max"),
        ("y = [2, -2]", "plot.y", "[min, max] with min < max"),
        ("levels = 0", "plot.levels", "an integer from 1 to 500"),
        ("levels = 501", "plot.levels", "an integer from 1 to 500"),
        ("width = 199", "plot.width", "an integer from 200 to 8000"),
        (
            "height = 8001",
            "plot.height",
            "an integer from 200 to 8000",
        ),
        (
            "formats = \"png\"",
            "plot.formats",
            "an array of formats from: png, svg, gif (`[]`: no figures, the CSV and JSON only)",
        ),
    ];
    for (line, key, expected) in cases {
        let e = err(&format!("{MIN}[plot]\n{line}\n"));
        assert_eq!(e.key.as_deref(), Some(key), "{line}");
        assert_eq!(e.line(), Some(7), "{line}");
        assert_eq!(e.expected.as_deref(), Some(expected), "{line}");
    }
    let e = err(&format!("{MIN}[plot]\nformats = [\"png\", \"pgn\"]\n"));
    assert_eq!(whereis(&e), (Some("plot.formats"), Some(7), Some(19)));
    assert_eq!(e.suggestion.as_deref(), Some("png"));
    let e = err(&format!("{MIN}[plot]\nlog_levels = \"yes\"\n"));
    assert_eq!(e.kind, ErrorKind::WrongType);
    let data_only = ok(&format!("{MIN}[plot]\nformats = []\n"));
    assert!(data_only.plot.formats.is_empty(), "`[]`: no figures");
}

#[test]
fn output_settings_are_checked() {
    assert_eq!(ok(MIN).output.csv_every, 1, "every step by default");
    assert_eq!(
        ok(&format!("{MIN}[output]\ncsv_every = 1000\n"))
            .output
            .csv_every,
        1000
    );
    let e = err(&format!("{MIN}[output]\ncsv_every = 0\n"));
    assert_eq!(whereis(&e), (Some("output.csv_every"), Some(7), Some(13)));
    let e = err(&format!("{MIN}[output]\ncsv_evry = 10\n"));
    assert_eq!(whereis(&e), (Some("output.csv_evry"), Some(7), Some(1)));
    assert_eq!(e.suggestion.as_deref(), Some("csv_every"));
    let e = err(&format!("output = 3\n{MIN}"));
    assert_eq!(e.kind, ErrorKind::WrongType);
}

#[test]
fn schedule_parameters_are_checked() {
    // (schedule, key at fault, the text the error points at: its last occurrence).
    let cases = [
        ("{ kind = \"step\", step_size = 0 }", "step_size", "0"),
        ("{ kind = \"step\", step_size = 1.5 }", "step_size", "1.5"),
        (
            "{ kind = \"step\", step_size = 5, gamma = 0 }",
            "gamma",
            "0",
        ),
        (
            "{ kind = \"multistep\", milestones = [] }",
            "milestones",
            "[]",
        ),
        (
            "{ kind = \"multistep\", milestones = [5, 5] }",
            "milestones",
            "5",
        ),
        (
            "{ kind = \"multistep\", milestones = [0] }",
            "milestones",
            "0",
        ),
        ("{ kind = \"exponential\" }", "gamma", "{"),
        ("{ kind = \"inverse_time\" }", "k", "{"),
        ("{ kind = \"inverse_time\", k = -1 }", "k", "-1"),
        ("{ kind = \"cosine\", t_max = 0 }", "t_max", "0"),
        ("{ kind = \"cosine\", eta_min = 0.08 }", "eta_min", "0.08"),
        (
            "{ kind = \"cosine_restarts\", t_0 = 10, t_mult = 0 }",
            "t_mult",
            "0",
        ),
        ("{ kind = \"cosine_restarts\" }", "t_0", "{"),
        ("{ kind = \"step\", step_size = 5, k = 1 }", "k", "k"),
        ("\"step\"", "step_size", "\""),
        ("3", "schedule", "3"),
    ];
    for (schedule, key, needle) in cases {
        let line = format!("schedule = {schedule}");
        let e = err(&sgd_with(&line));
        let path = if key == "schedule" {
            "optimizer[1].schedule".to_string()
        } else {
            format!("optimizer[1].schedule.{key}")
        };
        let column = if needle == "{" || needle == "\"" {
            12
        } else {
            line.rfind(needle).unwrap() + 1
        };
        assert_eq!(
            whereis(&e),
            (Some(path.as_str()), Some(6), Some(column)),
            "{schedule}"
        );
    }
    let e = err(&sgd_with(
        "schedule = { kind = \"cosine\", eta_min = 0.08 }",
    ));
    assert_eq!(
        e.expected.as_deref(),
        Some("a number ≥ 0 and below the run's lr (0.08)")
    );
}

#[test]
fn toml_syntax_errors_have_a_position() {
    let e = err("[surface]\nkind = \"saddle\"\nx = [1, 2\n");
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!(
        e.to_string(),
        "error: invalid TOML in configs/demo.toml:3:10\n  unclosed array, expected `]`\n  |\n3 | x = [1, 2\n  |          ^"
    );
    let e = err("[surface]\nkind = \"saddle\"\nkind = \"bowl\"\n");
    assert_eq!((e.line(), e.column()), (Some(3), Some(1)));
    assert!(e.detail.as_deref().unwrap().contains("duplicate key"));
}

#[test]
fn empty_files_and_byte_order_marks() {
    for src in ["", "  \n\n", "\u{feff}"] {
        let e = err(src);
        assert_eq!(e.kind, ErrorKind::Missing);
        assert!(
            e.to_string()
                .contains("empty experiment file: it has no `[surface]`")
        );
    }
    assert_eq!(ok(&format!("\u{feff}{MIN}")).runs.len(), 1);
}

#[test]
fn columns_count_characters_not_bytes() {
    let e = err(&format!("plot = {{ formats = [\"ñé\", \"gif\"] }}\n{MIN}"));
    // `plot = { formats = ["ñé", ` is 27 characters (31 bytes).
    assert_eq!(whereis(&e), (Some("plot.formats"), Some(1), Some(21)));
    let e = err(&format!("plot = {{ formats = [\"png\", \"ñé\"] }}\n{MIN}"));
    assert_eq!(e.column(), Some(28));
    let text = e.to_string();
    assert!(
        text.contains("\n  |                            ^^^^\n") || text.ends_with("^^^^"),
        "{text}"
    );
}

#[test]
fn check_reports_every_error_in_source_order() {
    let src = "steps = 0\n[surface]\nkind = \"quadratc\"\n[[optimizer]]\nkind = \"adam\"\nlr = -1\n[[optimizer]]\nkind = \"sgd\"\nbetas = [0.9, 0.9]\n";
    let errors = check(src, Path::new(FILE)).unwrap_err();
    let keys: Vec<_> = errors.iter().map(|e| e.key.as_deref().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "steps",
            "surface.kind",
            "optimizer[1].lr",
            "optimizer[2].betas"
        ]
    );
    assert_eq!(err(src).key.as_deref(), Some("steps"));
}

#[test]
fn load_names_the_file_when_it_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let e = load(&missing).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Read);
    assert_eq!(
        e.to_string(),
        format!(
            "error: cannot read {}: No such file or directory",
            missing.display()
        )
    );
    let e = load(dir.path()).unwrap_err();
    assert!(e.to_string().contains("it is a directory"), "{e}");

    let binary = dir.path().join("bin.toml");
    std::fs::write(&binary, b"[surface]\nkind = \"\xff\"\n").unwrap();
    let e = load(&binary).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Read);
    assert!(
        e.to_string()
            .contains("not UTF-8 text (invalid byte at line 2, column 9)"),
        "{e}"
    );

    let good = dir.path().join("saddle-run.toml");
    std::fs::write(&good, MIN).unwrap();
    assert_eq!(load(&good).unwrap().name, "saddle-run");
}

#[test]
fn run_overrides_win_and_a_cosine_follows_the_new_steps() {
    let src = format!(
        "steps = 300\nseed = 1\n{MIN}schedule = \"cosine\"\n[plot]\nformats = [\"png\"]\n\
         [output]\ncsv_every = 3\n"
    );
    let overrides = Overrides {
        steps: Some(40),
        seed: Some(9),
        formats: Some(vec!["svg".into()]),
        csv_every: Some(10),
        ..Overrides::default()
    };
    overrides.validate().unwrap();
    let e = check_with(&src, Path::new(FILE), &overrides).unwrap();
    assert_eq!((e.steps, e.seed), (40, 9));
    assert_eq!(e.plot.formats, ["svg"]);
    assert_eq!(e.output.csv_every, 10);
    assert_eq!(ok(&src).output.csv_every, 3);
    assert_eq!(
        e.runs[0].spec().schedule,
        Schedule::Cosine {
            t_max: 40,
            eta_min: 0.0
        }
    );
    let bad = Overrides {
        steps: Some(0),
        ..Overrides::default()
    };
    assert_eq!(bad.validate().unwrap_err().option, "--steps");
    let bad = Overrides {
        formats: Some(vec!["jpg".into()]),
        ..Overrides::default()
    };
    assert_eq!(bad.validate().unwrap_err().option, "--format");
    let bad = Overrides {
        csv_every: Some(0),
        ..Overrides::default()
    };
    assert_eq!(bad.validate().unwrap_err().option, "--csv-every");
}

// ---------------------------------------------------------------- compare

fn request(opts: &[&str]) -> CompareRequest {
    CompareRequest {
        optimizers: opts
            .iter()
            .map(|name| crate::core::registry::optimizer(name).expect("a kind"))
            .collect(),
        ..CompareRequest::default()
    }
}

#[test]
fn compare_with_data_trains_networks_at_the_network_lrs_and_refuses_surface_flags() {
    let moons = crate::core::network::data::dataset_kind("moons");
    let e = compare_experiment(&CompareRequest {
        data: moons,
        ..request(&["sgd", "adam"])
    })
    .unwrap();
    assert_eq!(e.name, "compare-moons");
    assert_eq!(e.steps, 2000);
    let problem = e.network().expect("a network experiment");
    assert_eq!(problem.data_kind(), "moons");
    assert_eq!(problem.model.hidden, [64]);
    assert_eq!(problem.data.batch, 32);
    let lrs: Vec<f64> = e.runs.iter().map(|r| r.lr).collect();
    assert_eq!(lrs, [0.1, 0.01]);
    let digits = compare_experiment(&CompareRequest {
        data: crate::core::network::data::dataset_kind("digits"),
        steps: Some(7),
        lr: LrRequest::PerKind(vec![("adam".to_string(), 0.003)]),
        seed: Some(4),
        ..request(&["sgd", "adam"])
    })
    .unwrap();
    assert_eq!((digits.steps, digits.seed), (7, 4));
    assert_eq!(digits.network().unwrap().data.batch, 64);
    assert_eq!(digits.runs[1].lr, 0.003);
    let with = |req: CompareRequest| {
        compare_experiment(&CompareRequest { data: moons, ..req })
            .unwrap_err()
            .to_string()
    };
    let surface = crate::core::registry::surface("saddle");
    let e = with(CompareRequest {
        surface,
        ..request(&["sgd"])
    });
    assert!(e.contains("--surface"), "{e}");
    let e = with(CompareRequest {
        noise: Some(0.1),
        ..request(&["sgd"])
    });
    assert!(e.contains("--noise"), "{e}");
    let e = with(CompareRequest {
        steps: Some(0),
        ..request(&["sgd"])
    });
    assert!(e.contains("--steps"), "{e}");
}

#[test]
fn compare_with_only_opt_uses_every_default() {
    let e = compare_experiment(&request(&["sgd", "momentum", "adam"])).unwrap();
    let quadratic = crate::core::registry::default_surface("quadratic").unwrap();
    assert_eq!(e.name, "compare-quadratic");
    assert_eq!(
        surface_of(&e),
        &SurfaceProblem::default_of("quadratic").unwrap()
    );
    assert_eq!(
        (e.steps, e.seed, e.noise, e.tolerance),
        (200, 0, None, None)
    );
    assert_eq!(surface_of(&e).start, quadratic.default_start());
    assert_eq!(e.plot, PlotSettings::default());
    let labels: Vec<_> = e.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["sgd", "momentum", "adam"]);
    for run in &e.runs {
        assert_eq!(run.lr, run.optimizer.kind.default_lr("quadratic"));
        assert_eq!(run.optimizer.settings, run.optimizer.kind.defaults());
        assert_eq!(run.spec().schedule, Schedule::Constant);
    }
    assert_eq!(e.runs[1].summary(), "lr=0.0125, ρ=0.9");
}

#[test]
fn compare_applies_overrides() {
    let req = CompareRequest {
        surface: crate::core::registry::surface("saddle"),
        start: Some([0.5, 0.01]),
        steps: Some(50),
        lr: LrRequest::PerKind(vec![("adam".into(), 0.3)]),
        noise: Some(0.2),
        formats: Some(vec!["svg".into(), "svg".into()]),
        seed: Some(7),
        ..request(&["sgd", "adam"])
    };
    let e = compare_experiment(&req).unwrap();
    assert_eq!(e.name, "compare-saddle");
    assert_eq!(
        (e.steps, e.seed, surface_of(&e).start, e.noise),
        (50, 7, [0.5, 0.01], Some(0.2))
    );
    assert_eq!(e.plot.formats, ["svg"]);
    assert_eq!(
        e.runs[0].lr,
        crate::core::optim::sgd::SGD.default_lr("saddle")
    );
    assert_eq!(e.runs[1].lr, 0.3);
    let all = CompareRequest {
        lr: LrRequest::All(0.01),
        ..request(&["sgd", "adam"])
    };
    let e = compare_experiment(&all).unwrap();
    assert!(e.runs.iter().all(|r| r.lr == 0.01));
}

#[test]
fn compare_usage_errors_are_clear() {
    let fails = |req: CompareRequest| compare_experiment(&req).unwrap_err();

    // Unknown names never get here: the command line's value parsers refuse them (cli.rs).
    let e = fails(request(&["sgd", "adam", "sgd"]));
    assert!(e.message.contains("`sgd` is listed twice"), "{e}");

    let e = fails(request(&[]));
    assert!(e.message.contains("no optimizer given"), "{e}");

    let e = fails(CompareRequest {
        lr: LrRequest::PerKind(vec![("rmsprop".into(), 0.1)]),
        ..request(&["sgd", "adam"])
    });
    assert_eq!(e.option, "--lr");
    assert!(
        e.message
            .contains("`rmsprop` has a learning rate but is not among the optimizers of --opt"),
        "{e}"
    );

    let e = fails(CompareRequest {
        lr: LrRequest::PerKind(vec![("adma".into(), 0.1)]),
        ..request(&["sgd", "adam"])
    });
    assert!(e.message.contains("Did you mean `adam`?"), "{e}");

    for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let e = fails(CompareRequest {
            lr: LrRequest::All(lr),
            ..request(&["sgd"])
        });
        assert!(e.message.contains("must be a finite number > 0"), "{e}");
        let e = fails(CompareRequest {
            lr: LrRequest::PerKind(vec![("sgd".into(), lr)]),
            ..request(&["sgd"])
        });
        assert!(e.message.contains("for `sgd` must be"), "{e}");
    }

    for steps in [0, MAX_STEPS + 1] {
        let e = fails(CompareRequest {
            steps: Some(steps),
            ..request(&["sgd"])
        });
        assert_eq!(e.option, "--steps");
        assert!(e.message.contains("from 1 to 1000000"), "{e}");
    }

    let e = fails(CompareRequest {
        formats: Some(vec!["webp".into()]),
        ..request(&["sgd"])
    });
    assert_eq!(e.option, "--format");
    let e = fails(CompareRequest {
        noise: Some(-1.0),
        ..request(&["sgd"])
    });
    assert_eq!(e.option, "--noise");
    let e = fails(CompareRequest {
        start: Some([f64::NAN, 0.0]),
        ..request(&["sgd"])
    });
    assert_eq!(e.option, "--start");
}

// ---------------------------------------------------------------- never a panic

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const KEYS: [&str; 40] = [
        "name",
        "steps",
        "seed",
        "start",
        "tolerance",
        "kind",
        "label",
        "lr",
        "schedule",
        "momentum",
        "dampening",
        "nesterov",
        "weight_decay",
        "lr_decay",
        "initial_accumulator_value",
        "eps",
        "alpha",
        "betas",
        "amsgrad",
        "bias_correction",
        "momentum_decay",
        "matrix",
        "center",
        "a",
        "b",
        "c",
        "global",
        "barrier",
        "local",
        "curvature",
        "x",
        "y",
        "levels",
        "log_levels",
        "width",
        "height",
        "formats",
        "std",
        "t_max",
        "milestones",
    ];
    const VALUES: [&str; 32] = [
        "0",
        "1",
        "-1",
        "200",
        "1e300",
        "-1e-300",
        "0.5",
        "1.0",
        "nan",
        "-inf",
        "+inf",
        "99999999999999999999999",
        "0x7f",
        "true",
        "\"adam\"",
        "\"sgd\"",
        "\"quadratic\"",
        "\"bowl\"",
        "\"step\"",
        "\"cosine\"",
        "\"png\"",
        "\"\"",
        "[]",
        "[1, 2]",
        "[0.9, 0.999]",
        "[[1, 0], [0, 20]]",
        "[[1, 2], [3]]",
        "[1, \"a\"]",
        "{}",
        "{ kind = \"step\", step_size = 0 }",
        "{ kind = \"cosine_restarts\", t_0 = 1, t_mult = 1 }",
        "1979-05-27",
    ];
    const HEADERS: [&str; 7] = [
        "",
        "[surface]",
        "[noise]",
        "[plot]",
        "[[optimizer]]",
        "[optimizer.schedule]",
        "[optimizer]",
    ];

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            (0..HEADERS.len()).prop_map(|h| HEADERS[h].to_string()),
            (0..KEYS.len(), 0..VALUES.len())
                .prop_map(|(k, v)| format!("{} = {}", KEYS[k], VALUES[v])),
            (0..OPTIMIZERS.len()).prop_map(|k| format!("kind = \"{}\"", OPTIMIZERS[k].name)),
        ]
    }

    fn render_all(src: &str) {
        if let Err(errors) = check(src, Path::new("p.toml")) {
            assert!(!errors.is_empty());
            for e in errors {
                let text = e.to_string();
                assert!(text.starts_with("error: "));
                if let Some(p) = e.position {
                    assert!(p.line >= 1 && p.column >= 1);
                    assert!(p.line <= src.lines().count().max(1) + 1);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn on_arbitrary_text(src in any::<String>()) {
            render_all(&src);
        }

        #[test]
        fn on_toml_made_of_valid_keys(lines in proptest::collection::vec(line(), 0..24)) {
            let src = lines.join("\n");
            render_all(&src);
        }

        #[test]
        fn on_a_valid_file_with_one_value_changed(k in 0..KEYS.len(), v in 0..VALUES.len(), table in 0..3usize) {
            let assignment = format!("{} = {}", KEYS[k], VALUES[v]);
            let src = match table {
                0 => format!("{assignment}\n{MIN}"),
                1 => format!("[surface]\nkind = \"bowl\"\n{assignment}\n[[optimizer]]\nkind = \"adam\"\n"),
                _ => format!("{MIN}{assignment}\n"),
            };
            render_all(&src);
        }
    }
}

#[test]
fn data_only_and_a_thinned_csv_are_written_back_as_they_were_read() {
    let e = ok(&format!(
        "{MIN}[plot]\nformats = []\n[output]\ncsv_every = 7\n"
    ));
    let text = super::write::experiment(&e, "written back");
    let back = ok(&text);
    assert!(back.plot.formats.is_empty(), "{text}");
    assert_eq!(back.output, e.output, "{text}");
    assert!(!super::write::experiment(&ok(MIN), "").contains("[output]"));
}

#[test]
fn rules_between_keys_are_checked_in_the_same_pass_as_every_other_mistake() {
    let all = |src: &str| check(src, Path::new(FILE)).unwrap_err();
    // Nesterov without momentum, and a bad weight decay: both at once.
    let errors = all(&opt("sgd", "nesterov = true\nweight_decay = -1"));
    let keys: Vec<_> = errors.iter().map(|e| e.key.as_deref().unwrap()).collect();
    assert_eq!(
        keys,
        ["optimizer[1].momentum", "optimizer[1].weight_decay"],
        "{errors:?}"
    );
    assert_eq!(
        errors[0].found.as_deref(),
        Some("momentum = 0, dampening = 0, nesterov = true")
    );
    // The barrier out of order, and a curvature of zero.
    let errors = all(
        "[surface]\nkind = \"bowl\"\nbarrier = 5\ncurvature = 0\n[[optimizer]]\nkind = \"sgd\"\n",
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    // A key that was wrong is not judged again by a rule: one error, not two.
    let errors = all(&opt("sgd", "nesterov = true\nmomentum = -0.5"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    // A formula's mistake and a bad window, together.
    let errors = all(
        "start = [0, 0]\n[surface]\nkind = \"expr\"\nf = \"x + z\"\nwindow = [[1, 0], [0, 1]]\n\
         [[optimizer]]\nkind = \"sgd\"\n",
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn a_run_turning_batch_norm_on_trains_its_own_network_from_the_same_weights() {
    let text = "[data]\nkind = \"moons\"\n[model]\nhidden = [8, 4]\n\
                [[optimizer]]\nkind = \"sgd\"\n\
                [[optimizer]]\nkind = \"sgd\"\nlabel = \"bn\"\nbatch_norm = true\n";
    let e = parse(text, Path::new("bn.toml")).unwrap();
    let problem = e.network().unwrap();
    let (plain, plain_start) = problem.model(&e.runs[0].network);
    let (normed, normed_start) = problem.model(&e.runs[1].network);
    assert!(!plain.architecture.batch_norm && normed.architecture.batch_norm);
    // γ and β of the two hidden layers: 2 × (8 + 4) more parameters.
    assert_eq!(normed.parameters(), plain.parameters() + 24);
    for (a, b) in plain.layers.iter().zip(&normed.layers) {
        let weights = |start: &ndarray::Array1<f64>, range: std::ops::Range<usize>| {
            start.as_slice().unwrap()[range].to_vec()
        };
        assert_eq!(
            weights(plain_start, a.weight.clone()),
            weights(normed_start, b.weight.clone())
        );
    }
    assert!(e.runs[1].summary().contains("batch norm"));
}

#[test]
fn labels_and_train_points_shape_the_data_and_survive_a_new_noise() {
    let text = "[data]\nkind = \"spiral\"\nclasses = 5\nnoise = 0.2\nlabels = [4, 1]\n\
                validation = 0.5\ntrain_points = 12\n[[optimizer]]\nkind = \"sgd\"\n\
                [[optimizer]]\nkind = \"sgd\"\nlabel = \"fewer\"\ntrain_points = 4\n";
    let e = parse(text, Path::new("labels.toml")).unwrap();
    let problem = e.network().unwrap();
    assert_eq!(problem.train.classes, 2);
    assert_eq!(problem.train.class_counts(), [6, 6]);
    // 300 points over 5 arms: 60 each, half held out.
    assert_eq!(problem.validation.class_counts(), [30, 30]);
    assert_eq!(problem.train_set(&e.runs[1].network).class_counts(), [2, 2]);
    assert_eq!(problem.train_set(&e.runs[0].network).len(), 12);
    // The playground's `n` draws the data again with another noise: the same recipe, so the
    // file's noise gives the file's data back.
    let again = problem.with_data_noise(0.2).unwrap();
    assert_eq!(again.train, problem.train);
    assert_eq!(again.validation, problem.validation);
}
