//! Network experiments: small classifiers trained on labelled points or images, the setting
//! of CS231n's neural-network case study and of lecture 7's regularisation lessons.
//!
//! Like the rest of the core this knows nothing of TOML, files or the command line:
//! - `data` turns a recipe (or a CSV file's text, read by the caller) into a
//!   [`data::Dataset`], splits it, cuts it into minibatches and augments a batch, all seeded
//!   and identical on every machine;
//! - `model` is a multilayer perceptron on one flat parameter vector, so the core's
//!   optimizers step it exactly as they step a surface's point;
//! - `train` is the training loop: minibatches, masks, the optimizer's step, the history;
//!   with `averaging` it keeps an averaged copy of the weights beside them, and it keeps the
//!   snapshots a snapshot ensemble asks for;
//! - `ensemble` makes several trained models predict together;
//! - `landscape` is the loss on the plane of a trained path's two principal directions;
//! - `transfer` seeds a network with another's trained layers (the body) and says which
//!   parameters a head-only training leaves alone.

pub mod averaging;
pub mod data;
pub mod ensemble;
pub mod landscape;
pub mod model;
pub mod train;
pub mod transfer;

#[cfg(test)]
mod tests;
