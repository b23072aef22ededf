//! A network training step's speed: the gradient of the loss (forward and backward) on the
//! CS231n case study (300 spiral points, 2 → 100 → 3, ReLU, full batch), on a minibatch of
//! the digits (64 images, 64 → 64 → 10) and with dropout and batch norm; and 100 whole steps
//! of the case study through the training loop (optimizer, schedule, history included).
//!
//! cargo bench --bench train

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, s};
use optplay::core::network::data::{self, DataSpec, SPIRAL};
use optplay::core::network::model::{
    Activation, Architecture, Init, Network, Regularisation, Workspace,
};
use optplay::core::network::train::{Training, train};
use optplay::core::registry;
use optplay::core::{Cancel, RunSpec, Schedule};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn network(inputs: usize, hidden: &[usize], classes: usize, batch_norm: bool) -> Network {
    Network::new(Architecture {
        inputs,
        hidden: hidden.to_vec(),
        classes,
        activation: Activation::Relu,
        batch_norm,
    })
}

fn steps(c: &mut Criterion) {
    let spiral = data::generate(&DataSpec::defaults(&SPIRAL, 0));
    let digits = data::digits().expect("the embedded digits decode");
    let case = network(2, &[100], 3, false);
    let digits_net = network(64, &[64], 10, false);
    let deep = network(2, &[64, 64], 3, true);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("gradient");
    let cases = [
        (
            "case_study_300_points",
            &case,
            &spiral,
            300,
            Regularisation::NONE,
        ),
        (
            "digits_batch_64",
            &digits_net,
            digits,
            64,
            Regularisation::NONE,
        ),
        (
            "batch_norm_dropout_2x64_batch_32",
            &deep,
            &spiral,
            32,
            Regularisation {
                dropout: 0.5,
                ..Regularisation::NONE
            },
        ),
    ];
    for (name, net, set, rows, regularisation) in cases {
        let params = net.init(Init::He, &mut rng);
        let x = set.features.slice(s![..rows, ..]).to_owned();
        let labels = &set.labels[..rows];
        let masks = net.draw_masks(&regularisation, rows, &mut rng);
        let mut ws = Workspace::default();
        let mut grad = Array1::zeros(net.parameters());
        group.bench_function(name, |b| {
            b.iter(|| {
                net.loss_and_gradient(
                    params.view(),
                    x.view(),
                    labels,
                    &regularisation,
                    &masks,
                    &mut ws,
                    grad.view_mut(),
                )
            })
        });
    }
    group.finish();

    let empty = spiral.subset(&[]);
    let training = Training {
        network: &case,
        train: std::borrow::Cow::Borrowed(&spiral),
        validation: &empty,
        regularisation: Regularisation {
            l2: 1e-3,
            ..Regularisation::NONE
        },
        batch: 0,
        augment: data::Augment::default(),
        steps: 100,
        record_every: 20,
        seed: 0,
        frames: 0,
        frozen: 0,
        average: None,
        snapshots: Vec::new(),
    };
    let sgd = registry::optimizer("sgd").expect("sgd is built in");
    let spec = RunSpec {
        optimizer: (sgd.build)(&sgd.defaults()),
        schedule: Schedule::Constant,
        lr: 1.0,
    };
    let initial = case.init(Init::Normal { std: 0.01 }, &mut rng);
    c.bench_function("case_study_100_steps", |b| {
        b.iter(|| train(&training, &spec, initial.view(), &Cancel::new(), &|_| {}))
    });
}

criterion_group! {
    name = benches;
    // Criterion's own charts need a font plotters' ab_glyph backend has not been given here.
    config = Criterion::default().without_plots();
    targets = steps
}
criterion_main!(benches);
