//! The GraphQL API: types, queries, mutations, DataLoaders and limits. HTTP wiring lives
//! in `thidua-server`.

pub mod args;
pub mod auth;
pub mod context;
pub mod cursor;
pub mod error;
pub mod guard;
pub mod ids;
pub mod introspection;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod types;
pub mod uploads;

use async_graphql::{EmptySubscription, Schema};

pub use context::{ApiState, Caller, RequestCtx};
pub use limits::Limits;

pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema with its limits; `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<ApiState>, limits: &Limits) -> AppSchema {
    schema_builder(state, limits).finish()
}

/// The schema instance that runs documents made only of introspection (see
/// [`introspection`]): deep enough for graphql-js's standard introspection query, with
/// nested lists bounded instead.
pub fn build_introspection_schema(state: Option<ApiState>, limits: &Limits) -> AppSchema {
    introspection_schema_builder(state, limits).finish()
}

/// The builder behind [`build_schema`], for the server to add its extensions.
pub fn schema_builder(
    state: Option<ApiState>,
    limits: &Limits,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    builder(state, limits)
        .limit_depth(limits.depth)
        .extension(introspection::IntrospectionBounds {
            introspection_only: false,
        })
}

/// The builder behind [`build_introspection_schema`], for the server to add its extensions.
pub fn introspection_schema_builder(
    state: Option<ApiState>,
    limits: &Limits,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    builder(state, limits)
        .limit_depth(limits.depth.max(introspection::DEPTH))
        .extension(introspection::IntrospectionBounds {
            introspection_only: true,
        })
}

fn builder(
    state: Option<ApiState>,
    limits: &Limits,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    // Inputs use strict parsers under the built-in scalars' names (see `scalars`).
    let mut b = Schema::build_with_ignore_name_conflicts(
        query::Query::default(),
        mutation::Mutation::default(),
        EmptySubscription,
        ["NaiveDate", "Decimal"],
    )
    .limit_complexity(limits.complexity)
    .limit_recursive_depth(64)
    .limit_directives(10);
    if !limits.introspection {
        b = b.disable_introspection();
    }
    if let Some(s) = state {
        b = b.data(s);
    }
    b
}

/// The SDL clients code against; `schema/schema.graphql` must equal it. It keeps each
/// scalar's `@specifiedBy` URL, as live introspection reports it.
pub fn sdl() -> String {
    build_schema(None, &Limits::default())
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
