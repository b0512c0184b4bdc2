//! Root query.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::access::Action;
use thidua_persistence::audit::{self, AuditFilter};
use thidua_persistence::campaigns::{self, CampaignFilter as StoreCampaignFilter, CampaignOrder};
use thidua_persistence::org_units::{self, UnitFilter};
use thidua_persistence::{fields, programme, seed};

use crate::context::{actor, authorize, reader, state};
use crate::cursor;
use crate::error::{forbidden, query_error};
use crate::ids;
use crate::loaders::{UnitId, UserId};
use crate::types::audit::{AuditEntryConnection, audit_connection};
use crate::types::campaign::{Campaign, CampaignConnection, campaign_connection};
use crate::types::commendation::{
    AwardType, CommendationConnection, CouncilSessionConnection, commendation_connection,
    session_connection,
};
use crate::types::enums::{AwardCategory, AwardLevel, CommendationStatus};
use crate::types::enums::{CampaignStatus, ExemplarStage, OrgUnitKind};
use crate::types::exemplar::{ExemplarConnection, StageCount, exemplar_connection};
use crate::types::field::Field;
use crate::types::leaderboard::{Cell, LeaderboardEntry};
use crate::types::load_one;
use crate::types::node::{self, Node};
use crate::types::org_unit::{OrgUnit, OrgUnitConnection, unit_connection};
use crate::types::programme::{Programme, Target};
use crate::types::report::ProgressReport;
use crate::types::sync::{Change, ChangeFeed, decode_token, encode_token};
use crate::types::user::Me;

pub struct Query;

/// A report if the caller may read it: their own, or one of a unit under any of their grants.
pub async fn readable_report(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Option<ProgressReport>> {
    let a = reader(ctx)?;
    let Some(r) = load_one(ctx, crate::loaders::ReportId(id)).await? else {
        return Ok(None);
    };
    let unit = load_one(ctx, UnitId(r.unit_id)).await?;
    let readable = a.may_read_report(
        unit.map(|u| u.path).as_deref().unwrap_or("/"),
        r.submitted_by,
    );
    Ok(readable.then_some(ProgressReport(r)))
}

#[derive(InputObject, Default)]
pub struct CampaignFilter {
    /// Any of these statuses.
    pub status: Option<Vec<CampaignStatus>>,
    /// Campaigns tagged with this field.
    pub field_id: Option<ID>,
    /// Campaigns launched by this unit or any unit below it.
    pub unit_subtree: Option<ID>,
    /// Launched or closed campaigns whose dates include this day.
    pub active_on: Option<crate::scalars::Date>,
    /// Words to find in the code, title or summary; accents are ignored ("thi dua" finds "thi đua").
    pub search: Option<String>,
    pub programme_id: Option<ID>,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum CampaignOrderField {
    StartDate,
    EndDate,
    CreatedAt,
    Title,
    Code,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(InputObject)]
pub struct CampaignOrderBy {
    pub field: CampaignOrderField,
    #[graphql(default_with = "SortDirection::Asc")]
    pub direction: SortDirection,
}

#[derive(InputObject, Default)]
pub struct OrgUnitFilter {
    /// This unit and everything below it.
    pub subtree_of: Option<ID>,
    pub kind: Option<OrgUnitKind>,
    #[graphql(default = false)]
    pub include_inactive: bool,
}

#[derive(InputObject, Default)]
pub struct ReportFilter {
    pub campaign_id: Option<ID>,
    /// Reports of this unit or any unit below it.
    pub unit_subtree: Option<ID>,
    pub status: Option<crate::types::enums::ReportStatus>,
}

pub type ReportConnection = async_graphql::connection::Connection<String, ProgressReport>;

#[derive(InputObject, Default)]
pub struct ExemplarFilter {
    /// Models whose home unit is this unit or below it.
    pub unit_subtree: Option<ID>,
    pub field_id: Option<ID>,
    pub stage: Option<ExemplarStage>,
}

#[derive(InputObject, Default)]
pub struct CommendationFilter {
    pub status: Option<CommendationStatus>,
    /// Recipients whose unit is this unit or below it.
    pub unit_subtree: Option<ID>,
    pub award_type_id: Option<ID>,
    pub exemplar_id: Option<ID>,
    pub session_id: Option<ID>,
    /// Conferred by a decision dated in this year.
    pub decision_year: Option<i32>,
}

/// Individual commendations and direct workers in one year.
#[derive(async_graphql::SimpleObject)]
pub struct DirectWorkerYear {
    pub year: i32,
    /// Conferred commendations to individuals, by year of decision.
    pub individual_commendations: i64,
    /// Of those, to direct (front-line) workers.
    pub direct_workers: i64,
    /// directWorkers ÷ individualCommendations × 100; null without individual commendations.
    pub share: Option<rust_decimal::Decimal>,
}

async fn exemplar_filter(
    ctx: &Context<'_>,
    f: ExemplarFilter,
) -> async_graphql::Result<thidua_persistence::exemplars::ExemplarFilter> {
    let subtree_path = match &f.unit_subtree {
        Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
        None => None,
    };
    Ok(thidua_persistence::exemplars::ExemplarFilter {
        subtree_path,
        field_id: f
            .field_id
            .as_ref()
            .map(|id| ids::decode("Field", id))
            .transpose()?,
        stage: f.stage.map(Into::into),
    })
}

#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Entity kind, e.g. "Campaign".
    pub entity: Option<String>,
    /// Global ID of the changed entity.
    pub entity_id: Option<ID>,
    pub actor_id: Option<ID>,
    pub request_id: Option<String>,
}

async fn unit_path(ctx: &Context<'_>, id: &ID, field: &str) -> async_graphql::Result<String> {
    let uuid = ids::decode("OrgUnit", id)
        .map_err(|_| crate::error::bad_input(format!("`{field}` is not a valid OrgUnit id")))?;
    Ok(load_one(ctx, UnitId(uuid))
        .await?
        .map(|u| u.path)
        .unwrap_or_else(|| "/nonexistent/".into()))
}

#[Object]
impl Query {
    /// Any object by its global ID.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        node::resolve(ctx, &id).await
    }

    /// The signed-in caller.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let a = actor(ctx)?;
        let user_id = a.user_id.ok_or_else(forbidden)?;
        let user = load_one(ctx, UserId(user_id))
            .await?
            .ok_or_else(crate::error::unauthenticated)?;
        Ok(Me {
            user,
            grants: a.grants.clone(),
        })
    }

    /// All programmes (public).
    async fn programmes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Programme>> {
        Ok(programme::all(&state(ctx).db.conn)
            .await
            .map_err(query_error)?
            .into_iter()
            .map(Programme)
            .collect())
    }

    /// A programme by code; without a code, the province's 2021–2030 programme (public).
    async fn programme(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<Programme>> {
        let code = crate::args::optional_text(code, "code", 100)?
            .unwrap_or_else(|| seed::PROGRAMME_CODE.to_owned());
        Ok(programme::by_code(&state(ctx).db.conn, &code)
            .await
            .map_err(query_error)?
            .map(Programme))
    }

    /// Targets of the province's programme, optionally of one horizon (public). Each
    /// target's `description` states its exact definition. The computed ones:
    ///
    /// - T1-TIEU-CHI: percentage of the programme's launched or closed campaigns in the period
    ///   whose every criterion is concrete (target value, unit, positive weight).
    /// - T2-DIEN-HINH: percentage of the active units directly under the province that have,
    ///   in their subtree, at least one exemplary model at stage NURTURED or beyond and at
    ///   least one replication of one of their models in another unit.
    /// - T3-TRUNG-UONG: number of distinct exemplary models with at least one CONFERRED
    ///   commendation of a CENTRAL-level award type whose decision date falls in 2026–2030;
    ///   achieved at 7, stretch goal 10.
    async fn targets(
        &self,
        ctx: &Context<'_>,
        horizon: Option<String>,
    ) -> async_graphql::Result<Vec<Target>> {
        let horizon = crate::args::optional_text(horizon, "horizon", 100)?;
        let db = &state(ctx).db.conn;
        let Some(p) = programme::by_code(db, seed::PROGRAMME_CODE)
            .await
            .map_err(query_error)?
        else {
            return Ok(vec![]);
        };
        let rows = programme::targets_by_programme_ids(db, &[p.id])
            .await
            .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .filter(|t| horizon.as_deref().is_none_or(|h| t.horizon == h))
            .map(Target)
            .collect())
    }

    /// The field (lĩnh vực) catalogue (public).
    async fn fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Field>> {
        Ok(fields::all(&state(ctx).db.conn)
            .await
            .map_err(query_error)?
            .into_iter()
            .map(Field)
            .collect())
    }

    /// A unit by global ID or by code.
    async fn org_unit(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<OrgUnit>> {
        reader(ctx)?;
        match (id, code) {
            (Some(id), _) => Ok(load_one(ctx, UnitId(ids::decode("OrgUnit", &id)?))
                .await?
                .map(OrgUnit)),
            (None, Some(code)) => Ok(org_units::by_code(
                &state(ctx).db.conn,
                &crate::args::text(&code, "code", 100)?,
            )
            .await
            .map_err(query_error)?
            .map(OrgUnit)),
            (None, None) => Err(crate::error::bad_input("give `id` or `code`")),
        }
    }

    /// Units, parents before children.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn org_units(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrgUnitFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<OrgUnitConnection> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let subtree_path = match &f.subtree_of {
            Some(id) => Some(unit_path(ctx, id, "subtreeOf").await?),
            None => None,
        };
        let uf = UnitFilter {
            subtree_path,
            kind: f.kind.map(Into::into),
            include_inactive: f.include_inactive,
        };
        Ok(unit_connection(
            org_units::list(&state(ctx).db.conn, &uf, &page)
                .await
                .map_err(query_error)?,
        ))
    }

    /// A campaign by global ID or code.
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<Campaign>> {
        reader(ctx)?;
        match (id, code) {
            (Some(id), _) => Ok(load_one(
                ctx,
                crate::loaders::CampaignId(ids::decode("Campaign", &id)?),
            )
            .await?
            .map(Campaign)),
            (None, Some(code)) => Ok(campaigns::by_code(
                &state(ctx).db.conn,
                &crate::args::text(&code, "code", 100)?,
            )
            .await
            .map_err(query_error)?
            .map(Campaign)),
            (None, None) => Err(crate::error::bad_input("give `id` or `code`")),
        }
    }

    /// Campaigns, filtered and ordered, as a keyset-paginated connection.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        filter: Option<CampaignFilter>,
        #[graphql(desc = "Default: by start date, then id.")] order_by: Option<CampaignOrderBy>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CampaignConnection> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        if f.search.as_deref().is_some_and(|s| s.len() > 200) {
            return Err(crate::error::bad_input(
                "`search` is at most 200 characters",
            ));
        }
        let subtree_path = match &f.unit_subtree {
            Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
            None => None,
        };
        let sf = StoreCampaignFilter {
            statuses: f
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            field_id: f
                .field_id
                .as_ref()
                .map(|id| ids::decode("Field", id))
                .transpose()?,
            subtree_path,
            active_on: f.active_on.map(Into::into),
            search: crate::args::optional_text(f.search, "filter.search", 200)?,
            programme_id: f
                .programme_id
                .as_ref()
                .map(|id| ids::decode("Programme", id))
                .transpose()?,
        };
        let (order, desc) = match order_by {
            None => (CampaignOrder::StartDate, false),
            Some(o) => (
                match o.field {
                    CampaignOrderField::StartDate => CampaignOrder::StartDate,
                    CampaignOrderField::EndDate => CampaignOrder::EndDate,
                    CampaignOrderField::CreatedAt => CampaignOrder::CreatedAt,
                    CampaignOrderField::Title => CampaignOrder::Title,
                    CampaignOrderField::Code => CampaignOrder::Code,
                },
                o.direction == SortDirection::Desc,
            ),
        };
        let rows = campaigns::list(&state(ctx).db.conn, &sf, order, desc, &page)
            .await
            .map_err(query_error)?;
        Ok(campaign_connection(rows, order))
    }

    /// A progress report, if the caller may read it (their own, or of a unit under one of
    /// their grants).
    async fn report(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ProgressReport>> {
        readable_report(ctx, ids::decode("ProgressReport", &id)?).await
    }

    /// Progress reports the caller may read, newest first.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ReportConnection> {
        let a = reader(ctx)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let subtree_path = match &f.unit_subtree {
            Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
            None => None,
        };
        let rf = thidua_persistence::reports::ReportFilter {
            campaign_id: f
                .campaign_id
                .as_ref()
                .map(|id| ids::decode("Campaign", id))
                .transpose()?,
            subtree_path,
            status: f.status.map(Into::into),
            readable_paths: a.grants.iter().map(|g| g.unit_path.clone()).collect(),
            reader_id: a.user_id,
        };
        let rows = thidua_persistence::reports::list(&state(ctx).db.conn, &rf, &page)
            .await
            .map_err(query_error)?;
        let mut conn = ReportConnection::new(false, rows.has_next);
        conn.edges.extend(rows.items.into_iter().map(|m| {
            let c = cursor::encode(&thidua_persistence::page::KeyCursor {
                value: String::new(),
                id: m.id,
            });
            async_graphql::connection::Edge::new(c, ProgressReport(m))
        }));
        Ok(conn)
    }

    /// Everything the caller's app must know that changed since `since` (omit it on a
    /// fresh install): launched campaigns with their criteria and milestones, the
    /// participations of units under the caller's grants, and the caller's own reports,
    /// with tombstones for what was cancelled, withdrawn or removed. Page with
    /// `nextToken` while `hasMore`; a change written while you page is never skipped.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        since: Option<String>,
        #[graphql(desc = "Changes per page, at most 500 (default 200).")] first: Option<i32>,
    ) -> async_graphql::Result<ChangeFeed> {
        let a = reader(ctx)?;
        let since = since
            .as_deref()
            .map(decode_token)
            .transpose()?
            .unwrap_or_default();
        let limit = thidua_domain::bounds::PageSize::parse(first, 1, 200, 500)
            .map_err(crate::args::field_error)?
            .get();
        let audience = thidua_persistence::changes::Audience {
            unit_paths: a.grants.iter().map(|g| g.unit_path.clone()).collect(),
            user_id: a.user_id.unwrap_or_default(),
        };
        let (rows, next, more) =
            thidua_persistence::changes::read(&state(ctx).db.conn, since, limit, &audience)
                .await
                .map_err(query_error)?;
        // Within a page only the latest change of each object matters.
        let mut seen = std::collections::HashSet::new();
        let mut latest: Vec<_> = rows
            .into_iter()
            .rev()
            .filter(|r| seen.insert((r.entity.clone(), r.entity_id)))
            .collect();
        latest.reverse();
        Ok(ChangeFeed {
            changes: latest.into_iter().map(Change).collect(),
            next_token: encode_token(next),
            has_more: more,
        })
    }

    /// Ranks the units registered for a campaign by their latest approved report whose
    /// period lies in [periodStart, periodEnd]: each criterion is scored against its target
    /// (direction-aware, capped at 100 %), weighted, and summed to 0–100; ties share a rank.
    /// The database scores and ranks every unit; only the first `first` are returned.
    /// Complexity counts every entry, so a whole table explained cell by cell as objects
    /// is refused (QUERY_TOO_COMPLEX): page it, or use the compact `points` lists.
    #[graphql(complexity = "crate::cursor::leaderboard_cost(first, child_complexity)")]
    async fn leaderboard(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        #[graphql(desc = "First day of the period: reports starting earlier do not count.")]
        period_start: crate::scalars::Date,
        #[graphql(desc = "Last day of the period: reports ending later do not count.")]
        period_end: crate::scalars::Date,
        #[graphql(desc = "Only the units of this cluster or bloc (ranked among themselves).")]
        cluster_id: Option<ID>,
        #[graphql(
            desc = "How many units to return, best first: 1 to 1000 (default 100). Ranks are \
                    counted over every unit, so the last entry may share its rank with units \
                    left out."
        )]
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<LeaderboardEntry>> {
        use thidua_persistence::leaderboard::{self, Board};
        reader(ctx)?;
        let cid = ids::decode("Campaign", &campaign_id)?;
        if period_end < period_start {
            return Err(crate::error::bad_input("the period ends before it starts"));
        }
        let limit = thidua_domain::bounds::PageSize::parse(
            first,
            1,
            cursor::LEADERBOARD_DEFAULT,
            cursor::LEADERBOARD_MAX,
        )
        .map_err(crate::args::field_error)?
        .get();
        let board = Board {
            campaign_id: cid,
            start: period_start.0,
            end: period_end.0,
            cluster_id: cluster_id
                .as_ref()
                .map(|c| ids::decode("Cluster", c))
                .transpose()?,
        };
        let db = &state(ctx).db.conn;
        let standings = leaderboard::standings(db, &board, limit)
            .await
            .map_err(query_error)?;
        // The per-criterion scores cost a second statement: run it only when asked for.
        let mut cells = std::collections::HashMap::new();
        let mut criteria = Vec::new();
        let look = ctx.look_ahead();
        let wanted = ["breakdown", "points", "achievements", "actuals"]
            .iter()
            .any(|f| look.field(f).exists());
        if wanted {
            criteria = crate::types::load_many(ctx, crate::loaders::CriteriaOf(cid)).await?;
            let units: Vec<uuid::Uuid> = standings.iter().map(|s| s.unit_id).collect();
            cells = leaderboard::breakdown(db, &board, &units)
                .await
                .map_err(query_error)?
                .into_iter()
                .map(|c| ((c.unit_id, c.criterion_id), c))
                .collect();
        }
        let criteria = std::sync::Arc::new(criteria);
        Ok(standings
            .into_iter()
            .map(|s| LeaderboardEntry {
                rank: s.rank,
                score: s.score,
                unit_id: s.unit_id,
                // In the campaign's criterion order; the breakdown holds every criterion of
                // every unit asked for (0 where nothing was reported).
                cells: criteria
                    .iter()
                    .map(|c| match cells.remove(&(s.unit_id, c.id)) {
                        Some(cell) => Cell {
                            actual: cell.actual.map(crate::types::measured),
                            achievement: cell.achievement.normalize(),
                            points: cell.points.normalize(),
                        },
                        None => Cell {
                            actual: None,
                            achievement: rust_decimal::Decimal::ZERO,
                            points: rust_decimal::Decimal::ZERO,
                        },
                    })
                    .collect(),
                criteria: criteria.clone(),
            })
            .collect())
    }

    /// Emulation clusters and blocs.
    async fn clusters(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::types::cluster::Cluster>> {
        reader(ctx)?;
        let rows = thidua_persistence::clusters::all(&state(ctx).db.conn)
            .await
            .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .map(crate::types::cluster::Cluster)
            .collect())
    }

    /// Exemplary models, newest first.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn exemplars(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExemplarFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ExemplarConnection> {
        reader(ctx)?;
        let f = exemplar_filter(ctx, filter.unwrap_or_default()).await?;
        let page = cursor::page_request(first, after)?;
        let rows = thidua_persistence::exemplars::list(&state(ctx).db.conn, &f, &page)
            .await
            .map_err(query_error)?;
        Ok(exemplar_connection(rows))
    }

    /// How many models are at each stage, for the same filters (the stage filter is ignored).
    async fn exemplar_stage_counts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExemplarFilter>,
    ) -> async_graphql::Result<Vec<StageCount>> {
        reader(ctx)?;
        let f = exemplar_filter(ctx, filter.unwrap_or_default()).await?;
        let rows = thidua_persistence::exemplars::counts_by_stage(&state(ctx).db.conn, &f)
            .await
            .map_err(query_error)?;
        Ok(ExemplarStage::ALL_STAGES
            .iter()
            .map(|s| StageCount {
                stage: *s,
                count: rows
                    .iter()
                    .find(|r| ExemplarStage::from(r.stage) == *s)
                    .map_or(0, |r| r.count),
            })
            .collect())
    }

    /// The award catalogue in its reading order.
    async fn award_types(
        &self,
        ctx: &Context<'_>,
        category: Option<AwardCategory>,
        level: Option<AwardLevel>,
        #[graphql(desc = "Only awards in effect on this day.")] in_effect_on: Option<
            crate::scalars::Date,
        >,
    ) -> async_graphql::Result<Vec<AwardType>> {
        reader(ctx)?;
        let f = thidua_persistence::awards::AwardFilter {
            category: category.map(Into::into),
            level: level.map(Into::into),
            in_effect_on: in_effect_on.map(Into::into),
        };
        let rows = thidua_persistence::awards::list(&state(ctx).db.conn, &f)
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(AwardType).collect())
    }

    /// Council sessions, newest first.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn council_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CouncilSessionConnection> {
        reader(ctx)?;
        let page = cursor::page_request(first, after)?;
        let rows = thidua_persistence::council::list(&state(ctx).db.conn, &page)
            .await
            .map_err(query_error)?;
        Ok(session_connection(rows))
    }

    /// Commendations, newest first.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn commendations(
        &self,
        ctx: &Context<'_>,
        filter: Option<CommendationFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CommendationConnection> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let subtree_path = match &f.unit_subtree {
            Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
            None => None,
        };
        let decode =
            |ty: &str, id: &Option<ID>| id.as_ref().map(|i| ids::decode(ty, i)).transpose();
        let store = thidua_persistence::commendations::CommendationFilter {
            status: f.status.map(Into::into),
            subtree_path,
            award_type_id: decode("AwardType", &f.award_type_id)?,
            exemplar_id: decode("Exemplar", &f.exemplar_id)?,
            session_id: decode("CouncilSession", &f.session_id)?,
            decision_year: f
                .decision_year
                .map(|y| thidua_domain::bounds::Year::parse(y).map(|y| y.get()))
                .transpose()
                .map_err(|e| crate::args::field_error(e.under("filter.decisionYear")))?,
        };
        let page = cursor::page_request(first, after)?;
        let rows = thidua_persistence::commendations::list(&state(ctx).db.conn, &store, &page)
            .await
            .map_err(query_error)?;
        Ok(commendation_connection(rows))
    }

    /// The seed's named weakness, per year of decision: the share of conferred commendations
    /// to individuals that went to direct (front-line) workers. Every year of the range is
    /// listed; a year without individual commendations has a null share.
    async fn direct_worker_share(
        &self,
        ctx: &Context<'_>,
        from_year: i32,
        to_year: i32,
    ) -> async_graphql::Result<Vec<DirectWorkerYear>> {
        reader(ctx)?;
        let range = thidua_domain::bounds::YearRange::parse(from_year, to_year)
            .map_err(crate::args::field_error)?;
        let rows = thidua_persistence::commendations::direct_worker_share(
            &state(ctx).db.conn,
            range.from().get(),
            range.to().get(),
        )
        .await
        .map_err(query_error)?;
        Ok(range
            .years()
            .map(|year| {
                let (individual, direct) = rows
                    .iter()
                    .find(|r| r.year == year)
                    .map_or((0, 0), |r| (r.individual, r.direct_workers));
                DirectWorkerYear {
                    year,
                    individual_commendations: individual,
                    direct_workers: direct,
                    share: thidua_domain::target::percent(direct, individual)
                        .map(|p| p.normalize()),
                }
            })
            .collect())
    }

    /// The audit trail, newest first (administrators of the whole province only).
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        actor(ctx)?;
        let db = &state(ctx).db.conn;
        let roots = org_units::roots(db).await.map_err(query_error)?;
        for r in &roots {
            authorize(ctx, Action::ReadAudit, &r.path)?;
        }
        let f = filter.unwrap_or_default();
        let entity_id = match &f.entity_id {
            Some(id) => Some(
                ids::decode_any(id.as_str())
                    .ok_or_else(|| crate::error::bad_input("`entityId` is not a valid id"))?
                    .1,
            ),
            None => None,
        };
        let af = AuditFilter {
            entity: crate::args::optional_text(f.entity, "filter.entity", 100)?,
            entity_id,
            actor_user_id: f
                .actor_id
                .as_ref()
                .map(|id| ids::decode("User", id))
                .transpose()?,
            request_id: crate::args::optional_text(f.request_id, "filter.requestId", 200)?,
        };
        let page = cursor::page_request(first, after)?;
        Ok(audit_connection(
            audit::list(db, &af, &page).await.map_err(query_error)?,
        ))
    }
}
