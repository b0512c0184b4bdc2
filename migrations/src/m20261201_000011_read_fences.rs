//! `read_fences`: for each person who wrote (keyed by session at first, by user since),
//! the primary's WAL position after their last mutation (bytes since `0/0`), so that with
//! a read replica (`THIDUA_DATABASE_READ_URL`) their next queries read the replica only
//! once it has replayed that far: a person always reads their own writes, on any server
//! process (issue 15).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("read_fences"))
                // The writer's user id (no foreign key: a fence outliving its writer is harmless).
                .col(uuid(a("writer_id")).primary_key())
                .col(big_integer(a("lsn")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("read_fences")).to_owned())
            .await
    }
}
