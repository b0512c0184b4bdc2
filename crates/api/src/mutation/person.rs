//! People honoured: records, corrections and moves between units (managers of the
//! person's unit; foreign recipients, province-wide rights).

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::FieldError;
use thidua_domain::calendar;
use thidua_domain::id::of;
use thidua_domain::person::{NationalId, check_day};
use thidua_domain::text::Title;
use thidua_persistence::persons::{self, NewPerson, PersonEdit};

use super::{begin, finish, input_id, payload, version};
use crate::context::actor;
use crate::error::Failure;
use crate::types::person::Person;

#[derive(Default)]
pub struct PersonMutation;

/// A person to record. Without `unitId` the person is a foreign recipient, who can only
/// receive a DOI_NGOAI commendation.
#[derive(InputObject)]
pub struct PersonInput {
    pub name: String,
    pub position: Option<String>,
    pub unit_id: Option<ID>,
    /// CCCD or passport number, 6–20 letters and digits; stored only as a hash, never
    /// returned. A second person with the same number is refused (DUPLICATE).
    pub national_id: Option<String>,
    /// When they joined the unit; today if left out.
    pub since: Option<crate::scalars::Date>,
}

/// Fields left out stay as they are; an empty `position` or `nationalId` removes it.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    pub id: ID,
    /// The version read; a stale one is a CONFLICT.
    pub version: i32,
    pub name: Option<String>,
    pub position: Option<String>,
    pub national_id: Option<String>,
}

#[derive(InputObject)]
pub struct MovePersonInput {
    pub id: ID,
    pub unit_id: ID,
    /// The first day in the new unit; the current stint ends then.
    pub on: crate::scalars::Date,
}

payload!(PersonPayload, person: Person);

fn title(raw: &str, field: &str) -> Result<Title, FieldError> {
    Title::parse(raw).map_err(|e| e.under(field))
}

fn national_id(raw: &str, field: &str) -> Result<Option<NationalId>, FieldError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    NationalId::parse(raw).map(Some).map_err(|e| e.under(field))
}

/// Parses a person input; field names are prefixed with `at` (e.g. `recipient.person.`).
pub fn new_person(p: PersonInput, at: &str) -> Result<NewPerson, Failure> {
    let name = title(&p.name, &format!("{at}name"));
    let position = p
        .position
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| title(s, &format!("{at}position")))
        .transpose();
    let nid = p
        .national_id
        .as_deref()
        .map(|s| national_id(s, &format!("{at}nationalId")))
        .transpose()
        .map(Option::flatten);
    let since = p
        .since
        .map(|d| check_day(&format!("{at}since"), d.0, calendar::today()).map(|()| d.0))
        .transpose();
    let unit_id = p
        .unit_id
        .as_ref()
        .map(|u| input_id::<of::OrgUnit>(u, &format!("{at}unitId")))
        .transpose()?;
    match (name, position, nid, since) {
        (Ok(name), Ok(position), Ok(national_id), Ok(since)) => Ok(NewPerson {
            name,
            position,
            unit_id,
            national_id,
            since,
        }),
        (name, position, nid, since) => Err([name.err(), position.err(), nid.err(), since.err()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .into()),
    }
}

#[Object]
impl PersonMutation {
    /// Records a person (managers of their unit; a foreign recipient, province-wide).
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: PersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let a = actor(ctx)?;
        let res = async {
            let p = new_person(input, "")?;
            let txn = begin(ctx).await?;
            let r = persons::create(&txn, a, p, None).await;
            finish(txn, r).await.map(Person)
        }
        .await;
        PersonPayload::from_result(res)
    }

    /// Corrects a person's name, position or identity number.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: UpdatePersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Person>(&input.id, "id")?;
            let v = version(input.version).map_err(|e| e.under("version"))?;
            let edit = PersonEdit {
                name: input
                    .name
                    .as_deref()
                    .map(|n| title(n, "name"))
                    .transpose()?,
                position: input
                    .position
                    .as_deref()
                    .map(|s| {
                        if s.trim().is_empty() {
                            Ok(None)
                        } else {
                            title(s, "position").map(Some)
                        }
                    })
                    .transpose()?,
                national_id: input
                    .national_id
                    .as_deref()
                    .map(|s| national_id(s, "nationalId"))
                    .transpose()?,
            };
            let txn = begin(ctx).await?;
            let r = persons::update(&txn, a, id, v, edit).await;
            finish(txn, r).await.map(Person)
        }
        .await;
        PersonPayload::from_result(res)
    }

    /// Moves a person to another unit from a day: their history gains a stint and their
    /// honours stay theirs.
    async fn move_person(
        &self,
        ctx: &Context<'_>,
        input: MovePersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Person>(&input.id, "id")?;
            let unit = input_id::<of::OrgUnit>(&input.unit_id, "unitId")?;
            check_day("on", input.on.0, calendar::today())?;
            let txn = begin(ctx).await?;
            let r = persons::move_to(&txn, a, id, unit, input.on.0).await;
            finish(txn, r).await.map(Person)
        }
        .await;
        PersonPayload::from_result(res)
    }
}
