//! The event outbox: one row per domain event, written in the transaction of the change
//! it reports, so an event exists exactly when its change committed. Subscribers across
//! replicas are woken by PostgreSQL NOTIFY carrying only the id (payloads are capped at
//! 8,000 bytes and lost while a listener is away); bodies are read from here, and a
//! listener that reconnects replays from the last id it saw.
//!
//! Milestones get the time their overdue event was announced, so the periodic check
//! announces each overdue milestone once, whichever replica runs it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("events"))
                // BIGSERIAL on PostgreSQL, INTEGER PRIMARY KEY AUTOINCREMENT on SQLite:
                // never reused, so "after id N" stays meaningful after pruning.
                .col(big_pk_auto(a("id")))
                .col(string_len(a("kind"), 40))
                // Global ids of what the event is about, as a JSON object.
                .col(text(a("subject")))
                .col(string_len_null(a("unit_path"), 2000))
                // The user the event belongs to (a report's submitter).
                .col(uuid_null(a("user_id")))
                .col(timestamp_with_time_zone(a("occurred_at")))
                .col(string_len_null(a("request_id"), 64))
                // The event's details, as a JSON object.
                .col(text(a("body")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("events", &["occurred_at"], false))
            .await?;
        // The last announcement of a kind (target values) without scanning every event.
        m.create_index(index("events", &["kind", "id"], false))
            .await?;
        add_column(
            m,
            "milestones",
            timestamp_with_time_zone_null(a("overdue_announced_at")),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("milestones"))
                .drop_column(a("overdue_announced_at"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(a("events")).to_owned())
            .await
    }
}
