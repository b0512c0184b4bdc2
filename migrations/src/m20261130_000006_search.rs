//! Accent-insensitive search everywhere a user looks for a name: a folded `search_text`
//! column on org units, exemplary models, commendations (the recipient's name: the
//! person's, the unit's or the model's) and users,
//! filled here for existing rows with the application's own folding, and on PostgreSQL a
//! GIN trigram index (`pg_trgm`) on every `search_text`, campaigns' included, so
//! `LIKE '%word%'` is an index scan rather than a read of the whole table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use thidua_domain::text::fold_for_search;

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables that get the column, with the columns folded into it (in order).
const NEW_COLUMNS: &[(&str, &[&str])] = &[
    ("org_units", &["code", "name"]),
    ("exemplars", &["name"]),
    ("commendations", &["person_name"]),
    ("users", &["username", "display_name"]),
];

/// Every table with a `search_text`, each gets a trigram index on PostgreSQL.
const INDEXED: &[&str] = &[
    "campaigns",
    "org_units",
    "exemplars",
    "commendations",
    "users",
];

fn index_name(table: &str) -> String {
    format!("ix_{table}_search_text_trgm")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, sources) in NEW_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(
                        ColumnDef::new(a("search_text"))
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
            fill(m, table, sources).await?;
        }
        fill_recipients(m, "UNIT", "unit_id", "org_units").await?;
        fill_recipients(m, "EXEMPLAR", "exemplar_id", "exemplars").await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            for table in INDEXED {
                db.execute_unprepared(&format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {table} USING gin (search_text gin_trgm_ops)",
                    index_name(table)
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            for table in INDEXED {
                m.get_connection()
                    .execute_unprepared(&format!("DROP INDEX IF EXISTS {}", index_name(table)))
                    .await?;
            }
        }
        for (table, _) in NEW_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .drop_column(a("search_text"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Folds existing rows in Rust (SQL cannot strip Vietnamese marks the same way on both
/// databases): one UPDATE per distinct combination of source values, keyed by those values,
/// so the statement needs no knowledge of how either database stores ids.
async fn fill(m: &SchemaManager<'_>, table: &str, sources: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    let mut select = Query::select();
    select.distinct().from(a(table));
    for col in sources {
        select.column(a(col));
    }
    let rows = db.query_all(&select).await?;
    for row in rows {
        let mut values: Vec<Option<String>> = Vec::with_capacity(sources.len());
        for col in sources {
            values.push(row.try_get::<Option<String>>("", col)?);
        }
        let joined: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
        let text = fold_for_search(&joined.join(" "));
        if text.is_empty() {
            continue;
        }
        let mut update = Query::update();
        update.table(a(table)).value(a("search_text"), text);
        for (col, value) in sources.iter().zip(values) {
            update.and_where(match value {
                Some(v) => Expr::col(a(col)).eq(v),
                None => Expr::col(a(col)).is_null(),
            });
        }
        db.execute(&update).await?;
    }
    Ok(())
}

/// A commendation to a unit or a model carries the recipient's folded name: one UPDATE per
/// distinct recipient name, matching the recipients by that name.
async fn fill_recipients(
    m: &SchemaManager<'_>,
    recipient_type: &str,
    fk_col: &str,
    source: &str,
) -> Result<(), DbErr> {
    let db = m.get_connection();
    let names = Query::select()
        .distinct()
        .column(a("name"))
        .from(a(source))
        .and_where(
            Expr::col(a("id")).in_subquery(
                Query::select()
                    .column(a(fk_col))
                    .from(a("commendations"))
                    .and_where(Expr::col(a("recipient_type")).eq(recipient_type))
                    .to_owned(),
            ),
        )
        .to_owned();
    for row in db.query_all(&names).await? {
        let name: String = row.try_get("", "name")?;
        let text = fold_for_search(&name);
        let update = Query::update()
            .table(a("commendations"))
            .value(a("search_text"), text)
            .and_where(Expr::col(a("recipient_type")).eq(recipient_type))
            .and_where(
                Expr::col(a(fk_col)).in_subquery(
                    Query::select()
                        .column(a("id"))
                        .from(a(source))
                        .and_where(Expr::col(a("name")).eq(name))
                        .to_owned(),
                ),
            )
            .to_owned();
        db.execute(&update).await?;
    }
    Ok(())
}
