//! Emulation clusters (cụm, by place) and blocs (khối, by sector).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::id::{ClusterId, UnitId};
use thidua_domain::msg;
use thidua_domain::org_unit::ClusterKind;
use thidua_domain::text::{Code, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{cluster, cluster_member};
use crate::error::{StoreError, is_unique_violation};
use crate::{audit, org_units};

/// Clusters group units across the tree, so they are managed by administrators of every root.
async fn authorize(db: &impl ConnectionTrait, actor: &Actor) -> Result<(), StoreError> {
    org_units::authorize_everywhere(db, actor, Action::ManageOrgUnit).await
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    code: Code,
    name: Title,
    kind: ClusterKind,
) -> Result<cluster::Model, StoreError> {
    authorize(db, actor).await?;
    let id = Uuid::now_v7();
    let saved = cluster::ActiveModel {
        id: Set(id),
        code: Set(code.into_inner()),
        name: Set(name.into_inner()),
        kind: Set(kind),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Invalid(FieldError::new(
                "code",
                UserErrorCode::Duplicate,
                msg!("cluster-code-taken"),
            ))
        } else {
            e.into()
        }
    })?;
    audit::record(
        db,
        actor,
        AuditEntity::Cluster,
        id,
        AuditAction::Create,
        json!({"code": saved.code}),
    )
    .await?;
    Ok(saved)
}

/// Replaces the members of a cluster.
pub async fn set_members(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ClusterId,
    unit_ids: &[UnitId],
) -> Result<cluster::Model, StoreError> {
    authorize(db, actor).await?;
    let c = cluster::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("cluster"))?;
    let mut ids = unit_ids.to_vec();
    ids.sort();
    ids.dedup();
    if org_units::by_ids(db, &ids).await?.len() != ids.len() {
        return Err(FieldError::new(
            "unitIds",
            UserErrorCode::UnknownReference,
            msg!("units-unknown"),
        )
        .into());
    }
    cluster_member::Entity::delete_many()
        .filter(cluster_member::Column::ClusterId.eq(id))
        .exec(db)
        .await?;
    if !ids.is_empty() {
        cluster_member::Entity::insert_many(ids.iter().map(|u| cluster_member::ActiveModel {
            cluster_id: Set(id.uuid()),
            unit_id: Set(u.uuid()),
        }))
        .exec(db)
        .await?;
    }
    audit::record(
        db,
        actor,
        AuditEntity::Cluster,
        id.uuid(),
        AuditAction::SetMembers,
        json!({"members": ids.len()}),
    )
    .await?;
    Ok(c)
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<cluster::Model>, StoreError> {
    Ok(cluster::Entity::find()
        .order_by_asc(cluster::Column::Code)
        .all(db)
        .await?)
}

pub async fn members_of(
    db: &impl ConnectionTrait,
    cluster_ids: &[thidua_domain::id::ClusterId],
) -> Result<Vec<cluster_member::Model>, StoreError> {
    if cluster_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(cluster_member::Entity::find()
        .filter(cluster_member::Column::ClusterId.is_in(cluster_ids.iter().copied()))
        .all(db)
        .await?)
}

crate::finder::finders! {
    pub fn by_ids(ids: &[ClusterId]) in cluster::Id;
}

/// The clusters and blocs `unit` is itself a member of, by code. One statement.
pub async fn of_unit(
    db: &impl ConnectionTrait,
    unit: Uuid,
) -> Result<Vec<cluster::Model>, StoreError> {
    use sea_orm::sea_query::Query;
    Ok(cluster::Entity::find()
        .filter(
            cluster::Column::Id.in_subquery(
                Query::select()
                    .column(cluster_member::Column::ClusterId)
                    .from(cluster_member::Entity)
                    .and_where(cluster_member::Column::UnitId.eq(unit))
                    .to_owned(),
            ),
        )
        .order_by_asc(cluster::Column::Code)
        .all(db)
        .await?)
}

/// SQL condition: the unit whose materialised path is `{alias}.path` lies in the subtree of a
/// member of the cluster bound to its one `?` (a cluster of wards covers their villages).
/// Portable: `LIKE` on a concatenation, as every subtree test here.
pub(crate) fn within_cluster(alias: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM cluster_members cm JOIN org_units cmu ON cmu.id = cm.unit_id \
         WHERE cm.cluster_id = ? AND {alias}.path LIKE (cmu.path || '%'))"
    )
}

/// SQL condition: the unit at `{alias}.path` lies in the subtree of a member of some cluster
/// the unit bound to its one `?` is itself a member of (that unit's clusters, whole).
pub(crate) fn within_clusters_of(alias: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM cluster_members mine \
         JOIN cluster_members cm ON cm.cluster_id = mine.cluster_id \
         JOIN org_units cmu ON cmu.id = cm.unit_id \
         WHERE mine.unit_id = ? AND {alias}.path LIKE (cmu.path || '%'))"
    )
}
