//! Campaigns: one by id or code, and the filtered, ordered listing.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_persistence::campaigns::{self, CampaignFilter as StoreCampaignFilter, CampaignOrder};

use super::unit_path;
use crate::context::{reader, state};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::campaign::{Campaign, CampaignConnection, campaign_connection};
use crate::types::enums::CampaignStatus;
use crate::types::load_one;

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
        reader(ctx)?;
        match (id, code) {
            (Some(id), _) => Ok(load_one(ctx, ids::decode::<of::Campaign>(&id)?)
                .await?
                .map(Campaign)),
            (None, Some(code)) => Ok(campaigns::by_code(
                &state(ctx).db.conn,
                &crate::args::text(&code, "code", 100)?,
            )
            .await
            .map_err(query_error)?
            .map(Campaign)),
            (None, None) => Err(crate::error::bad_input(&thidua_domain::msg!("id-or-code"))),
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
        let rows = campaigns::list(&state(ctx).db.conn, &sf, order, desc, &page)
            .await
            .map_err(query_error)?;
        Ok(campaign_connection(rows, order))
    }
}
