//! The GraphQL API: types, queries, mutations, DataLoaders and limits. HTTP wiring lives
//! in `thidua-server`.

pub mod args;
pub mod auth;
pub mod context;
pub mod cursor;
pub mod error;
pub mod guard;
pub mod guards;
pub mod i18n;
pub mod ids;
pub mod introspection;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod password_gate;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod types;
pub mod uploads;

use std::sync::Arc;

use async_graphql::Schema;

pub use context::{ApiState, Caller, RequestCtx};
pub use guards::Charge;
pub use limits::Limits;

pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// The builder of the schema before its limits are added.
pub type AppSchemaBuilder =
    async_graphql::SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription>;

/// Builds the schema with its limits; `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<ApiState>, limits: &Limits) -> AppSchema {
    build_schema_with(state, limits, None, |b| b)
}

/// [`build_schema`] with the caller's `charge` for each validated document (the server's
/// rate budget: it only ever sees documents within the limits) and its own data.
pub fn build_schema_with(
    state: Option<ApiState>,
    limits: &Limits,
    charge: Option<Arc<dyn Charge>>,
    outer: impl FnOnce(AppSchemaBuilder) -> AppSchemaBuilder,
) -> AppSchema {
    finish(outer(builder(state, limits)), limits, false, charge)
}

/// The schema instance that runs documents made only of introspection (see
/// [`introspection`]): deep enough for graphql-js's standard introspection query, with
/// nested lists bounded instead.
pub fn build_introspection_schema(state: Option<ApiState>, limits: &Limits) -> AppSchema {
    build_introspection_schema_with(state, limits, None, |b| b)
}

/// [`build_introspection_schema`] with the caller's extensions, as [`build_schema_with`].
pub fn build_introspection_schema_with(
    state: Option<ApiState>,
    limits: &Limits,
    charge: Option<Arc<dyn Charge>>,
    outer: impl FnOnce(AppSchemaBuilder) -> AppSchemaBuilder,
) -> AppSchema {
    finish(outer(builder(state, limits)), limits, true, charge)
}

/// Adds the one extension, [`guards::Guards`]: the limits, the introspection bounds, the
/// password-change gate and the charge. The introspection-only instance allows the depth
/// the standard introspection query needs.
fn finish(
    b: AppSchemaBuilder,
    limits: &Limits,
    introspection_only: bool,
    charge: Option<Arc<dyn Charge>>,
) -> AppSchema {
    let depth = if introspection_only {
        limits.depth.max(introspection::DEPTH)
    } else {
        limits.depth
    };
    b.extension(guards::Guards::new(
        *limits,
        depth,
        introspection_only,
        charge,
    ))
    .finish()
}

/// Depth and complexity are checked by [`guards::Guards`], not by the builder's
/// `limit_depth`/`limit_complexity`, so that their refusals carry a code and come before
/// any extension that charges for a document; recursion and directives are checked there
/// first too, and stay here as a backstop.
fn builder(state: Option<ApiState>, limits: &Limits) -> AppSchemaBuilder {
    // Inputs use strict parsers under the built-in scalars' names (see `scalars`).
    let mut b = Schema::build_with_ignore_name_conflicts(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription,
        ["NaiveDate", "Decimal"],
    )
    .limit_recursive_depth(limits::RECURSIVE_DEPTH)
    .limit_directives(limits::DIRECTIVES_PER_FIELD);
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
