//! The award catalogue, council sessions, commendations with their corrections, and the
//! daily snapshots of target values.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Catalogue rows: a new decree is a data change, not a code change.
        m.create_table(
            Table::create()
                .table(a("award_types"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("code"), 60))
                .col(string_len(a("name"), 300))
                .col(string_len(a("category"), 30))
                .col(string_len(a("level"), 20))
                .col(string_len(a("recipient_kind"), 20))
                .col(decimal_len(a("approval_threshold"), 5, 2))
                .col(string_len(a("conferring_authority"), 300))
                .col(text(a("legal_basis")))
                .col(date(a("effective_from")))
                .col(date_null(a("effective_to")))
                .col(uuid_null(a("prerequisite_award_type_id")))
                .col(integer_null(a("prerequisite_years")))
                .col(integer(a("sort_order")))
                .col(integer(a("version")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "award_types",
                    "prerequisite_award_type_id",
                    "award_types",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("award_types", &["code"], true))
            .await?;
        m.create_index(index("award_types", &["prerequisite_award_type_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("council_sessions"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("title"), 300))
                .col(date(a("held_on")))
                .col(integer(a("member_count")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("council_sessions", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("council_sessions", &["created_by"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(a("council_members"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("session_id")))
                .col(string_len(a("name"), 300))
                .col(string_len_null(a("position"), 300))
                .col(integer(a("sort_order")))
                .foreign_key(&mut fk("council_members", "session_id", "council_sessions"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "council_members",
            &["session_id", "sort_order"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(a("commendations"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("award_type_id")))
                .col(string_len(a("kind"), 30))
                .col(string_len(a("status"), 20))
                .col(string_len(a("recipient_type"), 20))
                // The unit the honour belongs to: the unit itself, the model's home unit
                // or the person's unit; what subtree filters and permissions look at.
                .col(uuid(a("unit_id")))
                .col(uuid_null(a("exemplar_id")))
                .col(string_len_null(a("person_name"), 300))
                .col(string_len_null(a("person_position"), 300))
                // Who the honour is for, as one comparable key: UNIT:<id>, EXEMPLAR:<id> or
                // PERSON:<normalised name>|<unit id>. Award history is kept under it.
                .col(string_len(a("recipient_key"), 450))
                .col(boolean(a("is_individual")))
                .col(boolean(a("is_direct_worker")))
                .col(uuid(a("nominating_unit_id")))
                .col(uuid_null(a("campaign_id")))
                .col(integer(a("award_year")))
                .col(text_null(a("citation")))
                .col(uuid_null(a("session_id")))
                .col(integer_null(a("votes_present")))
                .col(integer_null(a("votes_in_writing")))
                .col(integer_null(a("votes_yes")))
                .col(integer_null(a("votes_no")))
                .col(integer_null(a("votes_abstain")))
                .col(text_null(a("decision_note")))
                .col(string_len_null(a("decision_number"), 100))
                .col(string_len_null(a("decision_key"), 100))
                .col(date_null(a("decision_date")))
                .col(integer_null(a("decision_year")))
                .col(string_len_null(a("issuing_authority"), 300))
                .col(string_len_null(a("authority_key"), 300))
                .col(uuid_null(a("conferred_by")))
                .col(timestamp_with_time_zone_null(a("conferred_at")))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("commendations", "award_type_id", "award_types"))
                .foreign_key(&mut fk("commendations", "unit_id", "org_units"))
                .foreign_key(&mut fk("commendations", "exemplar_id", "exemplars"))
                .foreign_key(&mut fk("commendations", "nominating_unit_id", "org_units"))
                .foreign_key(&mut fk("commendations", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("commendations", "session_id", "council_sessions"))
                .foreign_key(&mut fk("commendations", "conferred_by", "users"))
                .foreign_key(&mut fk("commendations", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        // A decision number is unique per issuing authority (NULLs, not yet conferred, are distinct).
        m.create_index(index(
            "commendations",
            &["authority_key", "decision_key"],
            true,
        ))
        .await?;
        // Target 3: conferred, central level, decided in a date range, distinct models.
        m.create_index(index(
            "commendations",
            &["status", "decision_date", "exemplar_id"],
            false,
        ))
        .await?;
        // The direct-worker indicator: conferred individual honours per year.
        m.create_index(index(
            "commendations",
            &["decision_year", "is_individual", "is_direct_worker"],
            false,
        ))
        .await?;
        for cols in [
            &["award_type_id", "status"][..],
            &["unit_id"],
            &["exemplar_id"],
            &["recipient_key", "award_type_id"],
            &["nominating_unit_id"],
            &["campaign_id"],
            &["session_id"],
            &["conferred_by"],
            &["created_by"],
        ] {
            m.create_index(index("commendations", cols, false)).await?;
        }

        // One live nomination per award, recipient and year; a rejected one may be renewed.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ix_commendations_live_nomination \
                 ON commendations (award_type_id, award_year, recipient_key) \
                 WHERE status <> 'REJECTED'",
            )
            .await?;

        // A conferred record changes only through a recorded correction.
        m.create_table(
            Table::create()
                .table(a("commendation_corrections"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("commendation_id")))
                .col(text(a("reason")))
                .col(text(a("changes")))
                .col(uuid_null(a("by_user")))
                .col(timestamp_with_time_zone(a("at")))
                .foreign_key(&mut fk(
                    "commendation_corrections",
                    "commendation_id",
                    "commendations",
                ))
                .foreign_key(&mut fk("commendation_corrections", "by_user", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "commendation_corrections",
            &["commendation_id", "at"],
            false,
        ))
        .await?;
        m.create_index(index("commendation_corrections", &["by_user"], false))
            .await?;

        // One value per target per day, so a dashboard can draw the line.
        m.create_table(
            Table::create()
                .table(a("target_snapshots"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("target_id")))
                .col(date(a("taken_on")))
                .col(decimal_len_null(a("value"), 20, 4))
                .col(text(a("note")))
                .col(timestamp_with_time_zone(a("taken_at")))
                .foreign_key(&mut fk("target_snapshots", "target_id", "targets"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("target_snapshots", &["target_id", "taken_on"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "target_snapshots",
            "commendation_corrections",
            "commendations",
            "council_members",
            "council_sessions",
            "award_types",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
