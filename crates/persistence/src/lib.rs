//! Storage: sea-orm entities and the queries and commands over them, for SQLite and
//! PostgreSQL alike. Rules come from `thidua-domain`; this crate only loads, checks
//! through the domain, and writes.

pub mod accounts;
pub mod api_clients;
pub mod audit;
pub mod authorities;
pub mod awards;
pub mod blobs;
pub mod campaigns;
pub mod changes;
pub mod clusters;
pub mod commendation_totals;
pub mod commendations;
pub mod compliance;
pub mod council;
pub mod current_values;
pub mod db;
pub mod db_error;
pub mod entities;
pub mod error;
pub mod evidence;
pub mod exemplars;
pub mod exports;
pub mod fields;
pub mod finder;
pub mod leaderboard;
pub mod milestones;
pub mod org_units;
pub mod outbox;
pub mod page;
pub mod participations;
pub mod passwords;
pub mod persisted_queries;
pub mod persons;
pub mod pooler;
pub mod programme;
pub mod progress;
pub mod progress_rollups;
pub mod raw;
pub mod read_replica;
pub mod reports;
pub mod search;
pub mod seed;
pub mod sessions;
pub mod snapshots;
pub mod stats;
pub mod target_breakdown;
pub mod target_counts;
pub mod url_redaction;
pub mod users;
pub mod webhooks;
pub mod write_gate;

pub use db::{Database, DbOptions};
pub use error::StoreError;
pub use write_gate::{WriteTurn, WriteTxn};
