//! `progress_subtree_totals`: per subtree root, the units, value sum and reports of each
//! campaign's criteria per calendar bucket (see `progress_rollup_sql::totals_delta`), so
//! that `criterionProgress` over one whole year reads a few rows per group instead of
//! regrouping every registered unit's rollups. Filled here from the rollups already
//! stored; kept equal to them by every writer in the same transaction, and rebuilt with
//! them by `thidua progress-rollups rebuild`.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::a;
use crate::progress_rollup_sql::{self, TOTALS};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a(TOTALS))
                .col(uuid(a("campaign_id")))
                .col(string_len(a("grain"), 1))
                .col(uuid(a("ancestor_id")))
                .col(integer(a("year")))
                .col(uuid(a("criterion_id")))
                .col(string_len(a("bucket"), 7))
                .col(big_integer(a("units")))
                // Unbounded on PostgreSQL: a sum of averages must stay exact, so that the
                // mean read from it equals the mean of the units' values to the last digit.
                .col(decimal(a("value_sum")))
                .col(big_integer(a("reports")))
                // A query names the campaign, the grain, the subtree root and the year:
                // its rows are one short range.
                .primary_key(
                    Index::create()
                        .col(a("campaign_id"))
                        .col(a("grain"))
                        .col(a("ancestor_id"))
                        .col(a("year"))
                        .col(a("criterion_id"))
                        .col(a("bucket")),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(&progress_rollup_sql::totals_delta(
            db.get_database_backend(),
            "1 = 1",
            "1 = 1",
            1,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a(TOTALS)).to_owned())
            .await
    }
}
