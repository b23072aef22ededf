pub mod config;
pub mod core;
pub mod export;
pub mod guide;
pub mod number;
pub mod plot;
