//! Machine clients (issue 14): `api_clients` (name, owner unit, the subtree it acts on,
//! scopes, disabled flag) and `api_client_secrets` (hashes of its secrets, with the time
//! a rotated-out one stops working), and `audit_log.actor_client_id` so the audit trail
//! names a client as itself.
//!
//! A secret is 256 random bits, so it is stored as its SHA-256 (hex), not argon2: slow
//! hashing protects guessable passwords from offline guessing, and 2^256 guesses stay out
//! of reach at any hashing speed; a fast hash keeps the token endpoint cheap.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, add_column, add_fk, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("api_clients"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("name"), 64))
                .col(uuid(a("owner_unit_id")))
                .col(uuid(a("subtree_unit_id")))
                // Space-separated, in the scope list's order (`targets:read reports:read`).
                .col(string_len(a("scopes"), 400))
                .col(boolean(a("disabled")).default(false))
                .col(string_len_null(a("disabled_reason"), 2000))
                .col(timestamp_with_time_zone_null(a("disabled_at")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("api_clients", "owner_unit_id", "org_units"))
                .foreign_key(&mut fk("api_clients", "subtree_unit_id", "org_units"))
                .foreign_key(&mut fk("api_clients", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("api_clients", &["name"], true))
            .await?;
        m.create_index(index("api_clients", &["owner_unit_id"], false))
            .await?;
        m.create_index(index("api_clients", &["subtree_unit_id"], false))
            .await?;
        m.create_index(index("api_clients", &["created_by"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("api_client_secrets"))
                // Hex SHA-256 of the secret; the secret itself is never stored.
                .col(string_len(a("secret_hash"), 64).primary_key())
                .col(uuid(a("client_id")))
                .col(timestamp_with_time_zone(a("created_at")))
                // Set when a rotation retires it: valid until then (the overlap).
                .col(timestamp_with_time_zone_null(a("retire_at")))
                .foreign_key(&mut fk("api_client_secrets", "client_id", "api_clients"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("api_client_secrets", &["client_id"], false))
            .await?;

        add_column(m, "audit_log", uuid_null(a("actor_client_id"))).await?;
        add_fk(m, "audit_log", "actor_client_id", "api_clients").await?;
        m.create_index(index("audit_log", &["actor_client_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_audit_log_actor_client_id")
                .table(a("audit_log"))
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.drop_foreign_key(
                ForeignKey::drop()
                    .name("fk_audit_log_actor_client_id")
                    .table(a("audit_log"))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(a("audit_log"))
                .drop_column(a("actor_client_id"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(a("api_client_secrets")).to_owned())
            .await?;
        m.drop_table(Table::drop().table(a("api_clients")).to_owned())
            .await
    }
}
