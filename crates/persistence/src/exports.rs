//! Registers for export: one flat row per record, with the names a spreadsheet needs
//! joined in, read as a stream so an export of 100,000 rows never holds them all.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{DatabaseConnection, FromQueryResult, StatementBuilder};
use thidua_domain::exemplar::{ExemplarKind, ExemplarStage};
use uuid::Uuid;

use crate::entities::{exemplar, field, org_unit, replication};
use crate::error::StoreError;
use crate::exemplars::{ExemplarFilter, condition};

/// One exemplary model as the register lists it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ExemplarRow {
    pub id: Uuid,
    pub name: String,
    pub kind: ExemplarKind,
    pub stage: ExemplarStage,
    pub is_direct_worker: bool,
    pub unit_code: String,
    pub unit_name: String,
    pub field_name: Option<String>,
    pub replications: i64,
    pub created_at: DateTime<Utc>,
}

pub type RowStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, StoreError>> + Send + 'a>>;

/// The exemplary-model register for `f`, oldest first, streamed from the database.
pub async fn exemplar_register<'a>(
    db: &'a DatabaseConnection,
    f: &ExemplarFilter,
) -> Result<RowStream<'a, ExemplarRow>, StoreError> {
    let replications = Query::select()
        .expr(Func::count(Expr::col((
            replication::Entity,
            replication::Column::Id,
        ))))
        .from(replication::Entity)
        .and_where(
            Expr::col((replication::Entity, replication::Column::ExemplarId))
                .equals((exemplar::Entity, exemplar::Column::Id)),
        )
        .to_owned();
    let stmt = Query::select()
        .columns([
            (exemplar::Entity, exemplar::Column::Id),
            (exemplar::Entity, exemplar::Column::Name),
            (exemplar::Entity, exemplar::Column::Kind),
            (exemplar::Entity, exemplar::Column::Stage),
            (exemplar::Entity, exemplar::Column::IsDirectWorker),
            (exemplar::Entity, exemplar::Column::CreatedAt),
        ])
        .expr_as(
            Expr::col((org_unit::Entity, org_unit::Column::Code)),
            Alias::new("unit_code"),
        )
        .expr_as(
            Expr::col((org_unit::Entity, org_unit::Column::Name)),
            Alias::new("unit_name"),
        )
        .expr_as(
            Expr::col((field::Entity, field::Column::Name)),
            Alias::new("field_name"),
        )
        .expr_as(
            Expr::SubQuery(None, Box::new(replications.into())),
            Alias::new("replications"),
        )
        .from(exemplar::Entity)
        .inner_join(
            org_unit::Entity,
            Expr::col((org_unit::Entity, org_unit::Column::Id))
                .equals((exemplar::Entity, exemplar::Column::HomeUnitId)),
        )
        .left_join(
            field::Entity,
            Expr::col((field::Entity, field::Column::Id))
                .equals((exemplar::Entity, exemplar::Column::FieldId)),
        )
        .cond_where(condition(f, true))
        .order_by((exemplar::Entity, exemplar::Column::Id), Order::Asc)
        .to_owned();
    let built = StatementBuilder::build(&stmt, &db.get_database_backend());
    let rows = ExemplarRow::find_by_statement(built).stream(db).await?;
    Ok(Box::pin(rows.map(|r| r.map_err(StoreError::from))))
}
