//! `progress_rollups`: each unit's approved values per criterion and calendar bucket
//! (see `progress_rollup_sql`), which `criterionProgress` reads over year-aligned ranges
//! instead of every value; filled here from the approved reports already stored, kept
//! current by the transaction that approves a report, and rebuilt by
//! `thidua progress-rollups rebuild`.
//!
//! Also a partial index on CUSTOM reports: a query first asks whether an approved report
//! crossing a year end touches its range (then the rollups do not apply), and only CUSTOM
//! periods can.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::a;
use crate::progress_rollup_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "progress_rollups";
const CUSTOM_INDEX: &str = "ix_progress_reports_custom";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a(TABLE))
                .col(uuid(a("campaign_id")))
                .col(string_len(a("grain"), 1))
                .col(integer(a("year")))
                .col(uuid(a("unit_id")))
                .col(uuid(a("criterion_id")))
                .col(string_len(a("bucket"), 7))
                .col(big_integer(a("reports")))
                .col(decimal_len(a("total"), 30, 4))
                .col(decimal_len(a("high"), 20, 4))
                .col(decimal_len(a("low"), 20, 4))
                .col(date(a("latest_end")))
                .col(decimal_len(a("latest_value"), 20, 4))
                .primary_key(
                    Index::create()
                        .col(a("campaign_id"))
                        .col(a("grain"))
                        .col(a("year"))
                        .col(a("unit_id"))
                        .col(a("criterion_id"))
                        .col(a("bucket")),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        // Partial indexes are written the same way on both databases.
        db.execute_unprepared(&format!(
            "CREATE INDEX {CUSTOM_INDEX} ON progress_reports (campaign_id) \
             WHERE period_kind = 'CUSTOM'"
        ))
        .await?;
        db.execute_unprepared(&progress_rollup_sql::fill(db.get_database_backend(), ""))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(CUSTOM_INDEX)
                .table(a("progress_reports"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(a(TABLE)).to_owned()).await
    }
}
