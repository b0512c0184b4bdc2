//! Exemplary models (điển hình tiên tiến), their stage history and replications.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("exemplars"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("name"), 300))
                .col(string_len(a("kind"), 20))
                .col(uuid(a("home_unit_id")))
                .col(uuid_null(a("field_id")))
                .col(uuid_null(a("campaign_id")))
                .col(text_null(a("description")))
                .col(boolean(a("is_direct_worker")))
                .col(string_len(a("stage"), 20))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("exemplars", "home_unit_id", "org_units"))
                .foreign_key(&mut fk("exemplars", "field_id", "fields"))
                .foreign_key(&mut fk("exemplars", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("exemplars", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("exemplars", &["home_unit_id", "stage"], false))
            .await?;
        m.create_index(index("exemplars", &["field_id"], false))
            .await?;
        m.create_index(index("exemplars", &["campaign_id"], false))
            .await?;
        m.create_index(index("exemplars", &["created_by"], false))
            .await?;
        m.create_index(index("exemplars", &["stage"], false))
            .await?;

        // Every stage step, with who, when and (for a step back) why.
        m.create_table(
            Table::create()
                .table(a("exemplar_stage_events"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("exemplar_id")))
                .col(string_len_null(a("from_stage"), 20))
                .col(string_len(a("to_stage"), 20))
                .col(date(a("on_date")))
                .col(text_null(a("reason")))
                .col(uuid_null(a("by_user")))
                .col(timestamp_with_time_zone(a("at")))
                .foreign_key(&mut fk("exemplar_stage_events", "exemplar_id", "exemplars"))
                .foreign_key(&mut fk("exemplar_stage_events", "by_user", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "exemplar_stage_events",
            &["exemplar_id", "at"],
            false,
        ))
        .await?;
        m.create_index(index("exemplar_stage_events", &["by_user"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("replications"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("exemplar_id")))
                .col(uuid(a("unit_id")))
                .col(date(a("on_date")))
                .col(text_null(a("note")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("replications", "exemplar_id", "exemplars"))
                .foreign_key(&mut fk("replications", "unit_id", "org_units"))
                .foreign_key(&mut fk("replications", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("replications", &["exemplar_id", "unit_id"], true))
            .await?;
        m.create_index(index("replications", &["unit_id"], false))
            .await?;
        m.create_index(index("replications", &["created_by"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["replications", "exemplar_stage_events", "exemplars"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
