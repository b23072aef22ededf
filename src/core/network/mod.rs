//! Network experiments: small classifiers trained on labelled points or images, the setting
//! of CS231n's neural-network case study and of lecture 7's regularisation and ensembles.
//!
//! Like the rest of the core this knows nothing of TOML, files or the command line: `data`
//! turns a recipe (or a CSV file's text, read by the caller) into a [`data::Dataset`], splits
//! it, cuts it into minibatches and augments a batch, all seeded and identical on every
//! machine.

pub mod data;
