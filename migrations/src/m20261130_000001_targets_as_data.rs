//! Targets and programmes as data (issue 10): which programme is the province's default
//! (untagged campaigns count toward it), a target's legal text, its definition parameters
//! (JSON validated by `thidua_domain::target_rules::TargetParameters`) and an optimistic
//! version for administrators' edits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, integer, text_null};

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The programme the seed loads; on databases that already hold it, it becomes the default.
const SEEDED_PROGRAMME: &str = "QN-TDYN-2021-2030";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(a("programmes"))
                .add_column(boolean(a("is_default")).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("targets"))
                .add_column(text_null(a("legal_text")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("targets"))
                .add_column(text_null(a("parameters")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("targets"))
                .add_column(integer(a("version")).default(1))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(a("programmes"))
                .value(a("is_default"), true)
                .and_where(Expr::col(a("code")).eq(SEEDED_PROGRAMME))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["version", "parameters", "legal_text"] {
            m.alter_table(
                Table::alter()
                    .table(a("targets"))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(a("programmes"))
                .drop_column(a("is_default"))
                .to_owned(),
        )
        .await
    }
}
