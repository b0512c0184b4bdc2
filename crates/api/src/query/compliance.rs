//! `reportingCompliance`: who reported for a period, on time or late, and who did not.

use async_graphql::{Context, ID, Object};
use thidua_domain::access::{Action, Actor};
use thidua_domain::compliance::{self as rules, Counts};
use thidua_domain::error::UserErrorCode as C;
use thidua_domain::id::{UnitId, of};
use thidua_domain::milestone::MilestoneKind;
use thidua_domain::{FieldError, msg};
use thidua_persistence::compliance::{self, Counting, Scope};
use uuid::Uuid;

use crate::args::field_error;
use crate::context::{reader, reads};
use crate::error::{forbidden, not_found, query_error};
use crate::ids;
use crate::loaders::CampaignMilestones;
use crate::types::compliance::{ComplianceRow, ReportingCompliance};
use crate::types::report::ReportPeriod;
use crate::types::{load_many, load_one};

/// How the figures are broken down below the chosen unit.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComplianceGroupBy {
    /// One row per child unit, each rolled up over its whole subtree.
    #[default]
    ChildUnit,
    /// The totals only.
    None,
}

#[derive(Default)]
pub struct ComplianceQuery;

/// What the caller counts: a named period, or a deadline milestone's window.
#[derive(Clone, Copy)]
enum Asked {
    Period(thidua_domain::report::Period),
    Milestone(thidua_domain::id::MilestoneId),
}

/// The unit whose subtree is counted when none is named: the campaign's launching unit if
/// the caller may read it, else the widest unit the caller holds a reading grant on.
pub(super) fn default_root(actor: &Actor, launching_path: Option<&str>) -> Option<Uuid> {
    if let Some(path) = launching_path
        && actor.authorize(Action::Read, path).is_ok()
    {
        return last_segment(path);
    }
    actor
        .grants
        .iter()
        .filter(|g| g.role.permits(Action::Read))
        .min_by(|a, b| {
            a.unit_path
                .len()
                .cmp(&b.unit_path.len())
                .then_with(|| a.unit_path.cmp(&b.unit_path))
        })
        .and_then(|g| last_segment(&g.unit_path))
}

/// The cluster or bloc a dashboard query is narrowed to: decoded (malformed is
/// BAD_USER_INPUT) and known (else `unknown()`), or none.
pub(super) async fn cluster_filter(
    ctx: &Context<'_>,
    id: Option<&ID>,
    unknown: impl FnOnce() -> async_graphql::Error,
) -> async_graphql::Result<Option<Uuid>> {
    let Some(id) = id else { return Ok(None) };
    let cid = ids::decode::<of::Cluster>(id)?;
    match load_one(ctx, cid).await? {
        Some(c) => Ok(Some(c.id)),
        None => Err(unknown()),
    }
}

/// The id of the unit a materialised path ends with.
fn last_segment(path: &str) -> Option<Uuid> {
    path.split('/')
        .rfind(|s| !s.is_empty())
        .and_then(|s| Uuid::parse_str(s).ok())
}

#[Object]
impl ComplianceQuery {
    /// Reporting compliance (DHIS2's reporting rate) of a campaign for one period, or for
    /// the window of one reporting-deadline milestone, over the registered units under
    /// `unitId`, in total and per child unit. Give exactly one of `period` and
    /// `milestoneId`.
    ///
    /// - `period` is named as reports name it (`2025-03`, `2025-Q1`, `2025-H1`, `2025`) and
    ///   must lie inside the campaign; its reports are those of exactly that period, and its
    ///   deadline is the campaign's earliest REPORTING_DEADLINE milestone due on or after
    ///   the period's last day.
    /// - `milestoneId` names a REPORTING_DEADLINE milestone of the campaign: it collects the
    ///   reports whose period ends after the previous reporting deadline and on or before
    ///   its due date, which is the deadline.
    ///
    /// Each registered unit is expected to report once; a unit counts by its latest counting
    /// report. On time means submitted by the end of the due date, Vietnam time; without a
    /// deadline every submitted report is on time. `unitId` defaults to the campaign's
    /// launching unit (or the caller's widest readable unit); a unit outside the caller's
    /// grants is FORBIDDEN. `clusterId` narrows the count to the units of a cluster or bloc
    /// inside that subtree (the rest of the cluster is not counted, nor refused).
    // GraphQL arguments, one per filter: a resolver cannot bundle them.
    #[allow(clippy::too_many_arguments)]
    async fn reporting_compliance(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        #[graphql(desc = "A period as reports name it: 2025-03, 2025-Q1, 2025-H1 or 2025.")]
        period: Option<String>,
        #[graphql(desc = "A REPORTING_DEADLINE milestone of the campaign (instead of a period).")]
        milestone_id: Option<ID>,
        #[graphql(desc = "The subtree counted (default: the campaign's launching unit).")]
        unit_id: Option<ID>,
        #[graphql(desc = "Rows per child unit (the default) or none.")] group_by: Option<
            ComplianceGroupBy,
        >,
        #[graphql(
            desc = "Only units in the subtree of a member of this cluster or bloc (within unitId)."
        )]
        cluster_id: Option<ID>,
    ) -> async_graphql::Result<ReportingCompliance> {
        let actor = reader(ctx)?;
        let cid = ids::decode::<of::Campaign>(&campaign_id)?;
        let mid = milestone_id
            .as_ref()
            .map(ids::decode::<of::Milestone>)
            .transpose()?;
        let uid = unit_id
            .as_ref()
            .map(ids::decode::<of::OrgUnit>)
            .transpose()?;
        let asked = match (&period, mid) {
            (Some(_), Some(_)) => {
                return Err(field_error(FieldError::new(
                    "milestoneId",
                    C::NotApplicable,
                    msg!("compliance-period-or-milestone"),
                )));
            }
            (None, None) => {
                return Err(field_error(FieldError::new(
                    "period",
                    C::Required,
                    msg!("compliance-period-or-milestone"),
                )));
            }
            (Some(raw), None) => Asked::Period(rules::parse_period(raw).map_err(field_error)?),
            (None, Some(m)) => Asked::Milestone(m),
        };

        let campaign = load_one(ctx, cid)
            .await?
            .ok_or_else(|| not_found("campaign"))?;
        let cluster_id = cluster_filter(ctx, cluster_id.as_ref(), || not_found("cluster")).await?;
        let milestones = load_many(ctx, CampaignMilestones(cid)).await?;
        let dates: Vec<(MilestoneKind, chrono::NaiveDate)> =
            milestones.iter().map(|m| (m.kind, m.due_date)).collect();
        let (counting, deadline) = match asked {
            Asked::Period(p) => {
                p.check_within(campaign.start_date, campaign.end_date)
                    .map_err(field_error)?;
                (
                    Counting::Period {
                        start: p.start,
                        end: p.end,
                    },
                    rules::deadline_for(p.end, &dates),
                )
            }
            Asked::Milestone(mid) => {
                // A milestone of another campaign is as unknown here as a made-up one.
                let m = milestones
                    .iter()
                    .find(|m| m.id == mid.uuid())
                    .ok_or_else(|| not_found("milestone"))?;
                if m.kind != MilestoneKind::ReportingDeadline {
                    return Err(field_error(FieldError::new(
                        "milestoneId",
                        C::NotApplicable,
                        msg!("compliance-not-a-deadline"),
                    )));
                }
                let w = rules::window_for(m.due_date, &dates);
                (
                    Counting::Window {
                        after: w.after,
                        until: w.until,
                    },
                    Some(m.due_date),
                )
            }
        };

        let root = match uid {
            Some(u) => {
                let unit = load_one(ctx, u).await?.ok_or_else(|| not_found("unit"))?;
                actor
                    .authorize(Action::Read, &unit.path)
                    .map_err(|_| forbidden())?;
                unit
            }
            None => {
                let launching =
                    load_one(ctx, UnitId::from_uuid(campaign.launching_unit_id)).await?;
                let id = default_root(actor, launching.as_ref().map(|u| u.path.as_str()))
                    .ok_or_else(forbidden)?;
                match launching {
                    Some(u) if u.id == id => u,
                    _ => load_one(ctx, UnitId::from_uuid(id))
                        .await?
                        .ok_or_else(|| not_found("unit"))?,
                }
            }
        };

        let scope = Scope {
            campaign_id: cid,
            root_id: root.id,
            root_path: root.path.clone(),
            root_code: root.code.clone(),
            counting,
            cutoff: deadline.map(rules::on_time_cutoff),
            cluster_id,
        };
        let by_child = group_by.unwrap_or_default() == ComplianceGroupBy::ChildUnit;
        let counted = compliance::counts(reads(ctx), &scope, by_child)
            .await
            .map_err(query_error)?;
        let mut totals = Counts::default();
        let mut rows = Vec::new();
        for r in counted {
            if r.total {
                totals = r.counts;
            } else {
                rows.push(r);
            }
        }
        let rows: Vec<ComplianceRow> = rows
            .into_iter()
            .map(|r| ComplianceRow {
                unit_id: UnitId::from_uuid(r.unit_id),
                figures: r.counts.into(),
            })
            .collect();
        Ok(ReportingCompliance {
            scope,
            period: match asked {
                Asked::Period(p) => Some(ReportPeriod {
                    kind: p.kind.into(),
                    start: p.start,
                    end: p.end,
                }),
                Asked::Milestone(_) => None,
            },
            deadline,
            totals: totals.into(),
            rows,
        })
    }
}
