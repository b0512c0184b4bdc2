//! People honoured, with their unit history.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use thidua_domain::id::{PersonId, UnitId};
use thidua_persistence::entities::{person, person_unit};
use thidua_persistence::page::{KeyCursor, Page};

use super::commendation::Commendation;
use super::org_unit::OrgUnit;
use super::{load_many, load_one};
use crate::cursor;
use crate::ids;
use crate::loaders::{HistoryOf, HonoursOf};

#[derive(Clone)]
pub struct Person(pub person::Model);

pub type PersonConnection = crate::cursor::CountedConnection<Person>;

/// A page of people, cursors keyed on the folded name and id.
pub fn person_connection(page: Page<person::Model>) -> PersonConnection {
    let key = |m: &person::Model| KeyCursor {
        value: m.search_key.clone(),
        id: m.id,
    };
    cursor::connection(page, key, Person)
}

/// Someone honoured (cá nhân). Honours and prerequisites are kept under this record, not
/// under a name, so namesakes stay apart and a move or a merger of units keeps the
/// history. The identity number is stored only as a hash and never returned.
#[Object]
impl Person {
    pub async fn id(&self) -> ID {
        ids::encode(PersonId::from_uuid(self.0.id))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn position(&self) -> Option<&str> {
        self.0.position.as_deref()
    }

    /// Whether an identity or passport number is on record (the number itself never is).
    async fn has_national_id(&self) -> bool {
        self.0.national_id_hash.is_some()
    }

    /// The current unit; null for a foreign recipient (khen thưởng đối ngoại).
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.0.unit_id {
            Some(u) => Ok(load_one(ctx, UnitId::from_uuid(u)).await?.map(OrgUnit)),
            None => Ok(None),
        }
    }

    /// True for a foreign recipient, who belongs to no unit of the tree.
    async fn is_foreign(&self) -> bool {
        self.0.unit_id.is_none()
    }

    /// The units the person belonged to, oldest first.
    async fn unit_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnitStint>> {
        Ok(load_many(ctx, HistoryOf(PersonId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(UnitStint)
            .collect())
    }

    /// Every honour recorded for this person, newest first.
    async fn commendations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Commendation>> {
        Ok(load_many(ctx, HonoursOf(PersonId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(Commendation)
            .collect())
    }

    /// For `updatePerson`: a stale one is a CONFLICT.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Clone)]
pub struct UnitStint(pub person_unit::Model);

/// One stint of a person in a unit, from `from` up to (not including) `to`.
#[Object]
impl UnitStint {
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn from(&self) -> NaiveDate {
        self.0.from_date
    }

    /// Null while current.
    async fn to(&self) -> Option<NaiveDate> {
        self.0.to_date
    }
}
