//! Indexes the province-sized dashboard benchmark (`benches/dashboards.rs`) showed missing.
//!
//! - `progress_reports (unit_id, submitted_by)`: `reports { totalCount }` counts the reports
//!   of a subtree that the caller may read (units under a grant, or their own submissions);
//!   with both columns in the index the count is an index-only scan over the subtree's
//!   units instead of a scan of every report.
//! - `commendations (unit_id, award_year, award_type_id, status, is_individual,
//!   is_direct_worker)`: what `commendationStats` reads to count by level, category, year,
//!   top-level unit and individual, and the direct-worker share; the province-wide counts
//!   read this narrow index (index-only on PostgreSQL) instead of the wide rows, and a
//!   subtree's counts read only its units' ranges (the unit first).

use sea_orm_migration::prelude::*;

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table, columns): named here, as the generated name of the second would pass
/// PostgreSQL's 63-byte limit.
const INDEXES: [(&str, &str, &[&str]); 2] = [
    (
        "ix_progress_reports_unit_submitter",
        "progress_reports",
        &["unit_id", "submitted_by"],
    ),
    (
        "ix_commendations_stats",
        "commendations",
        &[
            "unit_id",
            "award_year",
            "award_type_id",
            "status",
            "is_individual",
            "is_direct_worker",
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(a(table));
            for col in cols {
                index.col(a(col));
            }
            m.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
