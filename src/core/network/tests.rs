//! The model's gradient against central finite differences, layer kind by layer kind, with
//! the step's masks held fixed; and its evaluation mode.

use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::*;

fn net(activation: Activation, batch_norm: bool) -> Network {
    Network::new(Architecture {
        inputs: 3,
        hidden: vec![5, 4],
        classes: 3,
        activation,
        batch_norm,
    })
}

fn batch(inputs: usize, rng: &mut ChaCha8Rng) -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_simple_fn((7, inputs), || rng.random::<f64>() * 2.0 - 1.0);
    let labels = (0..7).map(|i| i % 3).collect();
    (x, labels)
}

/// The largest relative error of the analytic gradient over every parameter, CS231n's
/// measure |a − n| / max(|a|, |n|), against central differences of the loss with the
/// step's masks held fixed.
fn gradient_error(network: &Network, regularisation: &Regularisation) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (x, labels) = batch(network.architecture.inputs, &mut rng);
    let params = network.init(Init::Normal { std: 0.5 }, &mut rng)
        + Array1::from_shape_simple_fn(network.parameters(), || 0.1 * rng.random::<f64>());
    let masks = network.draw_masks(regularisation, x.nrows(), &mut rng);
    let mut ws = Workspace::default();
    let mut analytic = Array1::zeros(network.parameters());
    let loss = |p: &Array1<f64>, ws: &mut Workspace| {
        let mut g = Array1::zeros(p.len());
        network
            .loss_and_gradient(
                p.view(),
                x.view(),
                &labels,
                regularisation,
                &masks,
                ws,
                g.view_mut(),
            )
            .total()
    };
    network.loss_and_gradient(
        params.view(),
        x.view(),
        &labels,
        regularisation,
        &masks,
        &mut ws,
        analytic.view_mut(),
    );
    // The five-point stencil: its truncation error is O(h⁴), so h can stay large enough
    // that rounding (ε·f/h) stays far below the bound.
    let h = 1e-4;
    let at = |i: usize, by: f64, ws: &mut Workspace| {
        let mut p = params.clone();
        p[i] += by;
        loss(&p, ws)
    };
    let largest = analytic.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    let mut worst: f64 = 0.0;
    for i in 0..params.len() {
        let numeric = (8.0 * (at(i, h, &mut ws) - at(i, -h, &mut ws))
            - (at(i, 2.0 * h, &mut ws) - at(i, -2.0 * h, &mut ws)))
            / (12.0 * h);
        let a = analytic[i];
        // An element a thousand times smaller than the largest is measured against that
        // thousandth: below it, the differences' rounding is all there is to see.
        let scale = a.abs().max(numeric.abs()).max(1e-3 * largest);
        worst = worst.max((a - numeric).abs() / scale);
    }
    worst
}

#[test]
fn every_layer_kind_has_the_gradient_finite_differences_measure() {
    let plain = Regularisation::NONE;
    let l2 = Regularisation { l2: 0.3, ..plain };
    let l1 = Regularisation { l1: 0.2, ..plain };
    let dropout = Regularisation {
        dropout: 0.4,
        ..plain
    };
    let naive = Regularisation {
        dropout: 0.4,
        inverted_dropout: false,
        ..plain
    };
    let dropconnect = Regularisation {
        dropconnect: 0.3,
        ..plain
    };
    let all = Regularisation {
        l2: 0.1,
        l1: 0.05,
        dropout: 0.3,
        inverted_dropout: true,
        dropconnect: 0.2,
    };
    for activation in Activation::ALL.map(|(_, a)| a) {
        for batch_norm in [false, true] {
            let network = net(activation, batch_norm);
            for (name, r) in [
                ("plain", plain),
                ("l2", l2),
                ("l1", l1),
                ("dropout", dropout),
                ("naive dropout", naive),
                ("dropconnect", dropconnect),
                ("everything", all),
            ] {
                let error = gradient_error(&network, &r);
                assert!(
                    error < 1e-7,
                    "{activation:?}, batch norm {batch_norm}, {name}: relative error {error:e}"
                );
            }
        }
    }
}

#[test]
fn the_parameters_are_laid_out_as_torch_lists_them() {
    let network = net(Activation::Relu, true);
    // Linear(3,5), BatchNorm(5), Linear(5,4), BatchNorm(4), Linear(4,3).
    assert_eq!(
        network.parameters(),
        15 + 5 + 5 + 5 + 20 + 4 + 4 + 4 + 12 + 3
    );
    let first = &network.layers[0];
    assert_eq!((first.weight.clone(), first.bias.clone()), (0..15, 15..20));
    assert_eq!(first.norm, Some((20..25, 25..30)));
    assert_eq!(network.layers[2].norm, None);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let params = network.init(Init::He, &mut rng);
    assert!(params.slice(ndarray::s![20..25]).iter().all(|&g| g == 1.0));
    assert!(params.slice(ndarray::s![15..20]).iter().all(|&b| b == 0.0));
}

#[test]
fn evaluation_has_no_dropout_and_uses_the_running_statistics() {
    let network = net(Activation::Relu, true);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (x, labels) = batch(3, &mut rng);
    let params = network.init(Init::He, &mut rng);
    let mut stats = network.running_stats();
    let mut ws = Workspace::default();
    let before = network.evaluate(params.view(), x.view(), &labels, &stats, &mut ws);
    // Dropout at training time changes nothing at evaluation: the same numbers twice.
    let again = network.evaluate(params.view(), x.view(), &labels, &stats, &mut ws);
    assert_eq!(before, again);
    let r = Regularisation {
        dropout: 0.5,
        ..Regularisation::NONE
    };
    let masks = network.draw_masks(&r, x.nrows(), &mut rng);
    let mut g = Array1::zeros(network.parameters());
    network.loss_and_gradient(
        params.view(),
        x.view(),
        &labels,
        &r,
        &masks,
        &mut ws,
        g.view_mut(),
    );
    network.update_running_stats(&mut stats, &ws);
    assert!(
        stats.mean[0].iter().any(|&m| m != 0.0),
        "the running mean moved"
    );
    let after = network.evaluate(params.view(), x.view(), &labels, &stats, &mut ws);
    assert_ne!(
        before, after,
        "evaluation normalises with the running statistics"
    );
    let p = network.probabilities(params.view(), x.view(), &stats, &mut ws);
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn inverted_dropout_keeps_the_expected_activation_and_the_naive_one_shrinks_it() {
    let network = net(Activation::Relu, false);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let p = 0.5;
    let mean_mask = |inverted: bool, rng: &mut ChaCha8Rng| {
        let r = Regularisation {
            dropout: p,
            inverted_dropout: inverted,
            ..Regularisation::NONE
        };
        let masks = network.draw_masks(&r, 4000, rng);
        masks.dropout[0].mean().unwrap()
    };
    assert!((mean_mask(true, &mut rng) - 1.0).abs() < 0.05);
    assert!((mean_mask(false, &mut rng) - (1.0 - p)).abs() < 0.05);
}

#[test]
fn a_linear_classifier_has_no_hidden_layer() {
    let network = Network::new(Architecture {
        inputs: 2,
        hidden: vec![],
        classes: 3,
        activation: Activation::Relu,
        batch_norm: true,
    });
    assert_eq!(network.parameters(), 9);
    assert!(network.hidden_layers().is_empty());
    let regularisation = Regularisation {
        l2: 1e-3,
        dropout: 0.5,
        ..Regularisation::NONE
    };
    assert!(gradient_error(&network, &regularisation) < 1e-7);
}

#[test]
fn a_confidently_wrong_prediction_has_a_large_finite_loss_not_infinity() {
    let network = Network::new(Architecture {
        inputs: 1,
        hidden: vec![],
        classes: 2,
        activation: Activation::Relu,
        batch_norm: false,
    });
    // Scores (1000, −1000) for an example of class 1: p(1) = e^−2000 underflows to 0, yet
    // −ln p(1) is 2000, as torch's log_softmax gives it.
    let params = ndarray::array![1000.0, -1000.0, 0.0, 0.0];
    let x = ndarray::array![[1.0]];
    let mut ws = Workspace::default();
    let stats = network.running_stats();
    let e = network.evaluate(params.view(), x.view(), &[1], &stats, &mut ws);
    assert_eq!(e.loss, 2000.0);
    let mut g = Array1::zeros(4);
    let loss = network.loss_and_gradient(
        params.view(),
        x.view(),
        &[1],
        &Regularisation::NONE,
        &Masks::default(),
        &mut ws,
        g.view_mut(),
    );
    assert_eq!(loss.data, 2000.0);
    assert!(g.iter().all(|v| v.is_finite()));
}

mod training {
    use std::sync::Arc;

    use super::*;
    use crate::core::network::data::{self, Augment, DataSpec, SPIRAL};
    use crate::core::network::train::{Trainer, Training, train};
    use crate::core::optim::sgd::Sgd;
    use crate::core::run::{RunSpec, Status};
    use crate::core::{Cancel, Schedule};

    fn sgd(lr: f64) -> RunSpec {
        RunSpec {
            optimizer: Arc::new(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
            schedule: Schedule::Constant,
            lr,
        }
    }

    /// A 2-5-4-3 ReLU net on the default spiral, minibatches of 32, 100 steps, a row every
    /// 10; `dropout` on its hidden layers, the first `frozen` parameters left alone. Gives
    /// the training and its initial weights to `f`.
    fn with_training<R>(
        frames: u64,
        dropout: f64,
        frozen: usize,
        f: impl FnOnce(&Training<'_>, &Array1<f64>) -> R,
    ) -> R {
        let spiral = data::generate(&DataSpec::defaults(&SPIRAL, 0));
        let empty = spiral.subset(&[]);
        let network = net(Activation::Relu, false);
        let network = Network::new(Architecture {
            inputs: 2,
            ..network.architecture
        });
        let training = Training {
            network: &network,
            train: std::borrow::Cow::Borrowed(&spiral),
            validation: &empty,
            regularisation: Regularisation {
                dropout,
                ..Regularisation::NONE
            },
            batch: 32,
            augment: Augment::default(),
            steps: 100,
            record_every: 10,
            seed: 0,
            frames,
            frozen,
            average: None,
            snapshots: Vec::new(),
        };
        let initial = network.init(Init::He, &mut ChaCha8Rng::seed_from_u64(0));
        f(&training, &initial)
    }

    fn run(lr: f64, frames: u64) -> crate::core::network::train::Trained {
        run_with(&sgd(lr), frames, 0)
    }

    fn run_with(
        spec: &RunSpec,
        frames: u64,
        frozen: usize,
    ) -> crate::core::network::train::Trained {
        with_training(frames, 0.0, frozen, |training, initial| {
            train(training, spec, initial.view(), &Cancel::new(), &|_| {})
        })
    }

    /// 100 steps of SGD on the spiral in batches of 32, a row every 10 steps, with what
    /// `change` sets; a fifth of the spiral held out for validation.
    fn run_changed(
        lr: f64,
        batch_norm: bool,
        change: impl FnOnce(&mut Training<'_>),
    ) -> crate::core::network::train::Trained {
        let spiral = data::generate(&DataSpec::defaults(&SPIRAL, 0));
        let (train_set, validation) = data::stratified_split(&spiral, 0.2, 0);
        let network = net(Activation::Relu, batch_norm);
        let network = Network::new(Architecture {
            inputs: 2,
            ..network.architecture
        });
        let mut training = Training {
            network: &network,
            train: std::borrow::Cow::Borrowed(&train_set),
            validation: &validation,
            regularisation: Regularisation::NONE,
            batch: 32,
            augment: Augment::default(),
            steps: 100,
            record_every: 10,
            seed: 0,
            frames: 0,
            frozen: 0,
            average: None,
            snapshots: Vec::new(),
        };
        change(&mut training);
        let initial = network.init(Init::He, &mut ChaCha8Rng::seed_from_u64(0));
        train(&training, &sgd(lr), initial.view(), &Cancel::new(), &|_| {})
    }

    #[test]
    fn a_training_taken_in_chunks_ends_exactly_where_one_in_one_go_does() {
        for (lr, dropout) in [(0.1, 0.3), (1e300, 0.0)] {
            with_training(3, dropout, 0, |training, initial| {
                let spec = sgd(lr);
                let whole = train(training, &spec, initial.view(), &Cancel::new(), &|_| {});
                let mut trainer = Trainer::new(training, &spec, initial.view());
                let mut seen = Vec::new();
                // Chunks of 7 steps, across the rows recorded every 10.
                while trainer.step_n(training, &spec, 7, &Cancel::new()).is_none() {
                    seen.push(trainer.step());
                }
                if lr < 1.0 {
                    assert_eq!(seen[..3], [7, 14, 21]);
                } else {
                    assert!(matches!(whole.status, Status::Diverged { .. }));
                }
                assert_eq!(trainer.status(), Some(whole.status), "lr {lr}");
                assert_eq!(trainer.step(), whole.steps);
                let chunked = trainer.finish(training);
                // Compared as text: without validation its numbers are NaN, equal to nothing.
                assert_eq!(
                    format!("{:?}", chunked.history),
                    format!("{:?}", whole.history),
                    "lr {lr}"
                );
                assert_eq!(chunked.params, whole.params);
                assert_eq!(
                    chunked.frames.iter().map(|f| f.step).collect::<Vec<_>>(),
                    whole.frames.iter().map(|f| f.step).collect::<Vec<_>>()
                );
            });
        }
    }

    #[test]
    fn a_trainer_that_reaches_its_last_step_has_ended_with_its_last_row() {
        with_training(0, 0.0, 0, |training, initial| {
            let spec = sgd(0.1);
            let mut trainer = Trainer::new(training, &spec, initial.view());
            assert_eq!(trainer.step_n(training, &spec, 99, &Cancel::new()), None);
            assert_eq!(trainer.history().last().map(|r| r.step), Some(90));
            let status = trainer.step_n(training, &spec, 1, &Cancel::new());
            assert_eq!(status, Some(Status::MaxSteps));
            assert_eq!(trainer.history().last().map(|r| r.step), Some(100));
            // Nothing more to take.
            assert_eq!(trainer.step_n(training, &spec, 50, &Cancel::new()), status);
            assert_eq!(trainer.step(), 100);
        });
    }

    #[test]
    fn averaging_and_snapshots_leave_the_training_itself_unchanged() {
        use crate::core::network::averaging::Averaging;
        for batch_norm in [false, true] {
            let plain = run_changed(0.1, batch_norm, |_| {});
            let with = run_changed(0.1, batch_norm, |t| {
                t.average = Some(Averaging::Ema { decay: 0.9 });
                t.snapshots = vec![25, 50, 100];
            });
            assert_eq!(plain.history, with.history);
            assert_eq!(plain.params, with.params);
            assert!(plain.averaged.is_none() && plain.snapshots.is_empty());
        }
    }

    #[test]
    fn snapshots_are_the_weights_after_their_steps_whatever_is_recorded() {
        let with = run_changed(0.1, false, |t| {
            t.snapshots = vec![25, 60, 100, 130];
            t.frames = 10;
        });
        let steps: Vec<u64> = with.snapshots.iter().map(|f| f.step).collect();
        assert_eq!(steps, [25, 60, 100], "step 130 is never reached");
        let frame = with.frames.iter().find(|f| f.step == 60).unwrap();
        assert_eq!(with.snapshots[1].params, frame.params);
        assert_eq!(with.snapshots[2].params, with.params);
        // Step 25 is no recorded row: the snapshot lies between the frames at 20 and 30.
        let at = |step| &with.frames.iter().find(|f| f.step == step).unwrap().params;
        assert!(with.snapshots[0].params != *at(20) && with.snapshots[0].params != *at(30));
    }

    #[test]
    fn the_averaged_model_is_measured_from_its_start_and_averages_the_weights() {
        use crate::core::network::averaging::Averaging;
        // Averaging only the last weights is the trained model itself.
        let last = run_changed(0.1, false, |t| {
            t.average = Some(Averaging::Polyak { start: 100 })
        });
        let averaged = last.averaged.as_ref().unwrap();
        assert_eq!(averaged.params, last.params);
        let (row, end) = (averaged.history[0], last.last().unwrap());
        assert_eq!(averaged.history.len(), 1);
        assert_eq!((row.step, row.validation.loss), (100, end.val_loss));
        assert_eq!(row.train.accuracy, end.train_accuracy);
        // From step 50: a row at 50, 60, …, 100, and weights unlike the last ones.
        let half = run_changed(0.1, false, |t| {
            t.average = Some(Averaging::Polyak { start: 50 })
        });
        let averaged = half.averaged.as_ref().unwrap();
        let steps: Vec<u64> = averaged.history.iter().map(|r| r.step).collect();
        assert_eq!(steps, [50, 60, 70, 80, 90, 100]);
        assert!(averaged.params != half.params);
        assert!(
            averaged
                .history
                .iter()
                .all(|r| r.validation.loss.is_finite())
        );
        // Batch norm: the averaged weights get statistics of their own, over the training set.
        let normed = run_changed(0.1, true, |t| {
            t.average = Some(Averaging::Polyak { start: 50 })
        });
        let averaged = normed.averaged.as_ref().unwrap();
        assert_eq!(averaged.stats.mean.len(), 2);
        assert!(averaged.stats != normed.stats);
    }

    #[test]
    fn frames_are_kept_only_when_asked_for_at_recorded_steps_and_the_last() {
        assert!(run(0.1, 0).frames.is_empty());
        let steps: Vec<u64> = run(0.1, 4).frames.iter().map(|f| f.step).collect();
        assert_eq!(steps, [0, 30, 60, 90, 100]);
    }

    #[test]
    fn a_blown_up_training_is_diverged_and_keeps_its_last_finite_weights() {
        let trained = run(1e300, 0);
        assert!(
            matches!(trained.status, Status::Diverged { .. }),
            "{:?}",
            trained.status
        );
        assert!(trained.params.iter().all(|p| p.is_finite()));
        let last = trained.last().expect("the start is recorded");
        assert!(last.train_loss.is_finite());
        assert_eq!(trained.steps, last.step);
    }

    /// Head-only training (transfer): the frozen body keeps its exact values even under
    /// momentum and weight decay, the head moves, and L-BFGS's line search works on the head.
    #[test]
    fn a_frozen_body_stays_put_while_the_head_trains() {
        use crate::core::network::transfer::head_start;
        use crate::core::optim::lbfgs::{Lbfgs, LbfgsSearch};
        let initial_of = || {
            let network = Network::new(Architecture {
                inputs: 2,
                ..net(Activation::Relu, false).architecture
            });
            (
                network.init(Init::He, &mut ChaCha8Rng::seed_from_u64(0)),
                head_start(&network),
            )
        };
        let (initial, body) = initial_of();
        let decaying = RunSpec {
            optimizer: Arc::new(Sgd {
                momentum: 0.9,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.1,
            }),
            schedule: Schedule::Constant,
            lr: 0.1,
        };
        let trained = run_with(&decaying, 0, body);
        assert_eq!(
            trained.params.slice(ndarray::s![..body]),
            initial.slice(ndarray::s![..body])
        );
        assert_ne!(
            trained.params.slice(ndarray::s![body..]),
            initial.slice(ndarray::s![body..])
        );
        let first = trained.history[0].train_loss;
        assert!(trained.last().unwrap().train_loss < first);

        let lbfgs = RunSpec {
            optimizer: Arc::new(Lbfgs {
                history_size: 10,
                line_search: LbfgsSearch::StrongWolfe,
                tolerance_grad: 1e-7,
                tolerance_change: 1e-9,
            }),
            schedule: Schedule::Constant,
            lr: 1.0,
        };
        let trained = run_with(&lbfgs, 0, body);
        assert_eq!(
            trained.params.slice(ndarray::s![..body]),
            initial.slice(ndarray::s![..body])
        );
        assert!(trained.last().unwrap().train_loss < first);
    }
}
