//! Which schema instance runs a request: documents made only of introspection go to the
//! one with introspection-sized bounds (see `thidua_api::introspection`), all others to
//! the one with the configured limits.

use async_graphql::Request;
use thidua_api::{AppSchema, introspection};

use crate::startup::AppState;

pub fn schema_for<'a>(app: &'a AppState, r: &mut Request) -> &'a AppSchema {
    if app.limits.introspection
        && r.parsed_query()
            .is_ok_and(introspection::is_introspection_only)
    {
        &app.introspection_schema
    } else {
        &app.schema
    }
}
