//! Core tables: users and grants, org units, fields, the programme and its targets,
//! campaigns with criteria, milestones and participations, and the audit trail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Measured values: 20 digits, 4 after the point.
fn measured(name: &str) -> ColumnDef {
    decimal_len(a(name), 20, 4)
}

fn measured_null(name: &str) -> ColumnDef {
    decimal_len_null(a(name), 20, 4)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("org_units"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("code"), 40))
                .col(string_len(a("name"), 300))
                .col(string_len(a("kind"), 40))
                .col(uuid_null(a("parent_id")))
                .col(string_len(a("path"), 2000))
                .col(integer(a("depth")))
                .col(boolean(a("is_active")))
                .col(integer(a("version")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("org_units", "parent_id", "org_units"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("org_units", &["code"], true)).await?;
        m.create_index(index("org_units", &["parent_id"], false))
            .await?;
        m.create_index(index("org_units", &["path"], false)).await?;

        m.create_table(
            Table::create()
                .table(a("users"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("username"), 80))
                .col(string_len(a("display_name"), 300))
                .col(string_len(a("password_hash"), 200))
                .col(boolean(a("is_active")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", &["username"], true)).await?;

        m.create_table(
            Table::create()
                .table(a("role_grants"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("user_id")))
                .col(string_len(a("role"), 20))
                .col(uuid(a("unit_id")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("role_grants", "user_id", "users"))
                .foreign_key(&mut fk("role_grants", "unit_id", "org_units"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("role_grants", &["user_id", "role", "unit_id"], true))
            .await?;
        m.create_index(index("role_grants", &["unit_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("fields"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("code"), 40))
                .col(string_len(a("name"), 300))
                .col(boolean(a("is_breakthrough")))
                .col(integer(a("sort_order")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("fields", &["code"], true)).await?;

        m.create_table(
            Table::create()
                .table(a("programmes"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("code"), 40))
                .col(text(a("title")))
                .col(text_null(a("summary")))
                .col(uuid(a("owner_unit_id")))
                .col(date(a("start_date")))
                .col(date(a("end_date")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("programmes", "owner_unit_id", "org_units"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("programmes", &["code"], true)).await?;
        m.create_index(index("programmes", &["owner_unit_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("targets"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("programme_id")))
                .col(string_len(a("code"), 40))
                .col(text(a("title")))
                .col(text(a("description")))
                .col(string_len(a("horizon"), 20))
                .col(date(a("period_start")))
                .col(date(a("deadline")))
                .col(string_len(a("comparator"), 20))
                .col(measured("target_value"))
                .col(measured_null("target_max"))
                .col(string_len(a("unit_label"), 40))
                .col(measured("baseline"))
                .col(date(a("baseline_date")))
                .col(string_len(a("source"), 20))
                .col(string_len_null(a("computation"), 60))
                .col(integer(a("sort_order")))
                .foreign_key(&mut fk("targets", "programme_id", "programmes"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("targets", &["programme_id", "code"], true))
            .await?;

        m.create_table(
            Table::create()
                .table(a("target_values"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("target_id")))
                .col(measured("value"))
                .col(date(a("as_of")))
                .col(text(a("source_note")))
                .col(uuid_null(a("entered_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("target_values", "target_id", "targets"))
                .foreign_key(&mut fk("target_values", "entered_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("target_values", &["target_id", "as_of"], false))
            .await?;
        m.create_index(index("target_values", &["entered_by"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("campaigns"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("code"), 40))
                .col(string_len(a("title"), 1200))
                .col(text_null(a("summary")))
                .col(text(a("search_text")))
                .col(string_len(a("kind"), 20))
                .col(string_len(a("status"), 20))
                .col(uuid_null(a("programme_id")))
                .col(uuid(a("launching_unit_id")))
                .col(date(a("start_date")))
                .col(date(a("end_date")))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .col(timestamp_with_time_zone_null(a("launched_at")))
                .col(timestamp_with_time_zone_null(a("closed_at")))
                .foreign_key(&mut fk("campaigns", "programme_id", "programmes"))
                .foreign_key(&mut fk("campaigns", "launching_unit_id", "org_units"))
                .foreign_key(&mut fk("campaigns", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("campaigns", &["code"], true)).await?;
        m.create_index(index("campaigns", &["status"], false))
            .await?;
        m.create_index(index("campaigns", &["programme_id"], false))
            .await?;
        m.create_index(index("campaigns", &["launching_unit_id"], false))
            .await?;
        m.create_index(index("campaigns", &["created_by"], false))
            .await?;
        m.create_index(index("campaigns", &["start_date", "id"], false))
            .await?;
        m.create_index(index("campaigns", &["end_date"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("campaign_fields"))
                .col(uuid(a("campaign_id")))
                .col(uuid(a("field_id")))
                .primary_key(Index::create().col(a("campaign_id")).col(a("field_id")))
                .foreign_key(&mut fk("campaign_fields", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("campaign_fields", "field_id", "fields"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("campaign_fields", &["field_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("criteria"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("campaign_id")))
                .col(string_len(a("title"), 1200))
                .col(string_len(a("measure"), 20))
                .col(string_len(a("direction"), 20))
                .col(string_len_null(a("unit_label"), 160))
                .col(measured_null("target_value"))
                .col(measured("weight"))
                .col(integer(a("sort_order")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("criteria", "campaign_id", "campaigns"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("criteria", &["campaign_id", "sort_order"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("milestones"))
                .col(pk_uuid(a("id")))
                .col(uuid_null(a("campaign_id")))
                .col(uuid_null(a("programme_id")))
                .col(string_len(a("kind"), 30))
                .col(string_len(a("title"), 1200))
                .col(date(a("due_date")))
                .col(timestamp_with_time_zone_null(a("completed_at")))
                .col(uuid_null(a("completed_by")))
                .col(text_null(a("note")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("milestones", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("milestones", "programme_id", "programmes"))
                .foreign_key(&mut fk("milestones", "completed_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("milestones", &["campaign_id", "due_date"], false))
            .await?;
        m.create_index(index("milestones", &["programme_id", "due_date"], false))
            .await?;
        m.create_index(index("milestones", &["completed_by"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("participations"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("campaign_id")))
                .col(uuid(a("unit_id")))
                .col(text_null(a("pledge")))
                .col(string_len(a("status"), 20))
                .col(timestamp_with_time_zone(a("registered_at")))
                .col(timestamp_with_time_zone_null(a("withdrawn_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("participations", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("participations", "unit_id", "org_units"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("participations", &["campaign_id", "unit_id"], true))
            .await?;
        m.create_index(index("participations", &["unit_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("audit_log"))
                .col(pk_uuid(a("id")))
                .col(timestamp_with_time_zone(a("at")))
                .col(uuid_null(a("actor_user_id")))
                .col(string_len(a("actor_label"), 200))
                .col(string_len(a("entity"), 40))
                .col(uuid(a("entity_id")))
                .col(string_len(a("action"), 40))
                .col(text(a("summary")))
                .col(string_len(a("request_id"), 64))
                .foreign_key(&mut fk("audit_log", "actor_user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", &["entity", "entity_id"], false))
            .await?;
        m.create_index(index("audit_log", &["actor_user_id"], false))
            .await?;
        m.create_index(index("audit_log", &["request_id"], false))
            .await?;
        m.create_index(index("audit_log", &["at"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "audit_log",
            "participations",
            "milestones",
            "criteria",
            "campaign_fields",
            "campaigns",
            "target_values",
            "targets",
            "programmes",
            "fields",
            "role_grants",
            "users",
            "org_units",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
