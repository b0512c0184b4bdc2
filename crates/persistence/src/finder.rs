//! Batch finders behind the API's DataLoaders: every row whose key column holds one of a
//! batch of ids, in one statement and in the order the caller relies on.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder};

use crate::StoreError;

/// The rows of `column`'s entity whose `column` is one of `ids`, sorted by `order` (empty:
/// in whatever order the database returns). An empty batch never reaches the database.
pub async fn by_ids<C, K>(
    db: &impl ConnectionTrait,
    column: C,
    ids: &[K],
    order: &[(C, Order)],
) -> Result<Vec<<C::EntityName as EntityTrait>::Model>, StoreError>
where
    K: Into<sea_orm::Value> + Copy,
    C: ColumnTrait,
    C::EntityName: EntityTrait<Column = C>,
{
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut select =
        <C::EntityName as EntityTrait>::find().filter(column.is_in(ids.iter().copied()));
    for (c, o) in order {
        select = select.order_by(*c, o.clone());
    }
    Ok(select.all(db).await?)
}

/// Sorts ascending by `column`.
pub fn asc<C>(column: C) -> (C, Order) {
    (column, Order::Asc)
}

/// Sorts descending by `column`.
pub fn desc<C>(column: C) -> (C, Order) {
    (column, Order::Desc)
}

/// Declares a module's batch finders in one place, one line each, over [`by_ids`]:
///
/// ```text
/// finders! {
///     /// Criteria of many campaigns, in their order.
///     pub fn criteria_by_campaign_ids(ids: &[CampaignId]) in criterion::CampaignId, asc(SortOrder), asc(Id);
/// }
/// ```
///
/// declares `criteria_by_campaign_ids(db, ids)`: the rows of entity module `criterion` whose
/// `CampaignId` is one of `ids`, sorted by the columns after it. Written out, each finder
/// was the same five-line wrapper around [`by_ids`]; only its name, key and order differ.
macro_rules! finders {
    ($(
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($ids:ident: $ty:ty) in $entity:ident::$key:ident
            $(, $dir:ident($col:ident))*;
    )+) => {$(
        $(#[$attr])*
        $vis async fn $name(
            db: &impl ::sea_orm::ConnectionTrait,
            $ids: $ty,
        ) -> ::std::result::Result<::std::vec::Vec<$entity::Model>, $crate::error::StoreError> {
            $crate::finder::by_ids(
                db,
                $entity::Column::$key,
                $ids,
                &[$($crate::finder::$dir($entity::Column::$col)),*],
            )
            .await
        }
    )+};
}
pub(crate) use finders;
