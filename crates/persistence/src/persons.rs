//! People honoured: their records, their unit history, and the moves between units.
//! Permissions follow the person's current unit, like any other unit-scoped data; a
//! foreign recipient (no unit) is the province's: root-level rights manage them.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::calendar;
use thidua_domain::id::{PersonId, UnitId};
use thidua_domain::msg;
use thidua_domain::person::{self as rules, NationalId};
use thidua_domain::text::{Title, fold_for_search};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{org_unit, person, person_unit};
use crate::error::{StoreError, is_unique_violation};
use crate::finder::finders;
use crate::org_units;
use crate::page::{CountQuery, Page, PageRequest, subtree_pattern};

finders! {
    pub fn by_ids(ids: &[PersonId]) in person::Id;
    /// Stints of many people, oldest first.
    pub fn history_by_person_ids(ids: &[PersonId]) in person_unit::PersonId, asc(FromDate), asc(Id);
}

/// A person whose id the client sent in `field`: UNKNOWN_REFERENCE there if there is none.
pub async fn sent(
    db: &impl ConnectionTrait,
    id: PersonId,
    field: &str,
) -> Result<person::Model, StoreError> {
    by_ids(db, &[id]).await?.into_iter().next().ok_or_else(|| {
        FieldError::new(
            field,
            UserErrorCode::UnknownReference,
            msg!("persons-no-person-has-id"),
        )
        .into()
    })
}

#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// People whose current unit lies in this subtree.
    pub subtree_path: Option<String>,
    /// Accent- and case-insensitive words of the name, in any order.
    pub search: Option<String>,
    /// Only foreign recipients (no unit), or only people of the units.
    pub foreign: Option<bool>,
}

/// The rows a filter selects, shared by the page and its count.
fn condition(f: &PersonFilter) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = &f.subtree_path {
        let units = sea_orm::sea_query::Query::select()
            .column(org_unit::Column::Id)
            .from(org_unit::Entity)
            .and_where(org_unit::Column::Path.like(subtree_pattern(p)))
            .to_owned();
        c = c.add(person::Column::UnitId.in_subquery(units));
    }
    if let Some(s) = &f.search {
        for word in fold_for_search(s).split_whitespace() {
            let escaped = word
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            c = c.add(
                person::Column::SearchKey.like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
    }
    match f.foreign {
        Some(true) => c = c.add(person::Column::UnitId.is_null()),
        Some(false) => c = c.add(person::Column::UnitId.is_not_null()),
        None => {}
    }
    c
}

/// People by folded name, then id; the cursor is (search key, id).
pub async fn list(
    db: &impl ConnectionTrait,
    f: &PersonFilter,
    page: &PageRequest,
) -> Result<Page<person::Model>, StoreError> {
    let filtered = condition(f);
    let mut c = filtered.clone();
    if let Some(after) = &page.after {
        c = c.add(
            Condition::any()
                .add(person::Column::SearchKey.gt(after.value.clone()))
                .add(
                    Condition::all()
                        .add(person::Column::SearchKey.eq(after.value.clone()))
                        .add(person::Column::Id.gt(after.id)),
                ),
        );
    }
    let rows = person::Entity::find()
        .filter(c)
        .order_by_asc(person::Column::SearchKey)
        .order_by_asc(person::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(person::Entity, filtered),
    ))
}

/// A person as a form sends them, parsed.
pub struct NewPerson {
    pub name: Title,
    pub position: Option<Title>,
    /// `None`: a foreign recipient, outside the units.
    pub unit_id: Option<UnitId>,
    pub national_id: Option<NationalId>,
    /// When they joined their unit; today if not given.
    pub since: Option<NaiveDate>,
}

/// May `actor` keep records of people in the unit at `unit` (`None`: a foreigner, the
/// province's to keep)? The same right as nominating them.
async fn authorize(
    db: &impl ConnectionTrait,
    actor: &Actor,
    unit: Option<&org_unit::Model>,
) -> Result<(), StoreError> {
    match unit {
        Some(u) => Ok(actor.authorize(Action::Nominate, &u.path)?),
        None => org_units::authorize_everywhere(db, actor, Action::Nominate).await,
    }
}

fn duplicate_id(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) {
        FieldError::new(
            "nationalId",
            UserErrorCode::Duplicate,
            msg!("persons-another-person-has-identity"),
        )
        .into()
    } else {
        err.into()
    }
}

async fn active_unit(
    db: &impl ConnectionTrait,
    id: UnitId,
    field: &str,
) -> Result<org_unit::Model, StoreError> {
    let u = org_units::sent(db, id, field).await?;
    if !u.is_active {
        return Err(FieldError::new(
            field,
            UserErrorCode::Inactive,
            msg!("persons-unit-deactivated"),
        )
        .into());
    }
    Ok(u)
}

/// Creates a person (and their first stint). `keeper` is the unit whose rights stand in
/// for a foreign person's when a nomination creates one inline; otherwise a foreigner
/// needs rights on the whole province.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewPerson,
    keeper: Option<&org_unit::Model>,
) -> Result<person::Model, StoreError> {
    let unit = match input.unit_id {
        Some(u) => Some(active_unit(db, u, "unitId").await?),
        None => None,
    };
    match (&unit, keeper) {
        (None, Some(k)) => actor.authorize(Action::Nominate, &k.path)?,
        (u, _) => authorize(db, actor, u.as_ref()).await?,
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let saved = person::ActiveModel {
        id: Set(id),
        search_key: Set(fold_for_search(input.name.as_str())),
        name: Set(input.name.into_inner()),
        national_id_hash: Set(input.national_id.as_ref().map(NationalId::hash)),
        unit_id: Set(unit.as_ref().map(|u| u.id)),
        position: Set(input.position.map(Title::into_inner)),
        version: Set(1),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(duplicate_id)?;
    if let Some(u) = &unit {
        start_stint(db, id, u.id, input.since.unwrap_or_else(calendar::today)).await?;
    }
    audit::record(
        db,
        actor,
        AuditEntity::Person,
        id,
        AuditAction::Create,
        json!({"unit": unit.as_ref().map(|u| &u.code), "nationalId": saved.national_id_hash.is_some()}),
    )
    .await?;
    Ok(saved)
}

async fn start_stint(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    unit_id: Uuid,
    on: NaiveDate,
) -> Result<(), StoreError> {
    person_unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        unit_id: Set(unit_id),
        from_date: Set(on),
        to_date: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Fields left `None` stay as they are; `national_id: Some(None)` removes the number.
pub struct PersonEdit {
    pub name: Option<Title>,
    pub position: Option<Option<Title>>,
    pub national_id: Option<Option<NationalId>>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: PersonId,
    version: i32,
    edit: PersonEdit,
) -> Result<person::Model, StoreError> {
    let p = by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("person"))?;
    let unit = match p.unit_id {
        Some(u) => Some(org_units::referenced(db, UnitId::from_uuid(u)).await?),
        None => None,
    };
    authorize(db, actor, unit.as_ref()).await?;
    let mut q = person::Entity::update_many()
        .col_expr(person::Column::Version, Expr::val(version + 1))
        .col_expr(person::Column::UpdatedAt, Expr::val(Utc::now()));
    if let Some(n) = &edit.name {
        q = q
            .col_expr(person::Column::Name, Expr::val(n.as_str()))
            .col_expr(
                person::Column::SearchKey,
                Expr::val(fold_for_search(n.as_str())),
            );
    }
    if let Some(pos) = &edit.position {
        q = q.col_expr(
            person::Column::Position,
            Expr::val(pos.as_ref().map(|t| t.as_str().to_owned())),
        );
    }
    if let Some(nid) = &edit.national_id {
        q = q.col_expr(
            person::Column::NationalIdHash,
            Expr::val(nid.as_ref().map(NationalId::hash)),
        );
    }
    let res = q
        .filter(person::Column::Id.eq(id))
        .filter(person::Column::Version.eq(version))
        .exec(db)
        .await
        .map_err(duplicate_id)?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(msg!(
            "persons-person-version-not-reload",
            current = p.version,
            sent = version
        )));
    }
    audit::record(
        db,
        actor,
        AuditEntity::Person,
        id.uuid(),
        AuditAction::Update,
        json!({"before": {"name": p.name, "position": p.position}}),
    )
    .await?;
    sent(db, id, "id").await
}

/// Moves a person to another unit from `on`: their current stint ends, a new one begins,
/// and their honours stay theirs (history is keyed by the person, not the unit).
pub async fn move_to(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: PersonId,
    unit_id: UnitId,
    on: NaiveDate,
) -> Result<person::Model, StoreError> {
    let p = by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("person"))?;
    let from = match p.unit_id {
        Some(u) => Some(org_units::referenced(db, UnitId::from_uuid(u)).await?),
        None => None,
    };
    let to = active_unit(db, unit_id, "unitId").await?;
    authorize(db, actor, from.as_ref()).await?;
    actor.authorize(Action::Nominate, &to.path)?;
    let current = person_unit::Entity::find()
        .filter(person_unit::Column::PersonId.eq(p.id))
        .filter(person_unit::Column::ToDate.is_null())
        .one(db)
        .await?;
    rules::check_move(p.unit_id, current.as_ref().map(|c| c.from_date), to.id, on)?;
    close_stints(db, &[p.id], on).await?;
    start_stint(db, p.id, to.id, on).await?;
    person::Entity::update_many()
        .col_expr(person::Column::UnitId, Expr::val(to.id))
        .col_expr(
            person::Column::Version,
            Expr::col(person::Column::Version).add(1),
        )
        .col_expr(person::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(person::Column::Id.eq(p.id))
        .exec(db)
        .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Person,
        p.id,
        AuditAction::Move,
        json!({"from": p.unit_id, "to": to.id, "on": on}),
    )
    .await?;
    sent(db, id, "id").await
}

async fn close_stints(
    db: &impl ConnectionTrait,
    people: &[Uuid],
    on: NaiveDate,
) -> Result<(), StoreError> {
    person_unit::Entity::update_many()
        .col_expr(person_unit::Column::ToDate, Expr::val(on))
        .filter(person_unit::Column::PersonId.is_in(people.iter().copied()))
        .filter(person_unit::Column::ToDate.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A succession carries people over: everyone whose current unit lies in the subtree at
/// `old_path` moves to `successor` from `on`, with a history row each. Three statements
/// and one insert whatever the number of people.
pub async fn carry_over(
    db: &impl ConnectionTrait,
    old_path: &str,
    successor: Uuid,
    on: NaiveDate,
) -> Result<u64, StoreError> {
    let units = sea_orm::sea_query::Query::select()
        .column(org_unit::Column::Id)
        .from(org_unit::Entity)
        .and_where(org_unit::Column::Path.like(subtree_pattern(old_path)))
        .to_owned();
    let people: Vec<Uuid> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::UnitId.in_subquery(units))
        .into_tuple()
        .all(db)
        .await?;
    if people.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    for chunk in people.chunks(500) {
        close_stints(db, chunk, on).await?;
        person_unit::Entity::insert_many(chunk.iter().map(|p| person_unit::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(*p),
            unit_id: Set(successor),
            from_date: Set(on),
            to_date: Set(None),
            created_at: Set(now),
        }))
        .exec(db)
        .await?;
        person::Entity::update_many()
            .col_expr(person::Column::UnitId, Expr::val(successor))
            .col_expr(
                person::Column::Version,
                Expr::col(person::Column::Version).add(1),
            )
            .col_expr(person::Column::UpdatedAt, Expr::val(now))
            .filter(person::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(u64::try_from(people.len()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod migration_tests {
    //! The migration that introduced people turns each old person key into one person.

    use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
    use thidua_migrations::{Migrator, MigratorTrait};
    use uuid::Uuid;

    fn q(backend: DbBackend, sql: &str) -> String {
        if backend != DbBackend::Postgres {
            return sql.to_owned();
        }
        let mut n = 0;
        sql.chars()
            .map(|c| {
                if c == '?' {
                    n += 1;
                    format!("${n}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    }

    async fn exec(db: &sea_orm::DatabaseConnection, sql: &str, values: Vec<Value>) {
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(b, q(b, sql), values))
            .await
            .unwrap();
    }

    async fn old_rows_become_people(db: sea_orm::DatabaseConnection) {
        Migrator::up(&db, Some(6)).await.unwrap();
        let now = chrono::Utc::now();
        let (unit, award) = (Uuid::now_v7(), Uuid::now_v7());
        exec(&db, "INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at) VALUES (?, 'R', 'Tỉnh', 'PROVINCE', NULL, ?, 0, TRUE, 1, ?, ?)",
            vec![unit.into(), format!("/{unit}/").into(), now.into(), now.into()]).await;
        exec(&db, "INSERT INTO award_types (id, code, name, category, level, recipient_kind, approval_threshold, conferring_authority, legal_basis, effective_from, effective_to, prerequisite_award_type_id, prerequisite_years, sort_order, version, created_at, updated_at) VALUES (?, 'LDTT', 'Lao động tiên tiến', 'EMULATION_TITLE', 'GRASSROOTS', 'INDIVIDUAL', 51, 'Thủ trưởng', 'Luật', ?, NULL, NULL, NULL, 1, 1, ?, ?)",
            vec![award.into(), now.date_naive().into(), now.into(), now.into()]).await;
        for (year, key, name) in [
            (2023, "PERSON:nguyễn văn a|x", "Nguyễn Văn A"),
            (2024, "PERSON:nguyễn văn a|x", "Nguyễn  Văn A"),
            (2024, "PERSON:trần thị b|x", "Trần Thị B"),
        ] {
            exec(&db, "INSERT INTO commendations (id, award_type_id, kind, status, recipient_type, unit_id, person_name, recipient_key, is_individual, is_direct_worker, nominating_unit_id, award_year, version, created_at, updated_at) VALUES (?, ?, 'CONG_TRANG', 'CONFERRED', 'PERSON', ?, ?, ?, TRUE, FALSE, ?, ?, 1, ?, ?)",
                vec![Uuid::now_v7().into(), award.into(), unit.into(), name.into(), key.into(), unit.into(), year.into(), now.into(), now.into()]).await;
        }
        Migrator::up(&db, None).await.unwrap();
        let b = db.get_database_backend();
        let people = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT id, name, search_key FROM persons ORDER BY search_key",
            ))
            .await
            .unwrap();
        let names: Vec<(String, String)> = people
            .iter()
            .map(|r| {
                (
                    r.try_get("", "name").unwrap(),
                    r.try_get("", "search_key").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("Nguyễn Văn A".to_owned(), "nguyen van a".to_owned()),
                ("Trần Thị B".to_owned(), "tran thi b".to_owned())
            ]
        );
        let first: Uuid = people[0].try_get("", "id").unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT person_id, recipient_key FROM commendations",
            ))
            .await
            .unwrap();
        let mut of_first = 0;
        for r in rows {
            let p: Option<Uuid> = r.try_get("", "person_id").unwrap();
            let key: String = r.try_get("", "recipient_key").unwrap();
            let p = p.expect("every person honour has its person");
            assert_eq!(key, format!("PERSON:{p}"));
            of_first += usize::from(p == first);
        }
        assert_eq!(of_first, 2, "one person per old key");
        let stints = db
            .query_all_raw(Statement::from_string(b, "SELECT id FROM person_units"))
            .await
            .unwrap();
        assert_eq!(stints.len(), 2);
    }

    #[tokio::test]
    async fn old_person_keys_become_one_person_each_on_both_backends() {
        let dir = std::env::temp_dir().join(format!("thidua-mig-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        old_rows_become_people(sea_orm::Database::connect(&url).await.unwrap()).await;
        let _ = std::fs::remove_dir_all(&dir);
        let Some(admin_url) = std::env::var("THIDUA_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
        else {
            return;
        };
        let name = format!("thidua_test_{}", Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let (server, _) = base.rsplit_once('/').unwrap();
        let url = match query {
            "" => format!("{server}/{name}"),
            q => format!("{server}/{name}?{q}"),
        };
        let db = sea_orm::Database::connect(&url).await.unwrap();
        old_rows_become_people(db.clone()).await;
        db.close().await.unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await
            .unwrap();
    }
}
