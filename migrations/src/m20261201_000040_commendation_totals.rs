//! `commendation_totals`: commendations counted per subtree root and per value of what
//! `commendationStats` groups and filters by (see `commendation_totals_sql`), so that the
//! province's counts read a few thousand rows instead of every commendation. Filled here
//! from the commendations already stored; kept equal to them by every writer in the same
//! transaction, and rebuilt by `thidua commendation-totals rebuild`.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::commendation_totals_sql::{KEY, TOTALS, totals_delta};
use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut key = Index::create();
        for col in KEY {
            key.col(a(col));
        }
        m.create_table(
            Table::create()
                .table(a(TOTALS))
                .col(uuid(a("ancestor_id")))
                .col(integer(a("award_year")))
                .col(string_len(a("status"), 20))
                .col(uuid(a("award_type_id")))
                .col(string_len(a("kind"), 30))
                .col(string_len(a("recipient_type"), 20))
                .col(boolean(a("is_individual")))
                .col(boolean(a("is_direct_worker")))
                .col(uuid(a("top_level_id")))
                .col(big_integer(a("n")))
                .primary_key(&mut key)
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(&totals_delta("1 = 1", 1))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a(TOTALS)).to_owned())
            .await
    }
}
