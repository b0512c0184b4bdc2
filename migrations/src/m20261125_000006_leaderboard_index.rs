//! An index for the leaderboard: a unit's latest approved report of a campaign in a period
//! is one probe, read backwards from the latest period end, with the period start in the
//! index so the probe never visits the table (on PostgreSQL, an index-only scan).

use sea_orm_migration::prelude::*;

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_progress_reports_latest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut index = Index::create();
        index.name(NAME).table(a("progress_reports"));
        for col in [
            "campaign_id",
            "unit_id",
            "status",
            "period_end",
            "id",
            "period_start",
        ] {
            index.col(a(col));
        }
        m.create_index(index.to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(NAME)
                .table(a("progress_reports"))
                .to_owned(),
        )
        .await
    }
}
