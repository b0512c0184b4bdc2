//! The `thidua` process: configuration, telemetry, HTTP routes and the CLI.

pub mod apq;
pub mod cli;
pub mod config;
pub mod deadline;
pub mod healthcheck;
pub mod metrics;
pub mod outage;
pub mod ratelimit;
pub mod refusal;
pub mod routes;
pub mod startup;
pub mod telemetry;
