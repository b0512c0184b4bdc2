//! Exemplary models (điển hình tiên tiến).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use thidua_domain::id;
use thidua_persistence::entities::{exemplar, exemplar_stage_event, replication};
use thidua_persistence::page::Page;

use super::campaign::Campaign;
use super::enums::{ExemplarKind, ExemplarStage};
use super::field::Field;
use super::org_unit::OrgUnit;
use super::user::User;
use super::{load_many, load_one};
use crate::cursor;
use crate::ids;
use crate::loaders::{ReplicationsOf, StageEventsOf};
use thidua_domain::id::{CampaignId, ExemplarId, FieldId, UnitId, UserId};

#[derive(Clone)]
pub struct Exemplar(pub exemplar::Model);

pub type ExemplarConnection = crate::cursor::CountedConnection<Exemplar>;

pub fn exemplar_connection(page: Page<exemplar::Model>) -> ExemplarConnection {
    cursor::connection(page, |m| cursor::id_only(m.id), Exemplar)
}

/// How many models are at each stage.
#[derive(SimpleObject)]
pub struct StageCount {
    pub stage: ExemplarStage,
    pub count: i64,
}

/// An advanced exemplary model, collective or individual, built, nurtured, recognised and
/// replicated in other units.
#[Object]
impl Exemplar {
    pub async fn id(&self) -> ID {
        ids::encode(id::ExemplarId::from_uuid(self.0.id))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> ExemplarKind {
        self.0.kind.into()
    }

    async fn stage(&self) -> ExemplarStage {
        self.0.stage.into()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// For an individual: a direct (front-line) worker (người lao động trực tiếp).
    async fn is_direct_worker(&self) -> bool {
        self.0.is_direct_worker
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn home_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.home_unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn field(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Field>> {
        match self.0.field_id {
            Some(f) => Ok(load_one(ctx, FieldId::from_uuid(f)).await?.map(Field)),
            None => Ok(None),
        }
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        match self.0.campaign_id {
            Some(c) => Ok(load_one(ctx, CampaignId::from_uuid(c)).await?.map(Campaign)),
            None => Ok(None),
        }
    }

    /// Every stage step, oldest first, with its date, who recorded it and (going back) why.
    async fn stage_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StageEvent>> {
        Ok(
            load_many(ctx, StageEventsOf(ExemplarId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(StageEvent)
                .collect(),
        )
    }

    /// Commendations of the model, or linked to it, newest first.
    async fn commendations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::commendation::Commendation>> {
        Ok(load_many(
            ctx,
            crate::loaders::CommendationsOfExemplar(ExemplarId::from_uuid(self.0.id)),
        )
        .await?
        .into_iter()
        .map(super::commendation::Commendation)
        .collect())
    }

    /// Units that took the model up.
    async fn replications(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Replication>> {
        Ok(
            load_many(ctx, ReplicationsOf(ExemplarId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(Replication)
                .collect(),
        )
    }
}

pub struct StageEvent(pub exemplar_stage_event::Model);

#[Object]
impl StageEvent {
    async fn from_stage(&self) -> Option<ExemplarStage> {
        self.0.from_stage.map(ExemplarStage::from)
    }

    async fn to_stage(&self) -> ExemplarStage {
        self.0.to_stage.into()
    }

    async fn on_date(&self) -> NaiveDate {
        self.0.on_date
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    async fn by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.by_user {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }
}

#[derive(Clone)]
pub struct Replication(pub replication::Model);

/// The model taken up in another unit.
#[Object]
impl Replication {
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn on_date(&self) -> NaiveDate {
        self.0.on_date
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}
