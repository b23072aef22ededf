//! optplay: CS231n's optimizer lecture as experiments you can run and look at.
//!
//! The flow runs one way: [`cli`] parses arguments, [`app`] orchestrates, [`config`] turns an
//! experiment file into a validated [`config::Experiment`], [`core`] steps the runs, and
//! [`export`] and [`plot`] turn traces into bytes that [`app`] writes.

pub mod core;
pub mod plot;
