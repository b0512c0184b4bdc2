//! Small builders the migrations share: identifiers, named foreign keys and indexes.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// `fk_<table>_<column>` referencing `<to_table>(id)`.
pub fn fk(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(a(from_table), a(from_col))
        .to(a(to_table), a("id"))
        .to_owned()
}

/// `ix_<table>_<columns>`, optionally unique.
pub fn index(table: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(a(table));
    for c in cols {
        stmt.col(a(c));
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

pub async fn add_column(
    m: &SchemaManager<'_>,
    table: &str,
    mut col: ColumnDef,
) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter()
            .table(a(table))
            .add_column(&mut col)
            .to_owned(),
    )
    .await
}

/// A foreign key on a column added to an existing table: PostgreSQL only, since SQLite
/// cannot add a constraint to an existing table.
pub async fn add_fk(m: &SchemaManager<'_>, from: &str, col: &str, to: &str) -> Result<(), DbErr> {
    if m.get_database_backend() == DbBackend::Postgres {
        m.create_foreign_key(fk(from, col, to)).await?;
    }
    Ok(())
}
