//! The CS231n neural-network case study, run through the experiment file as a user would
//! write it: the linear softmax classifier reaches about half of the spiral's training
//! points (the notes report 49%), the 2-layer net of 100 ReLUs at least 98%.

use optplay::config::{self, Overrides};
use optplay::core::Cancel;
use optplay::output::{self, Silent};

/// The case study's settings: all 300 points trained on, full batch, weights 0.01·randn,
/// L2 1e-3, plain gradient descent at step size 1.
fn case_study(hidden: &str, steps: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "steps = {steps}\n\n[data]\nkind = \"spiral\"\nvalidation = 0\n\n[model]\nhidden = {hidden}\n\
         init = \"normal\"\ninit_std = 0.01\nl2 = 1e-3\n\n[[optimizer]]\nkind = \"sgd\"\nlr = 1.0\n"
    );
    let path = crate::experiment_file(dir.path(), "case", &text);
    let experiment = config::load_with(&path, &Overrides::default()).unwrap();
    let problem = experiment.network().expect("a network experiment");
    let trained = output::network::train_all(&experiment, problem, &Cancel::new(), &mut Silent);
    trained[0].last().unwrap().train_accuracy
}

#[test]
fn the_case_study_linear_classifier_gets_about_half_and_the_two_layer_net_all_but_a_few() {
    let linear = case_study("[]", 200);
    assert!((0.45..0.6).contains(&linear), "linear: {linear}");
    let net = case_study("[100]", 10_000);
    assert!(net >= 0.98, "2-layer net: {net}");
}
