//! People as records of their own (not names), their unit history, unit succession (the
//! 2025 merger), and prerequisites counted as the law words them.
//!
//! Existing person honours were keyed `PERSON:<normalised name>|<unit id>`; each distinct
//! key becomes one person (named as on its first honour, in that unit), and its honours are
//! re-keyed `PERSON:<person id>`.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use uuid::Uuid;

use crate::helpers::{a, add_column, add_fk, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The search folding of this migration's day, frozen here so the migration does the same
/// thing whatever later code does: NFD, marks dropped, đ → d, lower case, single spaces.
fn fold(raw: &str) -> String {
    raw.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("persons"))
                .col(pk_uuid(a("id")))
                .col(string_len(a("name"), 300))
                // fold(name): accent- and case-insensitive search.
                .col(string_len(a("search_key"), 400))
                // SHA-256 of the normalised identity number; the number is never stored.
                .col(string_len_null(a("national_id_hash"), 64))
                // NULL only for a foreign recipient (khen thưởng đối ngoại).
                .col(uuid_null(a("unit_id")))
                .col(string_len_null(a("position"), 300))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("persons", "unit_id", "org_units"))
                .foreign_key(&mut fk("persons", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("persons", &["national_id_hash"], true))
            .await?;
        m.create_index(index("persons", &["unit_id", "id"], false))
            .await?;
        m.create_index(index("persons", &["search_key"], false))
            .await?;
        m.create_index(index("persons", &["created_by"], false))
            .await?;

        // One row per stint of a person in a unit: [from_date, to_date), open while current.
        m.create_table(
            Table::create()
                .table(a("person_units"))
                .col(pk_uuid(a("id")))
                .col(uuid(a("person_id")))
                .col(uuid(a("unit_id")))
                .col(date(a("from_date")))
                .col(date_null(a("to_date")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("person_units", "person_id", "persons"))
                .foreign_key(&mut fk("person_units", "unit_id", "org_units"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("person_units", &["person_id", "from_date"], false))
            .await?;
        m.create_index(index("person_units", &["unit_id"], false))
            .await?;

        add_column(m, "commendations", uuid_null(a("person_id"))).await?;
        add_fk(m, "commendations", "person_id", "persons").await?;
        m.create_index(index("commendations", &["person_id"], false))
            .await?;
        // The recognised initiative (sáng kiến) a nomination relies on, e.g. the decision
        // recognising it; checked where the award row requires one.
        add_column(
            m,
            "commendations",
            string_len_null(a("initiative_reference"), 300),
        )
        .await?;

        add_column(m, "org_units", uuid_null(a("successor_id"))).await?;
        add_fk(m, "org_units", "successor_id", "org_units").await?;
        add_column(m, "org_units", date_null(a("succeeded_on"))).await?;
        m.create_index(index("org_units", &["successor_id"], false))
            .await?;

        add_column(
            m,
            "award_types",
            string_len(a("prerequisite_kind"), 30)
                .default("CONSECUTIVE_YEARS")
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            "award_types",
            integer_null(a("prerequisite_max_gap_years")),
        )
        .await?;
        add_column(
            m,
            "award_types",
            boolean(a("requires_initiative")).default(false).to_owned(),
        )
        .await?;

        // CSTĐ toàn quốc counts two consecutive conferrals of CSTĐ cấp tỉnh, not two
        // calendar years, and needs a recognised initiative; rows an administrator already
        // changed are left alone.
        m.get_connection()
            .execute_unprepared(
                "UPDATE award_types SET prerequisite_kind = 'CONSECUTIVE_CONFERRALS', \
                 prerequisite_max_gap_years = 3, requires_initiative = TRUE \
                 WHERE code = 'CSTD-TOAN-QUOC' AND prerequisite_years = 2 AND version = 1",
            )
            .await?;
        backfill_persons(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, col) in [
            ("award_types", "requires_initiative"),
            ("award_types", "prerequisite_max_gap_years"),
            ("award_types", "prerequisite_kind"),
            ("org_units", "succeeded_on"),
            ("org_units", "successor_id"),
            ("commendations", "initiative_reference"),
            ("commendations", "person_id"),
        ] {
            if m.get_database_backend() == DbBackend::Postgres || !col.ends_with("_id") {
                m.alter_table(
                    Table::alter()
                        .table(a(table))
                        .drop_column(a(col))
                        .to_owned(),
                )
                .await?;
            }
        }
        for t in ["person_units", "persons"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

/// One person per distinct old person key, earliest honour first.
async fn backfill_persons(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = m.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT recipient_key, person_name, person_position, unit_id, created_at \
             FROM commendations WHERE recipient_type = 'PERSON' \
             ORDER BY created_at, id",
        ))
        .await?;
    let mut persons: HashMap<String, Uuid> = HashMap::new();
    let now = Utc::now();
    for row in rows {
        let key: String = row.try_get("", "recipient_key")?;
        if persons.contains_key(&key) {
            continue;
        }
        let name: Option<String> = row.try_get("", "person_name")?;
        let name = name.unwrap_or_else(|| "?".to_owned());
        let position: Option<String> = row.try_get("", "person_position")?;
        let unit: Uuid = row.try_get("", "unit_id")?;
        let since: chrono::DateTime<Utc> = row.try_get("", "created_at")?;
        let id = Uuid::now_v7();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "INSERT INTO persons (id, name, search_key, national_id_hash, unit_id, position, \
                 version, created_by, created_at, updated_at) \
                 VALUES (?, ?, ?, NULL, ?, ?, 1, NULL, ?, ?)",
            ),
            vec![
                id.into(),
                name.clone().into(),
                fold(&name).into(),
                unit.into(),
                position.into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?;
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "INSERT INTO person_units (id, person_id, unit_id, from_date, to_date, created_at) \
                 VALUES (?, ?, ?, ?, NULL, ?)",
            ),
            vec![
                Uuid::now_v7().into(),
                id.into(),
                unit.into(),
                since.date_naive().into(),
                now.into(),
            ],
        ))
        .await?;
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE commendations SET person_id = ?, recipient_key = ? WHERE recipient_key = ?",
            ),
            vec![id.into(), format!("PERSON:{id}").into(), key.clone().into()],
        ))
        .await?;
        persons.insert(key, id);
    }
    Ok(())
}

/// `?` placeholders as the backend wants them.
fn sql(backend: DbBackend, q: &str) -> String {
    if backend != DbBackend::Postgres {
        return q.to_owned();
    }
    let mut out = String::with_capacity(q.len() + 8);
    let mut n = 0;
    for c in q.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}
