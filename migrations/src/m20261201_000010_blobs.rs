//! `blobs`: evidence bytes kept in the database itself, under their sha256, so that every
//! server process sharing a PostgreSQL database serves every file (issue 15). Used when
//! `THIDUA_BLOB_STORE` is `database`, and by default on PostgreSQL; the embedded SQLite
//! default keeps files on disk, where the table stays empty.

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
                .table(a("blobs"))
                // Lower-case hex sha256 of `content`.
                .col(string_len(a("sha256"), 64).primary_key())
                .col(big_integer(a("size")))
                .col(blob(a("content")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("blobs")).to_owned())
            .await
    }
}
