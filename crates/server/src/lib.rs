//! The `thidua` process: configuration, telemetry, HTTP routes and the CLI.

// The root query merges four groups of up to five parts; laying out the schema's resolver
// futures nests deeper than rustc's default limit of 128.
#![recursion_limit = "256"]

pub mod apq;
pub mod cli;
pub mod config;
pub mod deadline;
pub mod events;
pub mod healthcheck;
pub mod metrics;
pub mod outage;
pub mod ratelimit;
pub mod refusal;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
