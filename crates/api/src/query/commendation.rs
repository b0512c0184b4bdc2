//! The award catalogue, council sessions, commendations and the direct-worker share.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::Id;
use thidua_domain::id::of;

use super::unit_path;
use crate::context::{reader, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::commendation::{
    AwardType, CommendationConnection, CouncilSessionConnection, UnitAuthority,
    commendation_connection, session_connection,
};
use crate::types::enums::{AwardCategory, AwardLevel, CommendationStatus};

#[derive(Default)]
pub struct CommendationQuery;

#[derive(InputObject, Default)]
pub struct CommendationFilter {
    pub status: Option<CommendationStatus>,
    /// Recipients whose unit is this unit or below it, or below a unit it succeeded (a
    /// ward formed by the 2025 merger shows the honours of the communes merged into it).
    pub unit_subtree: Option<ID>,
    /// Honours of this person.
    pub person_id: Option<ID>,
    pub award_type_id: Option<ID>,
    pub exemplar_id: Option<ID>,
    pub session_id: Option<ID>,
    /// Conferred by a decision dated in this year.
    pub decision_year: Option<i32>,
    /// Words to find, in any order, in the recipient's name (the person's, the unit's or the
    /// exemplary model's); accents and case are ignored ("Ha Long" finds "Hạ Long", "d" finds "đ"). At most 200 characters and 8 words.
    pub search: Option<String>,
}

#[derive(InputObject, Default)]
pub struct CouncilSessionFilter {
    /// Sessions of this unit's own council.
    pub unit_id: Option<ID>,
    /// Sessions of the councils of this unit and every unit below it (or below a unit it
    /// succeeded).
    pub unit_subtree: Option<ID>,
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

#[Object]
impl CommendationQuery {
    /// The award catalogue in its reading order.
    async fn award_types(
        &self,
        ctx: &Context<'_>,
        category: Option<AwardCategory>,
        level: Option<AwardLevel>,
        #[graphql(desc = "Only awards in effect on this day.")] in_effect_on: Option<
            crate::scalars::Date,
        >,
        #[graphql(desc = "Only awards conferred (true) or not (false) by a central body.")]
        central_body: Option<bool>,
    ) -> async_graphql::Result<Vec<AwardType>> {
        reader(ctx)?;
        let f = thidua_persistence::awards::AwardFilter {
            category: category.map(Into::into),
            level: level.map(Into::into),
            in_effect_on: in_effect_on.map(Into::into),
            central_body,
        };
        let rows = thidua_persistence::awards::list(reads(ctx), &f)
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(AwardType).collect())
    }

    /// The authority table: for each unit kind, the highest award level its head decides,
    /// with the legal basis.
    async fn unit_authorities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<UnitAuthority>> {
        reader(ctx)?;
        let rows = thidua_persistence::authorities::all(reads(ctx))
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(UnitAuthority).collect())
    }

    /// Council sessions, newest first; `filter` narrows them to a unit's council or to the
    /// councils of a subtree.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn council_sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<CouncilSessionFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CouncilSessionConnection> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let store = thidua_persistence::council::SessionFilter {
            unit_id: f
                .unit_id
                .as_ref()
                .map(ids::decode::<of::OrgUnit>)
                .transpose()?,
            subtree_path: match &f.unit_subtree {
                Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
                None => None,
            },
        };
        let page = cursor::page_request(first, after)?;
        let rows = thidua_persistence::council::list(reads(ctx), &store, &page)
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
        let a = crate::context::reader_of(ctx, thidua_domain::access::Resource::Commendations)?;
        let f = filter.unwrap_or_default();
        let subtree_path =
            super::confined_subtree(ctx, a, f.unit_subtree.as_ref(), "unitSubtree").await?;
        fn decode<T: ids::Global>(id: &Option<ID>) -> async_graphql::Result<Option<Id<T>>> {
            id.as_ref().map(ids::decode::<T>).transpose()
        }
        let store = thidua_persistence::commendations::CommendationFilter {
            status: f.status.map(Into::into),
            subtree_path,
            award_type_id: decode::<of::AwardType>(&f.award_type_id)?,
            exemplar_id: decode::<of::Exemplar>(&f.exemplar_id)?,
            session_id: decode::<of::CouncilSession>(&f.session_id)?,
            person_id: decode::<of::Person>(&f.person_id)?,
            decision_year: f
                .decision_year
                .map(|y| thidua_domain::bounds::Year::parse(y).map(|y| y.get()))
                .transpose()
                .map_err(|e| crate::args::field_error(e.under("filter.decisionYear")))?,
            search: crate::args::search(f.search, "filter.search")?,
        };
        let page = cursor::page_request(first, after)?;
        let rows = thidua_persistence::commendations::list(reads(ctx), &store, &page)
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
            reads(ctx),
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
}
