//! The network problem: `[data]`, `[model]`, `record_every`, and the regularisation keys a run
//! may override. The data are generated or read here, so a broken CSV or weights file is a
//! configuration error like any other (exit 2, nothing written), and every run of the file
//! trains on the same split from the same initial weights.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Array1;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::core::network::data::{self, Augment, DataSpec, Dataset};
use crate::core::network::model::{Activation, Architecture, Init, Network, Regularisation};
use crate::core::network::train::{MAX_HESSIAN_PARAMETERS, Training};

use super::error::ErrorKind;
use super::reader::{Cx, Table, Value};
use super::transfer::Transfer;
use super::weights;
use crate::core::network::transfer::{TransferMode, head_start};

mod tables;
pub(crate) use tables::run_overrides;
use tables::{data_table, model_table, read_csv};

/// The keys `[data]` takes.
pub const DATA_KEYS: [&str; 10] = [
    "kind",
    "points",
    "classes",
    "noise",
    "validation",
    "batch",
    "augment",
    "path",
    "labels",
    "train_points",
];
/// The keys `[model]` takes.
pub const MODEL_KEYS: [&str; 11] = [
    "hidden",
    "activation",
    "init",
    "init_std",
    "l2",
    "l1",
    "dropout",
    "dropconnect",
    "batch_norm",
    "init_from",
    "inverted_dropout",
];
/// The keys of `[model]` and `[data]` an `[[optimizer]]` of a network file may override, so
/// one file can compare "dropout 0 vs 0.5".
pub const RUN_KEYS: [&str; 10] = [
    "dropout",
    "dropconnect",
    "l1",
    "l2",
    "inverted_dropout",
    "batch_norm",
    "batch",
    "augment",
    "train_points",
    "transfer",
];
/// What a run's `transfer` may say.
const TRANSFER_MODES: [&str; 3] = ["scratch", "head", "all"];
/// The keys `augment` takes.
const AUGMENT_KEYS: [&str; 4] = ["jitter", "rotate", "shift", "flip"];
/// The most hidden layers, and the widest.
const MAX_DEPTH: usize = 16;
const MAX_WIDTH: u64 = 4096;
/// The default validation fraction.
pub const DEFAULT_VALIDATION: f64 = 0.2;
/// About this many history rows per run when `record_every` is not given.
pub const DEFAULT_ROWS: u64 = 500;
/// `init_std` when not given: CS231n's `0.01 * randn`.
pub const DEFAULT_INIT_STD: f64 = 0.01;
/// Seeds the initial weights apart from the data's stream.
const INIT_STREAM: u64 = 0x696e_6974;
/// Seeds the choice of a `train_points` part of the training split.
const SUBSET_STREAM: u64 = 0x7375_6273;

/// Where the examples come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// A generator (the toy kinds, digits).
    Generated(DataSpec),
    /// `kind = "csv"`: a file of points, resolved against the experiment file's folder.
    Csv(PathBuf),
}

/// `[data]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSettings {
    pub source: DataSource,
    /// Fraction of each class held out.
    pub validation: f64,
    /// Minibatch size; 0: full batch.
    pub batch: usize,
    pub augment: Augment,
    /// `labels`: only the examples of these classes, renumbered from 0 in this order.
    pub labels: Option<Vec<usize>>,
    /// `train_points`: train on this many of the training split (stratified, seeded by the
    /// file's seed); the validation split stays whole.
    pub train_points: Option<usize>,
}

/// `[model]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSettings {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub init: Init,
    pub batch_norm: bool,
    pub regularisation: Regularisation,
    /// `init_from`: the weights file the initial weights came from.
    pub init_from: Option<PathBuf>,
}

/// What an `[[optimizer]]` of a network file overrides of `[model]` and `[data]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunOverrides {
    pub dropout: Option<f64>,
    pub dropconnect: Option<f64>,
    pub l1: Option<f64>,
    pub l2: Option<f64>,
    pub inverted_dropout: Option<bool>,
    /// With or without batch norm: the run trains its own variant of the network, from the
    /// same initial weights (batch norm's γ at 1, β at 0).
    pub batch_norm: Option<bool>,
    pub batch: Option<usize>,
    pub augment: Option<Augment>,
    /// This many of the training split (a smaller part of it, seeded by the file's seed).
    pub train_points: Option<usize>,
    /// What the run takes from `[transfer]`'s source: nothing (scratch), its body under a
    /// trained head, or its body fine-tuned.
    pub transfer: Option<TransferMode>,
}

/// The `[model]` and `[data]` keys a network sweep may take as a grid axis (`"model.l2" =
/// [0, 1e-3]`): the ones a run may override, so each value is a run's override.
pub const SWEEP_AXES: [&str; 6] = [
    "model.l1",
    "model.l2",
    "model.dropout",
    "model.dropconnect",
    "data.batch",
    "data.train_points",
];

impl RunOverrides {
    /// Sets the override a sweep axis of [`SWEEP_AXES`] names; false for any other key or a
    /// value of the wrong type.
    pub fn set_axis(&mut self, key: &str, value: &crate::core::spec::Value) -> bool {
        use crate::core::spec::Value;
        match (key, value) {
            ("model.l1", Value::Number(v)) => self.l1 = Some(*v),
            ("model.l2", Value::Number(v)) => self.l2 = Some(*v),
            ("model.dropout", Value::Number(v)) => self.dropout = Some(*v),
            ("model.dropconnect", Value::Number(v)) => self.dropconnect = Some(*v),
            ("data.batch", Value::Integer(b)) => self.batch = Some(*b as usize),
            ("data.train_points", Value::Integer(n)) => self.train_points = Some(*n as usize),
            _ => return false,
        }
        true
    }

    /// "dropout 0.5, l2 0.001": what the run changes, for its legend.
    pub fn summary(&self) -> Vec<String> {
        let short = crate::number::short;
        let mut parts = Vec::new();
        let numbers = [
            ("dropout", self.dropout),
            ("dropconnect", self.dropconnect),
            ("l1", self.l1),
            ("l2", self.l2),
        ];
        for (name, value) in numbers {
            if let Some(v) = value {
                parts.push(format!("{name} {}", short(v)));
            }
        }
        if self.inverted_dropout == Some(false) {
            parts.push("naive dropout".to_string());
        }
        match self.batch_norm {
            Some(true) => parts.push("batch norm".to_string()),
            Some(false) => parts.push("no batch norm".to_string()),
            None => {}
        }
        if let Some(batch) = self.batch {
            parts.push(match batch {
                0 => "full batch".to_string(),
                b => format!("batch {b}"),
            });
        }
        if let Some(n) = self.train_points {
            parts.push(format!("{n} training points"));
        }
        if let Some(mode) = self.transfer {
            parts.push(match mode {
                TransferMode::Scratch => "from scratch".to_string(),
                TransferMode::Head => "head only".to_string(),
                TransferMode::All => "fine-tuned".to_string(),
            });
        }
        if let Some(a) = self.augment {
            parts.push(if a.is_identity() {
                "no augmentation".to_string()
            } else {
                "augmented".to_string()
            });
        }
        parts
    }
}

/// A validated network problem, its data split and its initial weights.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkProblem {
    pub data: DataSettings,
    pub model: ModelSettings,
    /// A history row every this many steps (and the last).
    pub record_every: u64,
    /// What the runs train on.
    pub train: Arc<Dataset>,
    /// What they are measured on (may be empty: `validation = 0`).
    pub validation: Arc<Dataset>,
    /// The architecture and parameter layout.
    pub network: Network,
    /// Where every run starts.
    pub initial: Array1<f64>,
    /// The network with batch norm the other way round, and its initial weights, when a run
    /// asks for it (`batch_norm` in its table).
    pub variant: Option<Box<(Network, Array1<f64>)>>,
    /// `[transfer]`: the source the runs may start from.
    pub transfer: Option<Box<Transfer>>,
    /// The file's seed: a run's `train_points` part of the training split is drawn with it.
    pub seed: u64,
}

impl NetworkProblem {
    /// The kind of data, as tables and summaries name it: "spiral", "csv".
    pub fn data_kind(&self) -> &str {
        match &self.data.source {
            DataSource::Generated(spec) => spec.kind.name,
            DataSource::Csv(_) => "csv",
        }
    }

    /// The run's regularisation: `[model]`'s, with the run's overrides.
    pub fn regularisation(&self, run: &RunOverrides) -> Regularisation {
        let base = self.model.regularisation;
        Regularisation {
            l2: run.l2.unwrap_or(base.l2),
            l1: run.l1.unwrap_or(base.l1),
            dropout: run.dropout.unwrap_or(base.dropout),
            inverted_dropout: run.inverted_dropout.unwrap_or(base.inverted_dropout),
            dropconnect: run.dropconnect.unwrap_or(base.dropconnect),
        }
    }

    /// The network a run trains and where it starts: `[model]`'s, or the batch-norm variant
    /// the run asks for.
    pub fn model(&self, run: &RunOverrides) -> (&Network, &Array1<f64>) {
        match (&self.variant, run.batch_norm) {
            (Some(variant), Some(bn)) if bn != self.model.batch_norm => (&variant.0, &variant.1),
            _ => (&self.network, &self.initial),
        }
    }

    /// What the core needs to train `run` for `steps` steps seeded `seed` (its network, the
    /// data, its regularisation, batch and augmentation), keeping `frames` frames.
    pub fn training(&self, run: &RunOverrides, steps: u64, seed: u64, frames: u64) -> Training<'_> {
        let network = self.model(run).0;
        let frozen = match self.transfer_mode(run) {
            Some(TransferMode::Head) => head_start(network),
            _ => 0,
        };
        Training {
            network,
            train: self.train_set(run),
            validation: &self.validation,
            regularisation: self.regularisation(run),
            batch: self.batch(run),
            augment: self.augment(run),
            steps,
            record_every: self.record_every,
            seed,
            frames,
            frozen,
            average: None,
            snapshots: Vec::new(),
        }
    }

    /// What the run trains on: the training split, or its own smaller part of it.
    pub fn train_set(&self, run: &RunOverrides) -> Cow<'_, Dataset> {
        match run.train_points {
            Some(n) if n < self.train.len() => Cow::Owned(data::stratified_subset(
                &self.train,
                n,
                self.seed ^ SUBSET_STREAM,
            )),
            _ => Cow::Borrowed(&self.train),
        }
    }

    /// What `run` takes from the transfer source; `None` without `[transfer]`.
    pub fn transfer_mode(&self, run: &RunOverrides) -> Option<TransferMode> {
        let transfer = self.transfer.as_ref()?;
        Some(run.transfer.unwrap_or(transfer.train))
    }

    /// The run's minibatch size (0: full batch).
    pub fn batch(&self, run: &RunOverrides) -> usize {
        run.batch.unwrap_or(self.data.batch)
    }

    /// The run's augmentation.
    pub fn augment(&self, run: &RunOverrides) -> Augment {
        run.augment.unwrap_or(self.data.augment)
    }

    /// Whether a run's training depends on its seed beyond the initial weights: minibatches,
    /// dropout, DropConnect or augmentation; or on the seed at all, when the initial weights
    /// are drawn rather than read from `init_from`. Repeats over seeds need one of them.
    pub fn is_random(&self, run: &RunOverrides) -> bool {
        let regularisation = self.regularisation(run);
        let batch = self.batch(run);
        self.model.init_from.is_none()
            || (batch > 0 && batch < self.train.len())
            || regularisation.dropout > 0.0
            || regularisation.dropconnect > 0.0
            || !self.augment(run).is_identity()
    }

    /// The initial weights `run` starts from when seeded `seed`: drawn as the file's are for
    /// its own seed (so `seed` = the file's seed gives exactly what [`NetworkProblem::model`]
    /// gives), or the `init_from` weights whatever the seed; for the network the run trains
    /// (its batch-norm variant, when it asks for one).
    pub fn initial_for(&self, run: &RunOverrides, seed: u64) -> Array1<f64> {
        let (network, given) = self.model(run);
        let fresh = match self.model.init_from {
            Some(_) => given.clone(),
            None => initial_weights(network, self.model.init, seed),
        };
        match (&self.transfer, self.transfer_mode(run)) {
            (Some(transfer), Some(mode)) => {
                // The output trains an experiment source before any run starts; were it
                // not, the run would start from scratch, which the debug build catches.
                let start = transfer.start(mode, network, fresh.clone());
                debug_assert!(start.is_some(), "the transfer source was not trained");
                start.unwrap_or(fresh)
            }
            _ => fresh,
        }
    }

    /// Whether each example is a 2-D point (decision regions can be drawn).
    pub fn is_planar(&self) -> bool {
        self.train.inputs() == 2
    }

    /// The generated data's noise, and the range its kind allows; `None` for data without
    /// one (a CSV's points, the digits).
    pub fn data_noise(&self) -> Option<(f64, (f64, f64))> {
        match &self.data.source {
            DataSource::Generated(spec) if spec.kind.noise_range.1 > 0.0 => {
                Some((spec.noise, spec.kind.noise_range))
            }
            _ => None,
        }
    }

    /// The problem with its data drawn again at `noise` (brought into the kind's range) and
    /// split as [`parse`] splits them, from the recipe's seed: what the file would give with
    /// `[data] noise = noise`. The network and its initial weights stay. `None` for data
    /// without a noise.
    pub fn with_data_noise(&self, noise: f64) -> Option<NetworkProblem> {
        let (_, (lo, hi)) = self.data_noise()?;
        let DataSource::Generated(spec) = &self.data.source else {
            return None;
        };
        let spec = DataSpec {
            noise: noise.clamp(lo, hi),
            ..*spec
        };
        let mut dataset = data::generate(&spec);
        if let Some(labels) = &self.data.labels {
            dataset = dataset.keep_labels(labels);
        }
        let (mut train, validation) =
            data::stratified_split(&dataset, self.data.validation, spec.seed);
        if let Some(n) = self.data.train_points {
            train = data::stratified_subset(&train, n, self.seed ^ SUBSET_STREAM);
        }
        Some(NetworkProblem {
            data: DataSettings {
                source: DataSource::Generated(spec),
                ..self.data.clone()
            },
            train: Arc::new(train),
            validation: Arc::new(validation),
            ..self.clone()
        })
    }
}

/// Reads `[data]` (required, given in `data`), `[model]` and `record_every`, builds the data
/// and the initial weights. `seed` seeds the data, the split and the initial weights.
pub(crate) fn parse(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    path: &Path,
    data: &Value<'_>,
    seed: u64,
    steps: u64,
) -> Option<NetworkProblem> {
    let data_settings = cx
        .table(data, "data")
        .and_then(|t| data_table(cx, t, path, seed));
    let model = match cx.get(root, "model") {
        Some(v) => cx.table(v, "model").and_then(|t| model_table(cx, t, path)),
        None => Some(default_model()),
    };
    let record_every = match cx.get(root, "record_every") {
        Some(v) => cx.integer(v, "record_every", 1, u64::MAX),
        None => Some(steps.div_ceil(DEFAULT_ROWS).max(1)),
    };
    let data_settings = data_settings?;
    let mut model = model?;
    let record_every = record_every?;

    let dataset = match &data_settings.source {
        DataSource::Generated(spec) => data::generate(spec),
        DataSource::Csv(file) => read_csv(cx, root, file)?,
    };
    let dataset = match &data_settings.labels {
        Some(labels) => {
            if let Some(&missing) = labels.iter().find(|&&l| l >= dataset.classes) {
                let at = cx
                    .get_path(root, &["data", "labels"])
                    .map_or(0..0, |v| v.span());
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        at,
                        format!("invalid value for `data.labels`: the data has no class {missing}"),
                    )
                    .key("data.labels")
                    .expected(format!("classes from 0 to {}", dataset.classes - 1));
                cx.push(e);
                return None;
            }
            dataset.keep_labels(labels)
        }
        None => dataset,
    };
    let (train, validation) = data::stratified_split(&dataset, data_settings.validation, seed);
    let train = match data_settings.train_points {
        Some(n) => {
            if n < train.classes {
                let at = cx
                    .get_path(root, &["data", "train_points"])
                    .map_or(0..0, |v| v.span());
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        at,
                        "invalid value for `data.train_points`".into(),
                    )
                    .key("data.train_points")
                    .expected(format!("at least one point per class ({})", train.classes))
                    .found(n.to_string());
                cx.push(e);
                return None;
            }
            data::stratified_subset(&train, n, seed ^ SUBSET_STREAM)
        }
        None => train,
    };
    if train.is_empty() {
        let at = cx.get(root, "data").map_or(0..0, |v| v.span());
        let e = cx
            .error(ErrorKind::InvalidValue, at, "no training data".into())
            .key("data.validation")
            .expected("a validation fraction that leaves every class some training points")
            .found(format!("{} points in all", dataset.len()));
        cx.push(e);
        return None;
    }
    let network = Network::new(Architecture {
        inputs: dataset.inputs(),
        hidden: model.hidden.clone(),
        classes: dataset.classes,
        activation: model.activation,
        batch_norm: model.batch_norm,
    });
    let initial = match &model.init_from {
        Some(file) => {
            let weights = weights::read(cx, root, file, &network)?;
            if let Some(activation) = weights.activation
                && cx.get_path(root, &["model", "activation"]).is_none()
            {
                model.activation = activation;
            }
            weights.params
        }
        None => initial_weights(&network, model.init, seed),
    };
    let network = Network::new(Architecture {
        activation: model.activation,
        ..network.architecture
    });
    Some(NetworkProblem {
        data: data_settings,
        model,
        record_every,
        train: Arc::new(train),
        validation: Arc::new(validation),
        network,
        initial,
        variant: None,
        transfer: None,
        seed,
    })
}

/// Builds the batch-norm variant of `problem`'s network when a run asks for it: its weights
/// drawn from the same stream (the weights come out the same, γ and β are not drawn), or read
/// from the same `init_from` file.
pub(crate) fn add_variant(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    problem: &mut NetworkProblem,
    runs: &[super::RunConfig],
    seed: u64,
) -> Option<()> {
    let base = problem.model.batch_norm;
    if !runs
        .iter()
        .any(|r| r.network.batch_norm.is_some_and(|bn| bn != base))
    {
        return Some(());
    }
    let network = Network::new(Architecture {
        batch_norm: !base,
        ..problem.network.architecture.clone()
    });
    let initial = match &problem.model.init_from {
        Some(file) => weights::read(cx, root, file, &network)?.params,
        None => initial_weights(&network, problem.model.init, seed),
    };
    problem.variant = Some(Box::new((network, initial)));
    Some(())
}

impl ModelSettings {
    /// `[model]` when the file leaves a key out (or has no `[model]` at all).
    pub fn defaults() -> ModelSettings {
        default_model()
    }
}

/// Weights drawn by `init` from the stream of `seed` set apart for them.
fn initial_weights(network: &Network, init: Init, seed: u64) -> Array1<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ INIT_STREAM);
    network.init(init, &mut rng)
}

fn default_model() -> ModelSettings {
    ModelSettings {
        hidden: vec![100],
        activation: Activation::Relu,
        init: Init::He,
        batch_norm: false,
        regularisation: Regularisation::NONE,
        init_from: None,
    }
}

/// Newton needs the Hessian, `n²` numbers for `n` parameters: a network too large for it is
/// refused at the run's `kind`, with the sizes.
pub(crate) fn hessians_fit(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    problem: &NetworkProblem,
    runs: &[super::RunConfig],
) -> bool {
    let mut fit = true;
    for (i, run) in runs.iter().enumerate() {
        let n = problem.model(&run.network).0.parameters();
        if run.kind() != "newton" || n <= MAX_HESSIAN_PARAMETERS {
            continue;
        }
        let at = cx
            .get(root, "optimizer")
            .and_then(|v| match v.get_ref() {
                toml::de::DeValue::Array(items) => items.get(i),
                _ => None,
            })
            .and_then(|item| match item.get_ref() {
                toml::de::DeValue::Table(t) => t.get("kind").map(|k| k.span()),
                _ => None,
            })
            .unwrap_or(0..0);
        let gib = (n as f64).powi(2) * 8.0 / (1u64 << 30) as f64;
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                at,
                format!(
                    "invalid value for `optimizer[{}].kind`: Newton cannot hold this network's Hessian",
                    i + 1
                ),
            )
            .key(format!("optimizer[{}].kind", i + 1))
            .expected(format!(
                "a network of at most {MAX_HESSIAN_PARAMETERS} parameters for Newton (its \
                 Hessian is n² numbers: 128 MB at that size)"
            ))
            .found(format!(
                "{n} parameters: a Hessian of {n}² numbers, {gib:.1} GiB"
            ))
            .note("L-BFGS keeps a few gradients instead of the Hessian: `kind = \"lbfgs\"`");
        cx.push(e);
        fit = false;
    }
    fit
}
