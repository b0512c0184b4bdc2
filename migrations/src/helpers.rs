//! Small builders the migrations share: identifiers, named foreign keys and indexes.

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
