//! The GraphQL API: types, queries, mutations, DataLoaders and limits. HTTP wiring lives
//! in `thidua-server`.

pub mod auth;
pub mod context;
pub mod cursor;
pub mod error;
pub mod guard;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

pub use context::{ApiState, Caller, RequestCtx};
pub use limits::Limits;

pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema with its limits; `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<ApiState>, limits: &Limits) -> AppSchema {
    schema_builder(state, limits).finish()
}

/// The schema builder behind [`build_schema`], for the server to add its extensions.
pub fn schema_builder(
    state: Option<ApiState>,
    limits: &Limits,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    let mut b = Schema::build(
        query::Query,
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .limit_depth(limits.depth)
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

/// The SDL clients code against; `schema/schema.graphql` must equal it.
pub fn sdl() -> String {
    build_schema(None, &Limits::default()).sdl()
}
