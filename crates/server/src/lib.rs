//! The `thidua` process: configuration, telemetry, HTTP routes and the CLI.

pub mod apq;
pub mod cli;
pub mod config;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod telemetry;
