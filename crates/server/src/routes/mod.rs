//! HTTP routes.

pub mod graphql;
pub mod health;
