//! `criterionProgress`: each criterion's approved values aggregated over periods and units,
//! per child unit or period, against its target.

use async_graphql::{Context, ID, Object};
use thidua_domain::access::Action;
use thidua_domain::comparison::{self, CampaignOrField};
use thidua_domain::error::UserErrorCode as C;
use thidua_domain::id::{CampaignId, UnitId, of};
use thidua_domain::progress::{Bucket, ProgressRange};
use thidua_domain::{FieldError, msg};
use thidua_persistence::progress::{self, Grouping, Scope};
use thidua_persistence::{campaigns, clusters};

use super::compliance::{cluster_filter, default_root};
use crate::args::field_error;
use crate::context::{reader, reads};
use crate::error::{forbidden, not_found, query_error};
use crate::ids;
use crate::loaders::CriteriaOf;
use crate::scalars::Date;
use crate::types::cluster::Cluster;
use crate::types::progress::{
    ClusterComparison, CriteriaProgress, CriterionProgress, ProgressGroup,
};
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
    /// Progress by criterion: the approved reports of the registered units under `unitId`
    /// whose period lies in [from, to] (at most 10 years), each unit's values combined by
    /// the criterion's `periodAggregation`, then the units' values by `unitAggregation` (SUM
    /// for counts, AVERAGE otherwise), in total and per group, with the criterion's target.
    ///
    /// Give exactly one of `campaignId` (its criteria; [from, to] defaults to its dates) and
    /// `fieldId` (the criteria of every LAUNCHED or CLOSED campaign of the field overlapping
    /// [from, to], both then required; at most 50 campaigns). `unitId` defaults to the
    /// campaign's launching unit (or the caller's widest readable unit); a unit outside the
    /// caller's grants is FORBIDDEN. `clusterId` narrows to the units of a cluster or bloc
    /// inside that subtree.
    // GraphQL arguments, one per filter: a resolver cannot bundle them.
    #[allow(clippy::too_many_arguments)]
    async fn criterion_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign whose criteria are shown (or give fieldId).")]
        campaign_id: Option<ID>,
        #[graphql(desc = "A field: the criteria of its campaigns overlapping [from, to].")]
        field_id: Option<ID>,
        #[graphql(desc = "First day: reports starting earlier do not count.")] from: Option<Date>,
        #[graphql(desc = "Last day: reports ending later do not count.")] to: Option<Date>,
        #[graphql(desc = "The subtree counted (default: the campaign's launching unit).")]
        unit_id: Option<ID>,
        #[graphql(desc = "Groups per child unit (the default), per period, or none.")]
        group_by: Option<ProgressGroupBy>,
        #[graphql(
            desc = "Only units in the subtree of a member of this cluster or bloc (within unitId)."
        )]
        cluster_id: Option<ID>,
    ) -> async_graphql::Result<CriteriaProgress> {
        let actor = reader(ctx)?;
        let asked =
            CampaignOrField::parse(campaign_id.as_ref(), field_id.as_ref()).map_err(field_error)?;
        let asked = match asked {
            CampaignOrField::Campaign(id) => {
                CampaignOrField::Campaign(ids::decode::<of::Campaign>(id)?)
            }
            CampaignOrField::Field(id) => CampaignOrField::Field(ids::decode::<of::Field>(id)?),
        };
        let uid = unit_id
            .as_ref()
            .map(ids::decode::<of::OrgUnit>)
            .transpose()?;
        let db = reads(ctx);
        // The campaigns counted, the range, and the unit the default root starts from.
        let (campaigns, range, launching) = match asked {
            CampaignOrField::Campaign(cid) => {
                let campaign = load_one(ctx, cid)
                    .await?
                    .ok_or_else(|| not_found("campaign"))?;
                let range = ProgressRange::parse(
                    from.map_or(campaign.start_date, |d| d.0),
                    to.map_or(campaign.end_date, |d| d.0),
                )
                .map_err(field_error)?;
                let launching = Some(UnitId::from_uuid(campaign.launching_unit_id));
                (vec![cid], range, launching)
            }
            CampaignOrField::Field(fid) => {
                load_one(ctx, fid)
                    .await?
                    .ok_or_else(|| not_found("field"))?;
                let required = |f: &str| {
                    field_error(FieldError::new(
                        f,
                        C::Required,
                        msg!("progress-field-range-required"),
                    ))
                };
                let from = from.ok_or_else(|| required("from"))?;
                let to = to.ok_or_else(|| required("to"))?;
                let range = ProgressRange::parse(from.0, to.0).map_err(field_error)?;
                let found = campaigns::of_field(
                    db,
                    fid,
                    range.from,
                    range.to,
                    comparison::MAX_FIELD_CAMPAIGNS + 1,
                )
                .await
                .map_err(query_error)?;
                comparison::check_campaign_count(found.len()).map_err(field_error)?;
                let ids = found.iter().map(|c| CampaignId::from_uuid(c.id)).collect();
                (ids, range, None)
            }
        };
        let cluster_id = cluster_filter(ctx, cluster_id.as_ref(), || not_found("cluster")).await?;
        let root = match uid {
            Some(u) => {
                let unit = load_one(ctx, u).await?.ok_or_else(|| not_found("unit"))?;
                actor
                    .authorize(Action::Read, &unit.path)
                    .map_err(|_| forbidden())?;
                unit
            }
            None => {
                let launching = match launching {
                    Some(id) => load_one(ctx, id).await?,
                    None => None,
                };
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
        let mut out = CriteriaProgress {
            from: range.from,
            to: range.to,
            unit_id: UnitId::from_uuid(root.id),
            criteria: vec![],
        };
        let Some(first) = campaigns.first().copied() else {
            // A field without a campaign in the range: nothing to show, nothing to count.
            return Ok(out);
        };
        let scope = Scope {
            campaign_id: first,
            root_id: root.id,
            root_path: root.path.clone(),
            root_code: root.code.clone(),
            from: range.from,
            to: range.to,
            cluster_id,
            campaigns: Some(campaigns.clone()),
        };
        // Criteria in campaign order (then each campaign's own order).
        let mut criteria = match asked {
            CampaignOrField::Campaign(cid) => load_many(ctx, CriteriaOf(cid)).await?,
            CampaignOrField::Field(_) => campaigns::criteria_by_campaign_ids(db, &campaigns)
                .await
                .map_err(query_error)?,
        };
        criteria.sort_by_key(|c| campaigns.iter().position(|k| k.uuid() == c.campaign_id));
        let mut figures = progress::figures(db, &scope, grouping)
            .await
            .map_err(query_error)?;
        // Groups by unit code or period name, then unit id.
        figures
            .sort_by(|a, b| (&a.code, &a.period, a.unit_id).cmp(&(&b.code, &b.period, b.unit_id)));
        // The clusters' figures cost two statements: only when asked for.
        let compared = if ctx
            .look_ahead()
            .field("criteria")
            .field("clusters")
            .exists()
        {
            let mine = clusters::of_unit(db, root.id).await.map_err(query_error)?;
            let figures = if mine.is_empty() {
                vec![]
            } else {
                progress::cluster_figures(db, &scope, root.id)
                    .await
                    .map_err(query_error)?
            };
            Some((mine, figures))
        } else {
            None
        };
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
            if let Some((mine, figures)) = &compared {
                p.clusters = mine
                    .iter()
                    .map(|k| {
                        let f = figures
                            .iter()
                            .find(|f| f.cluster_id == k.id && f.criterion_id == id);
                        let units = f.map_or(0, |f| f.units);
                        ClusterComparison {
                            cluster: Cluster(k.clone()),
                            value: comparison::disclose(f.and_then(|f| f.value), units),
                            average: comparison::disclose(f.and_then(|f| f.average), units),
                            units,
                        }
                    })
                    .collect();
            }
            out.criteria.push(p);
        }
        Ok(out)
    }
}
