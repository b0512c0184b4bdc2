//! Emulation clusters and blocs (cụm, khối thi đua): named groups of units that compete.

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
                .table(a("clusters"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("code"), 40))
                .col(string_len(a("name"), 300))
                .col(string_len(a("kind"), 20))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_clusters_code")
                .table(a("clusters"))
                .col(a("code"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("cluster_members"))
                .col(uuid(a("cluster_id")))
                .col(uuid(a("unit_id")))
                .primary_key(Index::create().col(a("cluster_id")).col(a("unit_id")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_cluster_members_cluster_id")
                        .from(a("cluster_members"), a("cluster_id"))
                        .to(a("clusters"), a("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_cluster_members_unit_id")
                        .from(a("cluster_members"), a("unit_id"))
                        .to(a("org_units"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_cluster_members_unit_id")
                .table(a("cluster_members"))
                .col(a("unit_id"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("cluster_members")).to_owned())
            .await?;
        m.drop_table(Table::drop().table(a("clusters")).to_owned())
            .await
    }
}
