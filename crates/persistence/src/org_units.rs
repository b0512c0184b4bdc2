//! Org-unit tree: lookups by id, children, subtrees, and the commands that reshape it.

use chrono::Utc;
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::commendation::RecipientType;
use thidua_domain::id::UnitId;
use thidua_domain::msg;
use thidua_domain::org_unit::{
    OrgUnitKind, SuccessionFacts, check_move, check_new_root, check_succession, child_path,
};
use thidua_domain::text::{Code, SearchQuery, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::commendation;
use crate::entities::org_unit::{self, Column, Entity, Model};
use crate::error::{StoreError, is_unique_violation};
use crate::finder::finders;
use crate::page::{CountQuery, Page, PageRequest, subtree_pattern};
use crate::progress_rollups;

finders! {
    pub fn by_ids(ids: &[UnitId]) in org_unit::Id;
    /// Units succeeded by these units (their predecessors), by name.
    pub fn by_successor_ids(ids: &[UnitId]) in org_unit::SuccessorId, asc(Name), asc(Id);
}

/// The unit with this id, `None` if there is none: only the caller knows whether a missing
/// unit is the user's mistake (an id they sent) or ours (an id a stored row refers to).
pub async fn by_id(db: &impl ConnectionTrait, id: UnitId) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// The unit an operation is about or a stored row refers to: NOT_FOUND (a request-level
/// error, not a field error) if there is none.
pub async fn referenced(db: &impl ConnectionTrait, id: UnitId) -> Result<Model, StoreError> {
    by_id(db, id).await?.ok_or(StoreError::NotFound("org unit"))
}

/// A unit whose id the client sent in `field`: UNKNOWN_REFERENCE on that field if there is
/// none (the client's to fix), while a database failure stays a database failure.
pub async fn sent(db: &impl ConnectionTrait, id: UnitId, field: &str) -> Result<Model, StoreError> {
    by_id(db, id).await?.ok_or_else(|| {
        FieldError::new(
            field,
            UserErrorCode::UnknownReference,
            msg!(
                "unknown-reference",
                what = thidua_domain::MessageArg::word("thing", "unit")
            ),
        )
        .into()
    })
}

pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Code.eq(code.to_uppercase()))
        .one(db)
        .await?)
}

/// Active children of many parents at once (for the `children` DataLoader).
pub async fn children_of(
    db: &impl ConnectionTrait,
    parent_ids: &[UnitId],
) -> Result<Vec<Model>, StoreError> {
    if parent_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(Column::ParentId.is_in(parent_ids.iter().copied()))
        .filter(Column::IsActive.eq(true))
        .order_by_asc(Column::Name)
        .all(db)
        .await?)
}

/// `SELECT id FROM org_units WHERE path LIKE '<path>%'`: the units of a subtree, for
/// `IN (…)` filters on anything that belongs to a unit.
pub fn ids_in_subtree(path: &str) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::Path.like(subtree_pattern(path)))
        .to_owned()
}

/// Province-wide work (clusters, the award catalogue, council sessions, snapshots) needs
/// `action` on every root of the tree.
pub async fn authorize_everywhere(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
) -> Result<(), StoreError> {
    for r in roots(db).await? {
        actor.authorize(action, &r.path)?;
    }
    Ok(())
}

pub async fn roots(db: &impl ConnectionTrait) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::ParentId.is_null())
        .order_by_asc(Column::Name)
        .all(db)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Materialised path of the subtree root to list (inclusive).
    pub subtree_path: Option<String>,
    pub kind: Option<OrgUnitKind>,
    pub include_inactive: bool,
    /// Accent-insensitive words in the code or name.
    pub search: Option<SearchQuery>,
}

/// Units ordered by path (parents before children), keyset on the path.
/// The units a filter selects, shared by the page and its count.
fn condition(f: &UnitFilter) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = &f.subtree_path {
        c = c.add(Column::Path.like(subtree_pattern(p)));
    }
    if let Some(k) = f.kind {
        c = c.add(Column::Kind.eq(k));
    }
    if !f.include_inactive {
        c = c.add(Column::IsActive.eq(true));
    }
    if let Some(s) = &f.search {
        c = c.add(crate::search::matches(Column::SearchText, s));
    }
    c
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &UnitFilter,
    page: &PageRequest,
) -> Result<Page<Model>, StoreError> {
    let filtered = condition(f);
    let mut q = Entity::find().filter(filtered.clone());
    if let Some(after) = &page.after {
        q = q.filter(Column::Path.gt(after.value.clone()));
    }
    let rows = q
        .order_by_asc(Column::Path)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(Entity, filtered),
    ))
}

pub struct NewUnit {
    pub code: Code,
    pub name: Title,
    pub kind: OrgUnitKind,
    pub parent_id: Option<UnitId>,
}

/// Creates a unit; under a parent it needs `ManageOrgUnit` on the parent. A unit without a
/// parent is refused once the tree has its root (`SECOND_ROOT`).
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewUnit,
) -> Result<Model, StoreError> {
    let parent = match input.parent_id {
        Some(pid) => {
            let p = sent(db, pid, "parentId").await?;
            actor.authorize(Action::ManageOrgUnit, &p.path)?;
            if !p.is_active {
                return Err(FieldError::new(
                    "parentId",
                    UserErrorCode::Inactive,
                    msg!("parent-inactive"),
                )
                .into());
            }
            Some(p)
        }
        None => {
            let roots = roots(db).await?;
            for r in &roots {
                actor.authorize(Action::ManageOrgUnit, &r.path)?;
            }
            check_new_root(roots.len())?;
            None
        }
    };
    let id = Uuid::now_v7();
    let now = Utc::now();
    let model = org_unit::ActiveModel {
        // Folded by the entity's `before_save`.
        search_text: sea_orm::ActiveValue::NotSet,
        id: Set(id),
        code: Set(input.code.into_inner()),
        name: Set(input.name.into_inner()),
        kind: Set(input.kind),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        path: Set(child_path(parent.as_ref().map(|p| p.path.as_str()), id)),
        depth: Set(parent.as_ref().map_or(0, |p| p.depth + 1)),
        is_active: Set(true),
        successor_id: Set(None),
        succeeded_on: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let saved = model.insert(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Invalid(FieldError::new(
                "code",
                UserErrorCode::Duplicate,
                msg!("unit-code-taken"),
            ))
        } else {
            e.into()
        }
    })?;
    audit::record(
        db,
        actor,
        AuditEntity::OrgUnit,
        id,
        AuditAction::Create,
        json!({"code": saved.code, "name": saved.name, "kind": saved.kind.as_str()}),
    )
    .await?;
    Ok(saved)
}

pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: UnitId,
    name: Option<Title>,
    kind: Option<OrgUnitKind>,
) -> Result<Model, StoreError> {
    let unit = referenced(db, id).await?;
    actor.authorize(Action::ManageOrgUnit, &unit.path)?;
    let before = json!({"name": unit.name, "kind": unit.kind.as_str()});
    let mut am = unit.into_active_model();
    if let Some(n) = name {
        am.name = Set(n.into_inner());
    }
    if let Some(k) = kind {
        am.kind = Set(k);
    }
    am.updated_at = Set(Utc::now());
    let saved = am.update(db).await?;
    // Honours to the unit are found by its current name.
    commendation::Entity::update_many()
        .col_expr(
            commendation::Column::SearchText,
            Expr::val(crate::search::search_text([saved.name.as_str()])),
        )
        .filter(commendation::Column::UnitId.eq(saved.id))
        .filter(commendation::Column::RecipientType.eq(RecipientType::Unit))
        .exec(db)
        .await?;
    audit::record(
        db,
        actor,
        AuditEntity::OrgUnit,
        id.uuid(),
        AuditAction::Update,
        json!({"before": before, "after": {"name": saved.name, "kind": saved.kind.as_str()}}),
    )
    .await?;
    Ok(saved)
}

/// Moves a unit (and its whole subtree) under a new parent, rewriting descendants' paths
/// in one statement.
pub async fn move_to(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: UnitId,
    new_parent_id: UnitId,
) -> Result<Model, StoreError> {
    let unit = referenced(db, id).await?;
    let parent = sent(db, new_parent_id, "parentId").await?;
    actor.authorize(Action::ManageOrgUnit, &unit.path)?;
    actor.authorize(Action::ManageOrgUnit, &parent.path)?;
    check_move(&unit.path, &parent.path)?;
    if !parent.is_active {
        return Err(FieldError::new(
            "parentId",
            UserErrorCode::Inactive,
            msg!("new-parent-inactive"),
        )
        .into());
    }
    let old_path = unit.path.clone();
    let new_path = child_path(Some(&parent.path), unit.id);
    let depth_delta = parent.depth + 1 - unit.depth;
    let old_len = i32::try_from(old_path.chars().count()).unwrap_or(i32::MAX);
    // The subtree's progress and honours leave their old ancestors' totals and join the
    // new ones'.
    progress_rollups::subtree_moving(db, &old_path, -1).await?;
    crate::commendation_totals::subtree_moving(db, &old_path, -1).await?;
    Entity::update_many()
        .col_expr(
            Column::Path,
            Expr::val(new_path.clone()).binary(
                BinOper::Custom("||"),
                Func::cust("substr")
                    .arg(Expr::col(Column::Path))
                    .arg(old_len + 1),
            ),
        )
        .col_expr(Column::Depth, Expr::col(Column::Depth).add(depth_delta))
        .filter(Column::Path.like(subtree_pattern(&old_path)))
        .exec(db)
        .await?;
    Entity::update_many()
        .col_expr(Column::ParentId, Expr::val(parent.id))
        .col_expr(Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(Column::Id.eq(unit.id))
        .exec(db)
        .await?;
    progress_rollups::subtree_moving(db, &new_path, 1).await?;
    crate::commendation_totals::subtree_moving(db, &new_path, 1).await?;
    audit::record(
        db,
        actor,
        AuditEntity::OrgUnit,
        id.uuid(),
        AuditAction::Move,
        json!({"from": unit.parent_id, "to": parent.id}),
    )
    .await?;
    referenced(db, id).await
}

/// Units with history are never deleted: they are deactivated, with their subtree.
pub async fn deactivate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: UnitId,
) -> Result<Model, StoreError> {
    let unit = referenced(db, id).await?;
    actor.authorize(Action::ManageOrgUnit, &unit.path)?;
    if unit.parent_id.is_none() {
        return Err(FieldError::new(
            "id",
            UserErrorCode::InvalidTransition,
            msg!("root-cannot-deactivate"),
        )
        .into());
    }
    Entity::update_many()
        .col_expr(Column::IsActive, Expr::val(false))
        .col_expr(Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(Condition::all().add(Column::Path.like(subtree_pattern(&unit.path))))
        .exec(db)
        .await?;
    audit::record(
        db,
        actor,
        AuditEntity::OrgUnit,
        id.uuid(),
        AuditAction::Deactivate,
        json!({"code": unit.code}),
    )
    .await?;
    referenced(db, id).await
}

/// How many links of a succession chain a subtree query follows (A → B → C is two).
const MAX_SUCCESSION_DEPTH: usize = 5;

/// Paths of every unit succeeded, directly or through a chain, by a unit of the subtree at
/// `path`: the subtrees whose honours a reader of `path` expects to see as its own. One
/// statement per link of the chain, at most [`MAX_SUCCESSION_DEPTH`].
pub async fn predecessor_paths(
    db: &impl ConnectionTrait,
    path: &str,
) -> Result<Vec<String>, StoreError> {
    let mut found: Vec<String> = vec![];
    let mut frontier = vec![path.to_owned()];
    for _ in 0..MAX_SUCCESSION_DEPTH {
        let mut within = Condition::any();
        for p in &frontier {
            within = within.add(Column::Path.like(subtree_pattern(p)));
        }
        let successors = sea_orm::sea_query::Query::select()
            .column(Column::Id)
            .from(Entity)
            .cond_where(within)
            .to_owned();
        let mut next: Vec<String> = Entity::find()
            .select_only()
            .column(Column::Path)
            .filter(Column::SuccessorId.in_subquery(successors))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .filter(|p| !found.contains(p) && !p.starts_with(path))
            .collect();
        next.sort();
        next.dedup();
        if next.is_empty() {
            break;
        }
        found.extend(next.iter().cloned());
        frontier = next;
    }
    Ok(found)
}

fn succession_facts(u: &Model) -> SuccessionFacts<'_> {
    SuccessionFacts {
        id: u.id,
        path: &u.path,
        is_root: u.parent_id.is_none(),
        is_active: u.is_active,
        successor_id: u.successor_id,
    }
}

/// Records that `successor` continues `id` from `on` (a merger): `id` and its subtree are
/// deactivated, never deleted, and the people of that subtree move to `successor`.
pub async fn record_succession(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: UnitId,
    successor_id: UnitId,
    on: chrono::NaiveDate,
) -> Result<Model, StoreError> {
    let old = referenced(db, id).await?;
    let successor = sent(db, successor_id, "successorId").await?;
    actor.authorize(Action::ManageOrgUnit, &old.path)?;
    actor.authorize(Action::ManageOrgUnit, &successor.path)?;
    check_succession(succession_facts(&old), succession_facts(&successor))?;
    let now = Utc::now();
    Entity::update_many()
        .col_expr(Column::IsActive, Expr::val(false))
        .col_expr(Column::UpdatedAt, Expr::val(now))
        .filter(Column::Path.like(subtree_pattern(&old.path)))
        .exec(db)
        .await?;
    Entity::update_many()
        .col_expr(Column::SuccessorId, Expr::val(successor.id))
        .col_expr(Column::SucceededOn, Expr::val(on))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(old.id))
        .exec(db)
        .await?;
    let moved = crate::persons::carry_over(db, &old.path, successor.id, on).await?;
    audit::record(
        db,
        actor,
        AuditEntity::OrgUnit,
        old.id,
        AuditAction::Succeed,
        json!({"code": old.code, "successor": successor.code, "on": on, "peopleMoved": moved}),
    )
    .await?;
    referenced(db, id).await
}
