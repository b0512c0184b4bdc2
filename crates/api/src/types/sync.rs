//! The change feed for offline apps: `changes(since:)`.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use thidua_persistence::changes::{self, ChangeEntity, Position};
use thidua_persistence::entities::change_entry;

use super::campaign::{Campaign, Criterion};
use super::load_one;
use super::milestone::Milestone;
use super::participation::Participation;
use super::report::ProgressReport;
use crate::error::bad_input;
use crate::ids;
use thidua_domain::id::{CampaignId, CriterionId, MilestoneId, ParticipationId, ReportId};

pub fn encode_token(p: Position) -> String {
    URL_SAFE_NO_PAD.encode(format!("s1:{}:{}", p.txid, p.seq))
}

pub fn decode_token(raw: &str) -> async_graphql::Result<Position> {
    let bad = || bad_input(&thidua_domain::msg!("sync-token-invalid"));
    if raw.len() > 200 {
        return Err(bad());
    }
    let text =
        String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = text.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("s1"), Some(t), Some(s), None) => Ok(Position {
            txid: t.parse().map_err(|_| bad())?,
            seq: s.parse().map_err(|_| bad())?,
        }),
        _ => Err(bad()),
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    /// Store or replace the object.
    Upsert,
    /// Cancelled, withdrawn or removed: drop it (the object, when it still exists, says why).
    Tombstone,
}

/// A page of changes and the token to continue from.
#[derive(SimpleObject)]
pub struct ChangeFeed {
    pub changes: Vec<Change>,
    /// Pass as `since` next time; store it only after applying `changes`.
    pub next_token: String,
    /// Another page is ready now: call again with `nextToken`.
    pub has_more: bool,
}

pub struct Change(pub change_entry::Model);

/// One changed object, in its current state.
#[Object]
impl Change {
    /// Campaign, Criterion, Milestone, Participation or ProgressReport.
    async fn entity(&self) -> &str {
        self.0.entity.as_str()
    }

    /// Global ID of the changed object.
    async fn id(&self) -> async_graphql::Result<ID> {
        ids::encode_stored(self.0.entity.as_str(), self.0.entity_id)
    }

    async fn op(&self) -> ChangeOp {
        match self.0.op {
            changes::ChangeOp::Upsert => ChangeOp::Upsert,
            changes::ChangeOp::Tombstone => ChangeOp::Tombstone,
        }
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        if self.0.entity != ChangeEntity::Campaign {
            return Ok(None);
        }
        Ok(load_one(ctx, CampaignId::from_uuid(self.0.entity_id))
            .await?
            .map(Campaign))
    }

    async fn criterion(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Criterion>> {
        if self.0.entity != ChangeEntity::Criterion {
            return Ok(None);
        }
        Ok(load_one(ctx, CriterionId::from_uuid(self.0.entity_id))
            .await?
            .map(Criterion))
    }

    async fn milestone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Milestone>> {
        if self.0.entity != ChangeEntity::Milestone {
            return Ok(None);
        }
        Ok(load_one(ctx, MilestoneId::from_uuid(self.0.entity_id))
            .await?
            .map(Milestone))
    }

    async fn participation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Participation>> {
        if self.0.entity != ChangeEntity::Participation {
            return Ok(None);
        }
        Ok(load_one(ctx, ParticipationId::from_uuid(self.0.entity_id))
            .await?
            .map(Participation))
    }

    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProgressReport>> {
        if self.0.entity != ChangeEntity::ProgressReport {
            return Ok(None);
        }
        Ok(load_one(ctx, ReportId::from_uuid(self.0.entity_id))
            .await?
            .map(ProgressReport))
    }
}
