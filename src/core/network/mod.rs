//! Networks: a multilayer perceptron on one flat parameter vector (`model`), so the core's
//! optimizers and schedules train it exactly as they step a surface.

pub mod data;
pub mod model;
pub mod train;

#[cfg(test)]
mod tests;
