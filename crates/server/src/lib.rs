//! The `thidua` process: configuration, telemetry, HTTP routes and the CLI.
// The root query merges four groups of resolvers; their nested futures need more than
// rustc's default depth (128) to lay out.
#![recursion_limit = "256"]

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
