//! End-to-end tests: real HTTP against the real server, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod apq;
mod audit;
mod auth;
mod authority;
mod awards;
mod campaigns;
mod commendations;
mod comparisons;
mod compliance;
mod events;
mod evidence;
mod exemplars;
mod export_aggregates;
mod export_links;
mod exports;
mod graphiql;
mod hostile_input;
mod http;
mod i18n;
mod introspection;
pub mod leaderboard;
mod org_units;
mod outage;
mod pagination;
mod passwords;
mod people;
mod permissions;
mod progress;
mod progress_rollups;
mod rate_limits;
pub mod reports;
mod schema;
mod search;
mod sessions;
mod statements;
mod stats;
mod subscriptions;
mod sync;
mod target_breakdown;
mod target_series;
mod targets;
mod total_count;
mod validation;
mod webhooks;
