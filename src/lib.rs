pub mod core;
pub mod number;
