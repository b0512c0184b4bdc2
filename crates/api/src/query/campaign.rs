//! Campaigns: one by id or code, and the filtered, ordered listing.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_persistence::campaigns::{self, CampaignFilter as StoreCampaignFilter, CampaignOrder};

use super::confined_subtree;
use crate::context::{reader_of, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::campaign::{Campaign, CampaignConnection, campaign_connection};
use crate::types::enums::CampaignStatus;
use crate::types::load_one;
use thidua_domain::access::Resource;
use thidua_domain::id::UnitId;

#[derive(Default)]
pub struct CampaignQuery;

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
    /// Words to find, in any order, in the code, title or summary; accents and case are ignored ("Ha Long" finds "Hạ Long", "d" finds "đ"). At most 200 characters and 8 words.
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

#[Object]
impl CampaignQuery {
    /// A campaign by global ID or code.
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<Campaign>> {
        let a = reader_of(ctx, Resource::Campaigns)?;
        let found = match (id, code) {
            (Some(id), _) => load_one(ctx, ids::decode::<of::Campaign>(&id)?).await?,
            (None, Some(code)) => {
                campaigns::by_code(reads(ctx), &crate::args::text(&code, "code", 100)?)
                    .await
                    .map_err(query_error)?
            }
            (None, None) => {
                return Err(crate::error::bad_input(&thidua_domain::msg!("id-or-code")));
            }
        };
        let Some(c) = found else { return Ok(None) };
        // A machine client sees the campaigns launched inside its subtree only.
        if a.is_client() {
            let unit = load_one(ctx, UnitId::from_uuid(c.launching_unit_id)).await?;
            let path = unit.map(|u| u.path).unwrap_or_default();
            if a.authorize_read(Resource::Campaigns, &path).is_err() {
                return Ok(None);
            }
        }
        Ok(Some(Campaign(c)))
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
        let a = reader_of(ctx, Resource::Campaigns)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let subtree_path = confined_subtree(ctx, a, f.unit_subtree.as_ref(), "unitSubtree").await?;
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
                .map(ids::decode::<of::Field>)
                .transpose()?,
            subtree_path,
            active_on: f.active_on.map(Into::into),
            search: crate::args::search(f.search, "filter.search")?,
            programme_id: f
                .programme_id
                .as_ref()
                .map(ids::decode::<of::Programme>)
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
        let rows = campaigns::list(reads(ctx), &sf, order, desc, &page)
            .await
            .map_err(query_error)?;
        Ok(campaign_connection(rows, order))
    }
}
