//! `optplay compare`'s experiments: every optimizer on every surface at its default lr.

use optplay::config::CompareRequest;

use crate::robust::surfaces;
use crate::{compare, optimizers, small, summary, write};

#[test]
fn every_optimizer_kind_compares_on_every_surface_without_diverging() {
    let tmp = tempfile::tempdir().unwrap();
    // Every kind of the registry, each at its default lr for the surface.
    let all = optplay::core::registry::optimizer_names();
    for surface in surfaces() {
        // compare --opt <every kind> --surface SURFACE --format svg
        let request = CompareRequest {
            optimizers: optimizers(&all),
            surface: optplay::core::registry::surface(surface),
            formats: Some(vec!["svg".to_string()]),
            ..CompareRequest::default()
        };
        write(&small(compare(&request)), tmp.path());
        let summary = summary(&tmp.path().join(format!("compare-{surface}")));
        for run in summary["runs"].as_array().unwrap() {
            assert_ne!(run["status"], "diverged", "{surface}: {run}");
            let first_loss_drop = run["final_loss"].as_f64().unwrap();
            assert!(first_loss_drop.is_finite());
        }
    }
}
