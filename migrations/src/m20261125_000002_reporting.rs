//! Grassroots reporting: progress reports with their values and revisions, evidence
//! attachments, the change feed for offline sync, and persisted queries.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The current state of each report; `id` is minted by the client.
        m.create_table(
            Table::create()
                .table(a("progress_reports"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("campaign_id")))
                .col(uuid(a("unit_id")))
                .col(string_len(a("period_kind"), 20))
                .col(date(a("period_start")))
                .col(date(a("period_end")))
                .col(text_null(a("narrative")))
                .col(decimal_len_null(a("latitude"), 10, 7))
                .col(decimal_len_null(a("longitude"), 10, 7))
                .col(string_len(a("status"), 20))
                .col(integer(a("revision")))
                .col(integer(a("version")))
                .col(string_len(a("content_hash"), 64))
                .col(uuid_null(a("submitted_by")))
                .col(timestamp_with_time_zone(a("submitted_at")))
                .col(uuid_null(a("reviewed_by")))
                .col(timestamp_with_time_zone_null(a("reviewed_at")))
                .col(text_null(a("return_reason")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("progress_reports", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("progress_reports", "unit_id", "org_units"))
                .foreign_key(&mut fk("progress_reports", "submitted_by", "users"))
                .foreign_key(&mut fk("progress_reports", "reviewed_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "progress_reports",
            &["campaign_id", "period_start"],
            false,
        ))
        .await?;
        m.create_index(index(
            "progress_reports",
            &["unit_id", "campaign_id"],
            false,
        ))
        .await?;
        m.create_index(index("progress_reports", &["submitted_by"], false))
            .await?;
        m.create_index(index("progress_reports", &["reviewed_by"], false))
            .await?;
        m.create_index(index("progress_reports", &["status"], false))
            .await?;

        // The values of the current revision, one per criterion (aggregated in SQL later).
        m.create_table(
            Table::create()
                .table(a("report_values"))
                .col(uuid(a("report_id")))
                .col(uuid(a("criterion_id")))
                .col(decimal_len(a("value"), 20, 4))
                .primary_key(Index::create().col(a("report_id")).col(a("criterion_id")))
                .foreign_key(&mut fk("report_values", "report_id", "progress_reports"))
                .foreign_key(&mut fk("report_values", "criterion_id", "criteria"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("report_values", &["criterion_id"], false))
            .await?;

        // Every revision as submitted, kept when a report is returned and resubmitted.
        m.create_table(
            Table::create()
                .table(a("report_revisions"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("report_id")))
                .col(integer(a("revision")))
                .col(string_len(a("content_hash"), 64))
                .col(text(a("content")))
                .col(string_len(a("outcome"), 20))
                .col(text_null(a("return_reason")))
                .col(uuid_null(a("submitted_by")))
                .col(timestamp_with_time_zone(a("submitted_at")))
                .foreign_key(&mut fk("report_revisions", "report_id", "progress_reports"))
                .foreign_key(&mut fk("report_revisions", "submitted_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("report_revisions", &["report_id", "revision"], true))
            .await?;
        m.create_index(index("report_revisions", &["submitted_by"], false))
            .await?;

        // Evidence files, stored content-addressed (sha256) outside the database.
        m.create_table(
            Table::create()
                .table(a("attachments"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("report_id")))
                .col(string_len(a("sha256"), 64))
                .col(big_integer(a("size_bytes")))
                .col(string_len(a("content_type"), 60))
                .col(string_len(a("file_name"), 255))
                .col(uuid_null(a("uploaded_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("attachments", "report_id", "progress_reports"))
                .foreign_key(&mut fk("attachments", "uploaded_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("attachments", &["report_id", "sha256"], true))
            .await?;
        m.create_index(index("attachments", &["sha256"], false))
            .await?;
        m.create_index(index("attachments", &["uploaded_by"], false))
            .await?;

        // The change feed behind `changes(since:)`. `txid` is the writing transaction's id on
        // PostgreSQL (0 on SQLite, whose writers are serialised): a reader only returns rows
        // of transactions older than its snapshot's xmin, so none can still appear behind it.
        m.create_table(
            Table::create()
                .table(a("change_log"))
                .col(big_pk_auto(a("seq")))
                .col(big_integer(a("txid")))
                .col(string_len(a("entity"), 40))
                .col(uuid(a("entity_id")))
                .col(string_len(a("op"), 20))
                .col(string_len_null(a("unit_path"), 2000))
                .col(uuid_null(a("user_id")))
                .col(timestamp_with_time_zone(a("at")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("change_log", &["txid", "seq"], false))
            .await?;
        m.create_index(index("change_log", &["user_id"], false))
            .await?;

        // Automatic persisted queries and trusted documents, shared by every replica.
        m.create_table(
            Table::create()
                .table(a("persisted_queries"))
                .col(string_len(a("sha256"), 64).primary_key())
                .col(text(a("query")))
                .col(boolean(a("trusted")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "persisted_queries",
            "change_log",
            "attachments",
            "report_revisions",
            "report_values",
            "progress_reports",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
