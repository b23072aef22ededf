//! optplay: CS231n's optimizer lecture as experiments you can run and look at.
//!
//! The flow runs one way: [`cli`] parses arguments, [`app`] orchestrates, [`config`] turns an
//! experiment file into a validated [`config::Experiment`], [`core`] steps the runs, and
//! [`export`] and [`plot`] turn traces into bytes that [`output`] writes, for [`app`] and for
//! [`play`]'s export alike. [`guide`] writes the texts of `list`, `explain` and `init`.
//! ARCHITECTURE.md walks through it.
//!
//! Public: what the binary, the tests and the benches use. `number` and `play` are the
//! crate's own.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod export;
pub mod guide;
pub(crate) mod number;
pub mod output;
pub(crate) mod play;
pub mod plot;
pub mod sweep;
