//! Whole-campaign rows in `progress_rollups` and `progress_subtree_totals` (grain `C`, see
//! `progress_rollup_sql`): `criterionProgress` over a range holding every approved report
//! of a campaign (its own dates by default, often two years) then reads one row per group
//! instead of every unit's year rows, whatever the criteria's period aggregations.
//!
//! Earlier migrations may already have written such rows (they fill through the same
//! statement), so the rows are deleted and written again.
//!
//! Two partial indexes on approved reports, by campaign and period start or end: a query
//! asks whether an approved report of its campaigns starts before its range or ends after
//! it, each one probe.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

use crate::progress_rollup_sql::{self, CAMPAIGN_GRAIN, TOTALS};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 2] = [
    ("ix_progress_reports_approved_start", "period_start"),
    ("ix_progress_reports_approved_end", "period_end"),
];

async fn delete_campaign_rows(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    for table in [TOTALS, "progress_rollups"] {
        db.execute_unprepared(&format!(
            "DELETE FROM {table} WHERE grain = '{CAMPAIGN_GRAIN}'"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = db.get_database_backend();
        // Partial indexes are written the same way on both databases.
        for (name, col) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON progress_reports (campaign_id, {col}) \
                 WHERE status = 'APPROVED'"
            ))
            .await?;
        }
        delete_campaign_rows(db).await?;
        db.execute_unprepared(&progress_rollup_sql::fill_years(backend, "", "1 = 0"))
            .await?;
        if let Some(analyze) = progress_rollup_sql::analyze(backend) {
            db.execute_unprepared(analyze).await?;
        }
        db.execute_unprepared(&progress_rollup_sql::totals_delta(
            backend,
            &format!("s.grain = '{CAMPAIGN_GRAIN}'"),
            "1 = 1",
            1,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        delete_campaign_rows(m.get_connection()).await?;
        for (name, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(Alias::new("progress_reports"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
