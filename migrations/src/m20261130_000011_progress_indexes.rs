//! Indexes `criterionProgress` reads on the province-sized dashboard benchmark
//! (`benches/dashboards.rs`).
//!
//! - `report_values (report_id, criterion_id, value)`: every counted report's values are
//!   read by report; with the value in the index the read is an index-only scan on
//!   PostgreSQL instead of a heap visit per value (about a quarter off the whole-province
//!   figures), and the latest value's lookup by (report, criterion) is index-only too.

use sea_orm_migration::prelude::*;

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_report_values_report_criterion_value";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table(a("report_values"))
                .col(a("report_id"))
                .col(a("criterion_id"))
                .col(a("value"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(NAME)
                .table(a("report_values"))
                .to_owned(),
        )
        .await
    }
}
