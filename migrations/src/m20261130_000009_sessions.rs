//! Accounts and sessions: a home unit, contact details, last sign-in and a forced password
//! change on users; sessions (one per signed-in device) and their refresh tokens, stored
//! only as SHA-256 hashes.
//!
//! Existing users get as home unit the unit of their widest grant (the shortest path), or
//! none (then only administrators of the root manage them).

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, add_column, add_fk, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "users", uuid_null(a("unit_id"))).await?;
        add_fk(m, "users", "unit_id", "org_units").await?;
        m.create_index(index("users", &["unit_id"], false)).await?;
        add_column(m, "users", string_len_null(a("email"), 254)).await?;
        add_column(m, "users", string_len_null(a("phone"), 30)).await?;
        add_column(
            m,
            "users",
            timestamp_with_time_zone_null(a("last_sign_in_at")),
        )
        .await?;
        add_column(
            m,
            "users",
            boolean(a("must_change_password")).default(false).to_owned(),
        )
        .await?;
        add_column(
            m,
            "users",
            timestamp_with_time_zone_null(a("deactivated_at")),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE users SET unit_id = (SELECT rg.unit_id FROM role_grants rg \
             JOIN org_units ou ON ou.id = rg.unit_id WHERE rg.user_id = users.id \
             ORDER BY length(ou.path), ou.path LIMIT 1)",
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("sessions"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("user_id")))
                .col(string_len_null(a("device_name"), 100))
                .col(string_len_null(a("platform"), 40))
                .col(string_len_null(a("client_addr"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("last_used_at")))
                // Absolute end: no refresh extends a session past it.
                .col(timestamp_with_time_zone(a("expires_at")))
                .col(timestamp_with_time_zone_null(a("revoked_at")))
                .col(string_len_null(a("revoked_reason"), 30))
                .col(uuid_null(a("revoked_by")))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .foreign_key(&mut fk("sessions", "revoked_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", &["user_id", "id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("refresh_tokens"))
                // Hex SHA-256 of the token; the token itself is never stored.
                .col(string_len(a("token_hash"), 64).primary_key())
                .col(uuid(a("session_id")))
                .col(timestamp_with_time_zone(a("issued_at")))
                // NULL while current; set when rotated (an ended session's tokens are deleted).
                .col(timestamp_with_time_zone_null(a("retired_at")))
                // The pair that replaced this token, sealed with a key only this token
                // derives, for one retry of a refresh whose answer was lost.
                .col(text_null(a("retry_sealed")))
                .col(boolean(a("retry_used")).default(false))
                .foreign_key(&mut fk("refresh_tokens", "session_id", "sessions"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("refresh_tokens", &["session_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("refresh_tokens")).to_owned())
            .await?;
        m.drop_table(Table::drop().table(a("sessions")).to_owned())
            .await?;
        for col in [
            "deactivated_at",
            "must_change_password",
            "last_sign_in_at",
            "phone",
            "email",
            "unit_id",
        ] {
            if col == "unit_id" {
                m.drop_index(
                    Index::drop()
                        .name("ix_users_unit_id")
                        .table(a("users"))
                        .to_owned(),
                )
                .await?;
            }
            m.alter_table(
                Table::alter()
                    .table(a("users"))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
