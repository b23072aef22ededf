//! `optplay explain TOPIC` for the parts of a network experiment that are not kinds: the
//! regularisers and augmentation (what each does at training and at evaluation, as
//! `core::network` does it), and the keys of `[model]` and `[data]` with their defaults, read
//! from `config::network`; ensembles, snapshots and averaging are in `after.rs`.

use crate::config::network::{
    DATA_KEYS, DEFAULT_INIT_STD, DEFAULT_ROWS, DEFAULT_VALIDATION, MODEL_KEYS, RUN_KEYS,
};
use crate::config::{ModelSettings, NETWORK_LR_KEY};
use crate::core::network::model::{BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, Init};
use crate::core::registry::OPTIMIZERS;
use crate::number::short;

use super::pad;

/// The topics, in the order the did-you-mean lists them.
pub const TOPICS: [&str; 12] = [
    "model",
    "data",
    "augment",
    "dropout",
    "dropconnect",
    "batch_norm",
    "l2",
    "l1",
    "transfer",
    "ensemble",
    "snapshots",
    "average",
];

/// Where a run may change a `[model]` or `[data]` key for itself.
fn run_override_note() -> String {
    format!(
        "An [[optimizer]] table may set {} for its run alone, to compare \"dropout 0 vs 0.5\" \
         in one file.",
        RUN_KEYS
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The optimizer kinds with a `weight_decay` key.
fn decaying_kinds() -> String {
    OPTIMIZERS
        .iter()
        .filter(|k| k.keys.iter().any(|key| key.name == "weight_decay"))
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn penalty_text(which: &str) -> String {
    let (formula, gradient) = if which == "l2" {
        ("½·l2·Σ W²", "l2·W")
    } else {
        ("l1·Σ |W|", "l1·sign(W)")
    };
    let other = if which == "l2" {
        "l2 shrinks each weight in proportion to its size; l1 = λ (λ·Σ |W|) pulls every \
         weight by the same amount whatever its size, so it pushes small weights towards 0 \
         (sparse weights)."
    } else {
        "l1's pull is the same for every weight whatever its size, so it pushes small weights \
         towards 0 (sparse weights); l2 = λ (½·λ·Σ W²) shrinks each weight in proportion to \
         its size."
    };
    paragraphs(&[
        format!(
            "{which} — a penalty on the weights added to the training loss ([model] {which} = 0 \
             by default)"
        ),
        String::new(),
        format!("    loss = cross-entropy + {formula}        gradient += {gradient}"),
        String::new(),
        format!(
            "W is every Linear layer's weight matrix: never the biases, never batch norm's γ \
             and β. {other} The term is part of what the optimizer minimises at every step; \
             the losses in history.csv and curves.png leave it out (cross-entropy only, so \
             runs with and without it compare), and summary.json's `penalty` holds it at the \
             final weights."
        ),
        String::new(),
        format!(
            "Not the optimizer's own `weight_decay` ({}): that decays every parameter, biases \
             and γ, β included (torch's rule). Most rules add weight_decay·x to the gradient \
             before their own arithmetic, so l2 = λ and weight_decay = λ differ only on the \
             biases and γ, β; adamw and adafactor (and radam with decoupled_weight_decay = \
             true) instead shrink the parameters directly, outside the rule's rescaling.",
            decaying_kinds()
        ),
        String::new(),
        run_override_note(),
    ])
}

/// Paragraphs into text: each wrapped, an indented one kept as it is.
pub(super) fn paragraphs(parts: &[String]) -> String {
    parts
        .iter()
        .flat_map(|p| {
            if p.is_empty() {
                vec![String::new()]
            } else if p.starts_with("    ") || p.contains('\n') {
                p.lines().map(ToString::to_string).collect()
            } else {
                super::datasets::wrap(p, 90)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn augment() -> String {
    paragraphs(&[
        "augment — training-time augmentation: [data] augment = { ... }, or per run".to_string(),
        String::new(),
        "Each minibatch is perturbed afresh at every step, so the network never sees exactly \
         the same example twice. Only the training minibatches: the validation set, and the \
         training set as history.csv and the figures measure it, are never augmented."
            .to_string(),
        String::new(),
        "Points (every kind but digits):\n    \
         jitter = 0.0     add N(0, jitter²) to every coordinate\n    \
         rotate = 0.0     rotate about the origin by an angle uniform in ±rotate degrees (≤ 180)\n    \
         flip = false     negate x (x → −x) with probability ½\n    \
         (each point: rotated, then flipped, then jittered)"
            .to_string(),
        String::new(),
        "Digits (8×8 images):\n    \
         shift = 0        move each image by dy, dx, each uniform in −shift..shift whole pixels\n                     \
         (0 to 4); pixels moved out are lost, those moved in are 0"
            .to_string(),
        String::new(),
        "Never a flip for digits: a flipped digit is another digit, or no digit at all (a \
         mirrored 2 is no 2), while its label would still say what it was. `flip` in a \
         digits file is refused (exit 2); a shift keeps the digit what it is."
            .to_string(),
        String::new(),
        "Augmentation is a regulariser: it widens the training set, so the validation curve \
         stays closer to the training curve (curves.png) and the decision regions smoother \
         (boundaries.png)."
            .to_string(),
    ])
}

fn dropout() -> String {
    paragraphs(&[
        "dropout — zero each hidden activation with probability p at training time ([model] \
         dropout = 0 by default, p in [0, 1))"
            .to_string(),
        String::new(),
        "After every hidden layer's activation (never the inputs, never the class scores), a \
         fresh mask per example and per step: each unit is kept with probability 1 − p."
            .to_string(),
        String::new(),
        "    inverted_dropout = true (default): training keeps the survivors scaled by 1/(1 − p);\n        \
         evaluation (validation, history.csv, the figures) uses the network as it is: the identity.\n    \
         inverted_dropout = false: the naive variant, survivors unscaled at training and nothing\n        \
         at evaluation."
            .to_string(),
        String::new(),
        "The naive variant's mismatch: a unit's expected output at training is (1 − p) times \
         its output at evaluation, so the network that is measured is not the one that was \
         trained. The lecture's fix is to scale at test \
         time; inverted dropout scales at training instead, so evaluation needs nothing."
            .to_string(),
        String::new(),
        run_override_note(),
    ])
}

fn dropconnect() -> String {
    paragraphs(&[
        "dropconnect — zero each weight with probability p at training time ([model] \
         dropconnect = 0 by default, p in [0, 1))"
            .to_string(),
        String::new(),
        "Every Linear layer's weights, the last one included (not the biases): a fresh mask \
         at every step, shared by the minibatch's examples, survivors scaled by 1/(1 − p). \
         Evaluation uses the weights as they are. Dropout drops a unit's whole output for one \
         example; DropConnect drops single connections for the whole batch."
            .to_string(),
        String::new(),
        run_override_note(),
    ])
}

fn transfer() -> String {
    paragraphs(&[
        "transfer — start from another network's trained layers ([transfer], network files)"
            .to_string(),
        String::new(),
        "    [transfer]\n    \
         from = \"source.toml\"   # an experiment file, trained first; or a model-*.json\n    \
         run = \"adam\"           # which of its runs (default: the first)\n    \
         reinit = \"head\"        # head | none: the last layer starts afresh, or is kept\n    \
         train = \"head\"         # head | all: what each run trains unless it says"
            .to_string(),
        String::new(),
        "The body (every layer below the last, batch norm included) is copied from the \
         source, which must have the same widths. The head is the last Linear: re-initialised \
         it is drawn as a run from scratch draws it, so the number of classes may differ; \
         kept, it must have as many. A run's own `transfer = \"scratch\" | \"head\" | \"all\"` \
         chooses for that run: scratch ignores the source (the baseline), head trains the \
         last layer alone with the body frozen (the optimizer never sees it: no momentum, no \
         weight decay, as torch's requires_grad = False), all fine-tunes every layer. Batch \
         norm's running statistics start afresh and follow the target's data."
            .to_string(),
        String::new(),
        "The source experiment is trained once, with its own steps and seed, before the \
         runs (and before a sweep's jobs): every run and seed starts from the same body. \
         The lecture's rule of thumb: with little data train the head alone; with more, \
         fine-tune more. Sweep `\"data.train_points\" = [...]` to see where that turns \
         (configs/sweep_transfer.toml)."
            .to_string(),
    ])
}

fn batch_norm() -> String {
    paragraphs(&[
        "batch_norm — normalise each hidden unit over the minibatch ([model] batch_norm = false \
         by default)"
            .to_string(),
        String::new(),
        format!(
            "Between every hidden Linear and its activation (torch's BatchNorm1d): \
             y = γ·(z − μ)/√(σ² + ε) + β, ε = {}, γ starting at 1 and β at 0, both trained.",
            short(BATCH_NORM_EPS)
        ),
        String::new(),
        format!(
            "    training: μ and σ² are the minibatch's mean and (biased) variance;\n        \
             after each step the running statistics move towards them with momentum {m}:\n        \
             running ← (1 − {m})·running + {m}·batch (the variance unbiased), from mean 0, variance 1.\n    \
             evaluation (validation, history.csv, the figures): the running statistics.",
            m = short(BATCH_NORM_MOMENTUM)
        ),
        String::new(),
        "So a minibatch of one example normalises to β, and a run's early validation numbers \
         use running statistics that have not caught up yet. l2 and l1 leave γ and β alone."
            .to_string(),
    ])
}

/// `key = default` and its meaning, lined up.
fn key_table(rows: &[(String, String)]) -> Vec<String> {
    let width = rows
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(setting, meaning)| format!("    {}   {meaning}", pad(setting, width)))
        .collect()
}

/// The `[model]` keys with their defaults, in [`MODEL_KEYS`]' order.
pub(crate) fn model_rows() -> Vec<(String, String)> {
    let d = ModelSettings::defaults();
    let r = d.regularisation;
    let init = match d.init {
        Init::He => "he",
        Init::Xavier => "xavier",
        Init::Normal { .. } => "normal",
    };
    let widths: Vec<String> = d.hidden.iter().map(ToString::to_string).collect();
    MODEL_KEYS
        .iter()
        .map(|&key| {
            let (setting, meaning) = match key {
                "hidden" => (
                    format!("hidden = [{}]", widths.join(", ")),
                    "widths of the hidden layers (up to 16, each 1 to 4096); []: a linear softmax classifier",
                ),
                "activation" => (
                    format!("activation = \"{}\"", d.activation.name()),
                    "relu | tanh | sigmoid | linear, after every hidden layer",
                ),
                "init" => (
                    format!("init = \"{init}\""),
                    "he: N(0, 2/fan_in) | xavier: N(0, 2/(fan_in + fan_out)) | normal: N(0, init_std²); biases 0",
                ),
                "init_std" => (
                    format!("init_std = {}", short(DEFAULT_INIT_STD)),
                    "the std of init = \"normal\" (giving only init_std means normal)",
                ),
                "l2" => (format!("l2 = {}", short(r.l2)), "½·l2·Σ W² on the weights (`optplay explain l2`)"),
                "l1" => (format!("l1 = {}", short(r.l1)), "l1·Σ |W| on the weights (`optplay explain l1`)"),
                "dropout" => (
                    format!("dropout = {}", short(r.dropout)),
                    "probability of zeroing a hidden activation (`optplay explain dropout`)",
                ),
                "dropconnect" => (
                    format!("dropconnect = {}", short(r.dropconnect)),
                    "probability of zeroing a weight (`optplay explain dropconnect`)",
                ),
                "batch_norm" => (
                    format!("batch_norm = {}", d.batch_norm),
                    "normalise every hidden layer (`optplay explain batch_norm`)",
                ),
                "init_from" => (
                    "init_from (optional)".to_string(),
                    "a weights file to start from instead of init, relative to this file",
                ),
                "inverted_dropout" => (
                    format!("inverted_dropout = {}", r.inverted_dropout),
                    "false: the naive dropout (`optplay explain dropout`)",
                ),
                _ => (key.to_string(), "a key of [model]"),
            };
            (setting, meaning.to_string())
        })
        .collect()
}

/// The `[data]` keys with their defaults, in [`DATA_KEYS`]' order.
pub(crate) fn data_rows() -> Vec<(String, String)> {
    DATA_KEYS
        .iter()
        .map(|&key| match key {
            "kind" => (
                "kind (required)".to_string(),
                "spiral | moons | circles | xor | gaussians | digits | csv (`optplay list datasets`)"
                    .to_string(),
            ),
            "points" => (
                "points = the kind's".to_string(),
                "how many examples in all (not for csv)".to_string(),
            ),
            "classes" => (
                "classes = the kind's".to_string(),
                "spiral arms, Gaussian blobs; fixed for the others".to_string(),
            ),
            "noise" => (
                "noise = the kind's".to_string(),
                "the generator's noise (not for digits or csv)".to_string(),
            ),
            "validation" => (
                format!("validation = {}", short(DEFAULT_VALIDATION)),
                "fraction of each class held out (stratified), in [0, 1); 0: none".to_string(),
            ),
            "batch" => (
                "batch = 0".to_string(),
                "minibatch size; 0 (or the whole training set): full batch".to_string(),
            ),
            "augment" => (
                "augment = {}".to_string(),
                "training-time augmentation (`optplay explain augment`)".to_string(),
            ),
            "path" => (
                "path (csv: required)".to_string(),
                "the CSV file, relative to this file (`optplay explain csv`)".to_string(),
            ),
            "labels" => (
                "labels = all".to_string(),
                "only these classes, renumbered from 0 in this order: [5, 6, 7, 8, 9]".to_string(),
            ),
            "train_points" => (
                "train_points = all".to_string(),
                "train on this many of the training split (stratified); validation stays whole"
                    .to_string(),
            ),
            _ => (key.to_string(), "a key of [data]".to_string()),
        })
        .collect()
}

fn model() -> String {
    let mut out = vec![
        "model — [model]: the network, a multilayer perceptron trained by softmax cross-entropy"
            .to_string(),
        String::new(),
        "Linear → (batch norm) → activation → (dropout) for each hidden layer, then a Linear to the \
         class scores. Every key is optional (no [model] at all: these defaults):"
            .to_string(),
    ];
    out.extend(key_table(&model_rows()));
    out.push(String::new());
    out.push(format!(
        "Each optimizer's default lr for networks is its `{NETWORK_LR_KEY}` rate (`optplay list optimizers`)."
    ));
    out.push(run_override_note());
    paragraphs(&out)
}

fn data() -> String {
    let mut out = vec![
        "data — [data]: what a network experiment trains on (with [model], instead of [surface])"
            .to_string(),
        String::new(),
    ];
    out.extend(key_table(&data_rows()));
    out.push(String::new());
    out.push(format!(
        "Beside them, at the top of the file: record_every = a history row every k steps \
         (default: about {DEFAULT_ROWS} rows per run). Every run trains on the same split from \
         the same initial weights; `seed` seeds the data, the split, the weights, the \
         minibatches, the masks and the augmentation."
    ));
    out.push(run_override_note());
    paragraphs(&out)
}

/// The text of a network topic; `None` for any other name.
pub(crate) fn explain_topic(name: &str) -> Option<String> {
    Some(match name {
        "model" => model(),
        "data" => data(),
        "augment" => augment(),
        "dropout" => dropout(),
        "dropconnect" => dropconnect(),
        "batch_norm" => batch_norm(),
        "l2" | "l1" => penalty_text(name),
        "transfer" => transfer(),
        "ensemble" => super::after::ensemble(),
        "snapshots" => super::after::snapshots(),
        "average" => super::after::average(),
        _ => return None,
    })
}
