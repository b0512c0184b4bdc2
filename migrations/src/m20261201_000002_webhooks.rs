//! Webhooks: endpoints (where, which events, signing secrets, health) and their
//! deliveries (one row per event and endpoint, the `webhook-id`, claimed by the workers of
//! every replica).
//!
//! An endpoint belongs to an owner unit (who may manage it) and was registered by a user
//! or, later, by an API client (`api_client_id`, no foreign key yet). A rotated secret
//! stays valid until `previous_secret_expires_at`, and deliveries are signed with both.
//! `first_failure_at` is the start of the current run of failures (the one-day rule).
//!
//! Deliveries carry their own body, so pruning the outbox never loses one. `seq` orders
//! one endpoint's deliveries (the event id; for pings, redeliveries and replays, the
//! stream's last id when they were made). `locked_until`/`claimed_by` are the worker's
//! lease: a claimed delivery is skipped by other workers until its lease runs out.

use sea_orm::ConnectionTrait;
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
                .table(a("webhook_endpoints"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("url"), 2000))
                // Comma-separated event kinds.
                .col(string_len(a("event_types"), 2000))
                .col(uuid_null(a("subtree_unit_id")))
                .col(uuid(a("owner_unit_id")))
                .col(uuid_null(a("created_by")))
                // The API client that registered it (machine clients land separately).
                .col(uuid_null(a("api_client_id")))
                .col(string_len(a("secret"), 120))
                .col(string_len_null(a("previous_secret"), 120))
                .col(timestamp_with_time_zone_null(a(
                    "previous_secret_expires_at",
                )))
                .col(boolean(a("enabled")).default(true))
                .col(string_len_null(a("disabled_reason"), 500))
                .col(timestamp_with_time_zone_null(a("disabled_at")))
                .col(timestamp_with_time_zone_null(a("first_failure_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("webhook_endpoints", "owner_unit_id", "org_units"))
                .foreign_key(&mut fk("webhook_endpoints", "subtree_unit_id", "org_units"))
                .foreign_key(&mut fk("webhook_endpoints", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_endpoints", &["owner_unit_id", "id"], false))
            .await?;
        m.create_index(index("webhook_endpoints", &["subtree_unit_id"], false))
            .await?;
        m.create_index(index("webhook_endpoints", &["created_by"], false))
            .await?;
        m.create_index(index("webhook_endpoints", &["api_client_id"], false))
            .await?;
        // Fan-out reads the enabled endpoints in every event's transaction.
        m.create_index(index("webhook_endpoints", &["enabled"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("webhook_deliveries"))
                // The `webhook-id` header: receivers deduplicate on it.
                .col(pk_uuid(a("id")))
                .col(uuid(a("endpoint_id")))
                .col(big_integer_null(a("event_id")))
                .col(big_integer(a("seq")))
                .col(string_len(a("event_type"), 40))
                // The JSON body sent, as is, on every attempt.
                .col(text(a("payload")))
                .col(string_len(a("status"), 20))
                .col(integer(a("attempts")).default(0))
                .col(timestamp_with_time_zone(a("next_attempt_at")))
                .col(timestamp_with_time_zone_null(a("locked_until")))
                .col(string_len_null(a("claimed_by"), 64))
                .col(integer_null(a("last_response_code")))
                .col(string_len_null(a("last_error"), 500))
                .col(timestamp_with_time_zone_null(a("last_attempt_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("completed_at")))
                .foreign_key(
                    &mut fk("webhook_deliveries", "endpoint_id", "webhook_endpoints")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        // The claim: due open deliveries, oldest first.
        m.create_index(index(
            "webhook_deliveries",
            &["status", "next_attempt_at"],
            false,
        ))
        .await?;
        // One endpoint's listing by status.
        m.create_index(index(
            "webhook_deliveries",
            &["endpoint_id", "status"],
            false,
        ))
        .await?;
        // The head of one endpoint's queue: its earliest open delivery, in one probe.
        // Partial (both databases accept the syntax): finished deliveries stay out of it.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_webhook_deliveries_open ON webhook_deliveries \
                 (endpoint_id, seq, id) WHERE status IN ('PENDING', 'FAILED')",
            )
            .await?;
        // One endpoint's deliveries, newest first (keyset on the v7 id).
        m.create_index(index("webhook_deliveries", &["endpoint_id", "id"], false))
            .await?;
        m.create_index(index("webhook_deliveries", &["event_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("webhook_deliveries")).to_owned())
            .await?;
        m.drop_table(Table::drop().table(a("webhook_endpoints")).to_owned())
            .await
    }
}
