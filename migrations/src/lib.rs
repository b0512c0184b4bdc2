//! Database schema, one migration per change; a migration is never edited once landed.

pub use sea_orm_migration::prelude::*;

pub mod commendation_totals_sql;
mod helpers;
mod m20261125_000001_core;
mod m20261125_000002_reporting;
mod m20261125_000003_exemplars;
mod m20261125_000004_clusters;
mod m20261125_000005_commendations;
mod m20261125_000006_leaderboard_index;
mod m20261130_000001_targets_as_data;
mod m20261130_000002_commendation_path;
mod m20261130_000003_catalogue;
mod m20261130_000004_people_succession;
mod m20261130_000005_periods;
mod m20261130_000006_search;
mod m20261130_000007_authority_data;
mod m20261130_000008_target_texts;
mod m20261130_000009_sessions;
mod m20261130_000010_dashboard_indexes;
mod m20261130_000011_progress_indexes;
mod m20261130_000012_outbox;
mod m20261130_000013_progress_rollups;
mod m20261201_000001_api_clients;
mod m20261201_000002_webhooks;
mod m20261201_000010_blobs;
mod m20261201_000011_read_fences;
mod m20261201_000020_progress_subtree_totals;
mod m20261201_000040_commendation_totals;
mod m20261201_000041_progress_campaign_rollups;
pub mod progress_rollup_sql;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_core::Migration),
            Box::new(m20261125_000002_reporting::Migration),
            Box::new(m20261125_000003_exemplars::Migration),
            Box::new(m20261125_000004_clusters::Migration),
            Box::new(m20261125_000005_commendations::Migration),
            Box::new(m20261125_000006_leaderboard_index::Migration),
            Box::new(m20261130_000002_commendation_path::Migration),
            Box::new(m20261130_000003_catalogue::Migration),
            Box::new(m20261130_000005_periods::Migration),
            Box::new(m20261130_000006_search::Migration),
            Box::new(m20261130_000004_people_succession::Migration),
            Box::new(m20261130_000001_targets_as_data::Migration),
            Box::new(m20261130_000008_target_texts::Migration),
            Box::new(m20261130_000007_authority_data::Migration),
            Box::new(m20261130_000009_sessions::Migration),
            Box::new(m20261130_000010_dashboard_indexes::Migration),
            Box::new(m20261130_000011_progress_indexes::Migration),
            Box::new(m20261130_000013_progress_rollups::Migration),
            Box::new(m20261130_000012_outbox::Migration),
            Box::new(m20261201_000001_api_clients::Migration),
            Box::new(m20261201_000002_webhooks::Migration),
            Box::new(m20261201_000010_blobs::Migration),
            Box::new(m20261201_000011_read_fences::Migration),
            Box::new(m20261201_000020_progress_subtree_totals::Migration),
            Box::new(m20261201_000040_commendation_totals::Migration),
            Box::new(m20261201_000041_progress_campaign_rollups::Migration),
        ]
    }
}
