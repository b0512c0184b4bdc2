//! GraphQL object types, one module per domain concept.

pub mod api_client;
pub mod attachment;
pub mod audit;
pub mod campaign;
pub mod cluster;
pub mod commendation;
pub mod compliance;
pub mod enums;
pub mod exemplar;
pub mod field;
pub mod leaderboard;
pub mod milestone;
pub mod node;
pub mod org_unit;
pub mod participation;
pub mod person;
pub mod programme;
pub mod progress;
pub mod report;
pub mod session;
pub mod stats;
pub mod sync;
pub mod user;
pub mod webhook;

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use crate::context::loader;
use crate::error::store_error;
use crate::loaders::Store;

/// Loads one value through the request's DataLoader, mapping storage failures to INTERNAL.
pub async fn load_one<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<Store as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Store: Loader<K, Error = crate::loaders::LoadError>,
{
    loader(ctx).load_one(key).await.map_err(|e| store_error(&e))
}

/// Loads a grouped relation (a list) through the DataLoader; missing means empty.
pub async fn load_many<K, T>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<T>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Store: Loader<K, Value = Vec<T>, Error = crate::loaders::LoadError>,
    T: Clone + Send + Sync + 'static,
{
    Ok(load_one(ctx, key).await?.unwrap_or_default())
}

/// Measured values are stored with 4 decimals (SQLite hands them back through a float):
/// round to that scale and drop trailing zeros.
pub fn measured(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp(4).normalize()
}
