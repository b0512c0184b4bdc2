//! Registers for export: one flat row per record, with the names a spreadsheet needs
//! joined in, read as a stream so an export of 100,000 rows never holds them all.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{DatabaseConnection, FromQueryResult, StatementBuilder};
use thidua_domain::award::AwardLevel;
use thidua_domain::commendation::{CommendationKind, CommendationStatus, RecipientType};
use thidua_domain::exemplar::{ExemplarKind, ExemplarStage};
use uuid::Uuid;

use crate::commendations::CommendationFilter;
use crate::entities::{award_type, commendation, exemplar, field, org_unit, person, replication};
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

/// One commendation as the register lists it: the decision, the award, the recipient.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CommendationRow {
    pub id: Uuid,
    pub decision_number: Option<String>,
    pub decision_date: Option<chrono::NaiveDate>,
    pub issuing_authority: Option<String>,
    pub award_name: String,
    pub level: AwardLevel,
    pub kind: CommendationKind,
    pub status: CommendationStatus,
    pub recipient_type: RecipientType,
    /// The person's name (a person or a household's head).
    pub person_name: Option<String>,
    pub legacy_person_name: Option<String>,
    pub exemplar_name: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
    pub award_year: i32,
}

impl CommendationRow {
    /// Who was honoured, as the register names them.
    pub fn recipient(&self) -> &str {
        match self.recipient_type {
            RecipientType::Unit => &self.unit_name,
            RecipientType::Exemplar => self.exemplar_name.as_deref().unwrap_or_default(),
            RecipientType::Person | RecipientType::Household => self
                .person_name
                .as_deref()
                .or(self.legacy_person_name.as_deref())
                .unwrap_or_default(),
        }
    }
}

/// The commendation register for `f` (the filters of `commendations(filter:)`), oldest
/// first, streamed from the database.
pub async fn commendation_register<'a>(
    db: &'a DatabaseConnection,
    f: &CommendationFilter,
) -> Result<RowStream<'a, CommendationRow>, StoreError> {
    let c = |col: commendation::Column| (commendation::Entity, col);
    let stmt = Query::select()
        .columns([
            c(commendation::Column::Id),
            c(commendation::Column::DecisionNumber),
            c(commendation::Column::DecisionDate),
            c(commendation::Column::IssuingAuthority),
            c(commendation::Column::Kind),
            c(commendation::Column::Status),
            c(commendation::Column::RecipientType),
            c(commendation::Column::AwardYear),
        ])
        .expr_as(
            Expr::col((commendation::Entity, commendation::Column::PersonName)),
            Alias::new("legacy_person_name"),
        )
        .expr_as(
            Expr::col((award_type::Entity, award_type::Column::Name)),
            Alias::new("award_name"),
        )
        .expr_as(
            Expr::col((award_type::Entity, award_type::Column::Level)),
            Alias::new("level"),
        )
        .expr_as(
            Expr::col((person::Entity, person::Column::Name)),
            Alias::new("person_name"),
        )
        .expr_as(
            Expr::col((exemplar::Entity, exemplar::Column::Name)),
            Alias::new("exemplar_name"),
        )
        .expr_as(
            Expr::col((org_unit::Entity, org_unit::Column::Code)),
            Alias::new("unit_code"),
        )
        .expr_as(
            Expr::col((org_unit::Entity, org_unit::Column::Name)),
            Alias::new("unit_name"),
        )
        .from(commendation::Entity)
        .inner_join(
            award_type::Entity,
            Expr::col((award_type::Entity, award_type::Column::Id))
                .equals(c(commendation::Column::AwardTypeId)),
        )
        .inner_join(
            org_unit::Entity,
            Expr::col((org_unit::Entity, org_unit::Column::Id))
                .equals(c(commendation::Column::UnitId)),
        )
        .left_join(
            person::Entity,
            Expr::col((person::Entity, person::Column::Id))
                .equals(c(commendation::Column::PersonId)),
        )
        .left_join(
            exemplar::Entity,
            Expr::col((exemplar::Entity, exemplar::Column::Id))
                .equals(c(commendation::Column::ExemplarId)),
        )
        .cond_where(crate::commendations::condition(db, f).await?)
        .order_by(c(commendation::Column::Id), Order::Asc)
        .to_owned();
    let built = StatementBuilder::build(&stmt, &db.get_database_backend());
    let rows = CommendationRow::find_by_statement(built).stream(db).await?;
    Ok(Box::pin(rows.map(|r| r.map_err(StoreError::from))))
}

/// One value of one report as the report register lists it; a report with no values has
/// one row whose criterion fields are empty.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ReportValueRow {
    pub id: Uuid,
    pub campaign_code: String,
    pub unit_code: String,
    pub unit_name: String,
    pub period_start: chrono::NaiveDate,
    pub period_end: chrono::NaiveDate,
    pub status: thidua_domain::report::ReportStatus,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub criterion_id: Option<Uuid>,
    pub criterion_title: Option<String>,
    pub value: Option<rust_decimal::Decimal>,
}

/// The report register for `f` (the filters and read scope of `reports(filter:)`), newest
/// report first like the list, each report's values consecutive in criterion order, so a
/// writer can fold a report's rows into one line without holding more than that report.
pub async fn report_register<'a>(
    db: &'a DatabaseConnection,
    f: &crate::reports::ReportFilter,
) -> Result<RowStream<'a, ReportValueRow>, StoreError> {
    use crate::entities::{campaign, criterion, progress_report as pr, report_value as rv};
    let r = |col: pr::Column| (pr::Entity, col);
    let stmt = Query::select()
        .columns([
            r(pr::Column::Id),
            r(pr::Column::PeriodStart),
            r(pr::Column::PeriodEnd),
            r(pr::Column::Status),
            r(pr::Column::SubmittedAt),
            r(pr::Column::ReviewedAt),
        ])
        .expr_as(
            Expr::col((campaign::Entity, campaign::Column::Code)),
            Alias::new("campaign_code"),
        )
        .expr_as(
            Expr::col((org_unit::Entity, org_unit::Column::Code)),
            Alias::new("unit_code"),
        )
        .expr_as(
            Expr::col((org_unit::Entity, org_unit::Column::Name)),
            Alias::new("unit_name"),
        )
        .expr_as(
            Expr::col((criterion::Entity, criterion::Column::Id)),
            Alias::new("criterion_id"),
        )
        .expr_as(
            Expr::col((criterion::Entity, criterion::Column::Title)),
            Alias::new("criterion_title"),
        )
        .expr_as(
            Expr::col((rv::Entity, rv::Column::Value)),
            Alias::new("value"),
        )
        .from(pr::Entity)
        .inner_join(
            campaign::Entity,
            Expr::col((campaign::Entity, campaign::Column::Id)).equals(r(pr::Column::CampaignId)),
        )
        .inner_join(
            org_unit::Entity,
            Expr::col((org_unit::Entity, org_unit::Column::Id)).equals(r(pr::Column::UnitId)),
        )
        .left_join(
            rv::Entity,
            Expr::col((rv::Entity, rv::Column::ReportId)).equals(r(pr::Column::Id)),
        )
        .left_join(
            criterion::Entity,
            Expr::col((criterion::Entity, criterion::Column::Id))
                .equals((rv::Entity, rv::Column::CriterionId)),
        )
        .cond_where(crate::reports::list_condition(f))
        .order_by(r(pr::Column::Id), Order::Desc)
        .order_by(
            (criterion::Entity, criterion::Column::SortOrder),
            Order::Asc,
        )
        .order_by((criterion::Entity, criterion::Column::Id), Order::Asc)
        .to_owned();
    let built = StatementBuilder::build(&stmt, &db.get_database_backend());
    let rows = ReportValueRow::find_by_statement(built).stream(db).await?;
    Ok(Box::pin(rows.map(|r| r.map_err(StoreError::from))))
}
