pub mod core;
pub mod export;
pub mod guide;
pub mod config;
pub mod number;
pub mod plot;
