//! Target texts in English beside the Vietnamese ones (the API answers in the request's
//! language, Vietnamese by default): `title_en`, `description_en`, `unit_label_en`, all
//! optional (a reader asking for English falls back to the Vietnamese text). The seed fills
//! them for its own targets. Also, on PostgreSQL, a GIN trigram index on
//! `persons.search_key`, like the other search columns (migration `m20261130_000006_search`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len_null, text_null};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PERSONS_INDEX: &str = "ix_persons_search_key_trgm";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for col in [
            text_null(a("title_en")),
            text_null(a("description_en")),
            string_len_null(a("unit_label_en"), 40),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(a("targets"))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {PERSONS_INDEX} ON persons USING gin (search_key gin_trgm_ops)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(&format!("DROP INDEX IF EXISTS {PERSONS_INDEX}"))
                .await?;
        }
        for col in ["unit_label_en", "description_en", "title_en"] {
            m.alter_table(
                Table::alter()
                    .table(a("targets"))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
