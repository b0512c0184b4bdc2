//! `criterionProgress`: each criterion's approved values aggregated over periods and units,
//! per child unit or period, against its target.

use async_graphql::{Context, ID, Object};
use thidua_domain::access::Action;
use thidua_domain::id::{UnitId, of};
use thidua_domain::progress::{Bucket, ProgressRange};
use thidua_persistence::progress::{self, Grouping, Scope};

use super::compliance::default_root;
use crate::args::field_error;
use crate::context::{reader, state};
use crate::error::{forbidden, not_found, query_error};
use crate::ids;
use crate::loaders::CriteriaOf;
use crate::scalars::Date;
use crate::types::progress::{CriteriaProgress, CriterionProgress, ProgressGroup};
use crate::types::{load_many, load_one};

/// How the figures are broken down below the chosen unit.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressGroupBy {
    /// One group per child unit, each over its whole subtree.
    #[default]
    ChildUnit,
    /// One group per month holding the reports' last day.
    PeriodMonth,
    PeriodQuarter,
    PeriodHalfYear,
    PeriodYear,
    /// The totals only.
    None,
}

#[derive(Default)]
pub struct ProgressQuery;

#[Object]
impl ProgressQuery {
    /// Progress of a campaign by criterion: the approved reports of the registered units
    /// under `unitId` whose period lies in [from, to] (default: the campaign's dates; at most
    /// 10 years), each unit's values combined by the criterion's `periodAggregation`, then
    /// the units' values by `unitAggregation` (SUM for counts, AVERAGE otherwise), in total
    /// and per group, with the criterion's target. `unitId` defaults to the campaign's
    /// launching unit (or the caller's widest readable unit); a unit outside the caller's
    /// grants is FORBIDDEN.
    async fn criterion_progress(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        #[graphql(desc = "First day: reports starting earlier do not count.")] from: Option<Date>,
        #[graphql(desc = "Last day: reports ending later do not count.")] to: Option<Date>,
        #[graphql(desc = "The subtree counted (default: the campaign's launching unit).")]
        unit_id: Option<ID>,
        #[graphql(desc = "Groups per child unit (the default), per period, or none.")]
        group_by: Option<ProgressGroupBy>,
    ) -> async_graphql::Result<CriteriaProgress> {
        let actor = reader(ctx)?;
        let cid = ids::decode::<of::Campaign>(&campaign_id)?;
        let uid = unit_id
            .as_ref()
            .map(ids::decode::<of::OrgUnit>)
            .transpose()?;
        let campaign = load_one(ctx, cid)
            .await?
            .ok_or_else(|| not_found("campaign"))?;
        let range = ProgressRange::parse(
            from.map_or(campaign.start_date, |d| d.0),
            to.map_or(campaign.end_date, |d| d.0),
        )
        .map_err(field_error)?;
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
        let grouping = match group_by.unwrap_or_default() {
            ProgressGroupBy::ChildUnit => Grouping::ChildUnit,
            ProgressGroupBy::PeriodMonth => Grouping::Period(Bucket::Month),
            ProgressGroupBy::PeriodQuarter => Grouping::Period(Bucket::Quarter),
            ProgressGroupBy::PeriodHalfYear => Grouping::Period(Bucket::HalfYear),
            ProgressGroupBy::PeriodYear => Grouping::Period(Bucket::Year),
            ProgressGroupBy::None => Grouping::None,
        };
        let scope = Scope {
            campaign_id: cid,
            root_id: root.id,
            root_path: root.path.clone(),
            root_code: root.code.clone(),
            from: range.from,
            to: range.to,
        };
        let criteria = load_many(ctx, CriteriaOf(cid)).await?;
        let mut figures = progress::figures(&state(ctx).db.conn, &scope, grouping)
            .await
            .map_err(query_error)?;
        // Groups by unit code or period name, then unit id.
        figures
            .sort_by(|a, b| (&a.code, &a.period, a.unit_id).cmp(&(&b.code, &b.period, b.unit_id)));
        let mut out: Vec<CriterionProgress> = Vec::with_capacity(criteria.len());
        for c in criteria {
            let id = c.id;
            let mut p = CriterionProgress::new(c);
            for f in figures.iter().filter(|f| f.criterion_id == id) {
                if f.unit_id.is_none() && f.period.is_none() {
                    p.value = f.value;
                    p.reports = f.reports;
                } else {
                    p.groups.push(ProgressGroup {
                        unit_id: f.unit_id.map(UnitId::from_uuid),
                        period: f.period.clone(),
                        value: f.value,
                        reports: f.reports,
                    });
                }
            }
            out.push(p);
        }
        Ok(CriteriaProgress {
            from: range.from,
            to: range.to,
            unit_id: UnitId::from_uuid(root.id),
            criteria: out,
        })
    }
}
