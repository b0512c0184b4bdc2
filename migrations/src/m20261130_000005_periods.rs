//! Scoring periods: each criterion says how a unit's reports in a leaderboard's period
//! combine (`period_aggregation`). Existing criteria keep their meaning: counts add up
//! (SUM), every other measure keeps the latest report's value (LATEST), the rule every
//! criterion was scored by before. Reporting periods gain HALF_YEAR and YEAR, which fit
//! the existing `period_kind` column (no change there).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("criteria"))
                .add_column(string_len(a("period_aggregation"), 20).default("LATEST"))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(a("criteria"))
                .value(a("period_aggregation"), "SUM")
                .and_where(Expr::col(a("measure")).eq("COUNT"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("criteria"))
                .drop_column(a("period_aggregation"))
                .to_owned(),
        )
        .await
    }
}
