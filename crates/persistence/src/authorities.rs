//! The authority table: for each unit kind, the highest award level its head decides and
//! the legal basis (Law 06/2022, art. 80). Data, because NĐ 152/2025/NĐ-CP may
//! re-allocate powers (⚠): councils read it when they are created, confer or propose, and
//! an administrator edits a row, audited.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::{AwardLevel, LegalBasis};
use thidua_domain::commendation::{AuthorityRow, authority_kind, unit_authority};
use thidua_domain::msg;
use thidua_domain::org_unit::OrgUnitKind;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{org_unit, unit_authority};
use crate::error::StoreError;

const PROVINCE: &str = "Luật Thi đua, khen thưởng 2022, Điều 79 (chưa đối chiếu): Chủ tịch \
    UBND tỉnh quyết định khen thưởng cấp tỉnh, đề nghị khen thưởng cấp nhà nước (Điều 83); \
    NĐ 152/2025/NĐ-CP phân cấp lại ⚠";
const HEADS: &str = "Luật Thi đua, khen thưởng 2022, Điều 80: thủ trưởng cơ quan, đơn vị có tư \
    cách pháp nhân, sở, ban, ngành, giám đốc doanh nghiệp, hợp tác xã quyết định Tập thể lao \
    động tiên tiến, Chiến sĩ thi đua cơ sở, Lao động tiên tiến, Giấy khen; NĐ 152/2025/NĐ-CP \
    phân cấp lại ⚠";
const COMMUNE: &str = "Luật Thi đua, khen thưởng 2022, Điều 80: Chủ tịch UBND cấp xã quyết định \
    Lao động tiên tiến, Giấy khen, Gia đình văn hóa; NĐ 152/2025/NĐ-CP phân cấp lại ⚠";
const NONE: &str = "Luật Thi đua, khen thưởng 2022, Điều 80 không giao thẩm quyền khen thưởng \
    cho thôn, tổ dân phố hay nhóm, cụm, khối ⚠";

/// The seeded table, the same as migration `m20261130_000007_authority_data` writes; the
/// seed adds the row of a kind that has none, and never overwrites an edited row.
pub fn seeded() -> Vec<(OrgUnitKind, Option<AwardLevel>, &'static str)> {
    use AwardLevel as L;
    use OrgUnitKind as K;
    K::ALL
        .iter()
        .map(|k| match k {
            K::Province => (*k, Some(L::Provincial), PROVINCE),
            K::Department | K::Agency | K::Enterprise | K::School => {
                (*k, Some(L::Grassroots), HEADS)
            }
            K::Ward | K::Commune | K::SpecialZone => (*k, Some(L::Grassroots), COMMUNE),
            K::Village | K::ResidentialGroup | K::Other => (*k, None, NONE),
        })
        .collect()
}

/// Every row, in the order of the unit kinds.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<unit_authority::Model>, StoreError> {
    let mut rows = unit_authority::Entity::find().all(db).await?;
    let place = |k: OrgUnitKind| OrgUnitKind::ALL.iter().position(|x| *x == k);
    rows.sort_by_key(|r| place(r.unit_kind));
    Ok(rows)
}

async fn row(
    db: &impl ConnectionTrait,
    kind: OrgUnitKind,
) -> Result<Option<unit_authority::Model>, StoreError> {
    Ok(unit_authority::Entity::find()
        .filter(unit_authority::Column::UnitKind.eq(kind))
        .one(db)
        .await?)
}

/// The authority level of `unit`'s head, as its row of the table says.
pub async fn of_unit(
    db: &impl ConnectionTrait,
    unit: &org_unit::Model,
) -> Result<Option<AwardLevel>, StoreError> {
    let is_root = unit.parent_id.is_none();
    let rows: Vec<AuthorityRow> = row(db, authority_kind(unit.kind, is_root))
        .await?
        .map(|r| AuthorityRow {
            kind: r.unit_kind,
            highest: r.highest_level,
        })
        .into_iter()
        .collect();
    Ok(unit_authority(unit.kind, is_root, &rows))
}

/// Sets the row of `kind` (administrators): the level its heads decide (none: they hold
/// no council) and the legal basis. Decisions already taken stay; councils created,
/// conferring or proposing from now on follow the row.
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: OrgUnitKind,
    highest: Option<AwardLevel>,
    basis: LegalBasis,
    version: i32,
) -> Result<unit_authority::Model, StoreError> {
    crate::org_units::authorize_everywhere(db, actor, Action::ManageAwards).await?;
    let before = row(db, kind)
        .await?
        .ok_or(StoreError::NotFound("unit authority"))?;
    let res = unit_authority::Entity::update_many()
        .col_expr(unit_authority::Column::HighestLevel, Expr::val(highest))
        .col_expr(
            unit_authority::Column::LegalBasis,
            Expr::val(basis.as_str()),
        )
        .col_expr(unit_authority::Column::Version, Expr::val(version + 1))
        .col_expr(unit_authority::Column::UpdatedBy, Expr::val(actor.user_id))
        .col_expr(unit_authority::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(unit_authority::Column::Id.eq(before.id))
        .filter(unit_authority::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(msg!(
            "authorities-row-version-not-reload",
            current = before.version,
            sent = version
        )));
    }
    audit::record(
        db,
        actor,
        AuditEntity::UnitAuthority,
        before.id,
        AuditAction::Update,
        json!({"unitKind": kind.as_str(),
               "before": {"highestLevel": before.highest_level.map(|l| l.as_str()),
                          "legalBasis": before.legal_basis},
               "after": {"highestLevel": highest.map(|l| l.as_str()),
                         "legalBasis": basis.as_str()}}),
    )
    .await?;
    row(db, kind)
        .await?
        .ok_or(StoreError::NotFound("unit authority"))
}

/// Adds the seeded row of every kind that has none; rows already there keep their data.
pub async fn seed(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    let have: Vec<OrgUnitKind> = all(db).await?.into_iter().map(|r| r.unit_kind).collect();
    for (kind, highest, basis) in seeded() {
        if have.contains(&kind) {
            continue;
        }
        unit_authority::ActiveModel {
            id: Set(Uuid::now_v7()),
            unit_kind: Set(kind),
            highest_level: Set(highest),
            legal_basis: Set(basis.to_owned()),
            version: Set(1),
            updated_by: Set(None),
            updated_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectOptions, Database, DatabaseConnection};
    use thidua_migrations::{Migrator, MigratorTrait};

    use super::*;

    async fn memory() -> DatabaseConnection {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1).min_connections(1);
        Database::connect(opts).await.unwrap()
    }

    fn as_read(rows: &[unit_authority::Model]) -> Vec<(OrgUnitKind, Option<AwardLevel>, String)> {
        rows.iter()
            .map(|r| (r.unit_kind, r.highest_level, r.legal_basis.clone()))
            .collect()
    }

    /// The migration and the seed write the same table, one row per unit kind.
    #[tokio::test]
    async fn the_migration_writes_the_seeded_table_and_the_seed_never_overwrites() {
        let db = memory().await;
        Migrator::up(&db, None).await.unwrap();
        let migrated = all(&db).await.unwrap();
        let seeded: Vec<_> = seeded()
            .into_iter()
            .map(|(k, l, b)| (k, l, b.to_owned()))
            .collect();
        assert_eq!(as_read(&migrated), seeded);
        assert_eq!(migrated.len(), OrgUnitKind::ALL.len());

        // An edited row stays; a missing one comes back.
        unit_authority::Entity::update_many()
            .col_expr(
                unit_authority::Column::HighestLevel,
                Expr::val(Some(AwardLevel::Provincial)),
            )
            .filter(unit_authority::Column::UnitKind.eq(OrgUnitKind::Ward))
            .exec(&db)
            .await
            .unwrap();
        unit_authority::Entity::delete_many()
            .filter(unit_authority::Column::UnitKind.eq(OrgUnitKind::School))
            .exec(&db)
            .await
            .unwrap();
        seed(&db).await.unwrap();
        seed(&db).await.unwrap();
        let after = as_read(&all(&db).await.unwrap());
        assert_eq!(after.len(), OrgUnitKind::ALL.len());
        for ((kind, level, basis), (k, l, b)) in after.iter().zip(&seeded) {
            assert_eq!((kind, basis), (k, b));
            if *kind == OrgUnitKind::Ward {
                assert_eq!(*level, Some(AwardLevel::Provincial), "kept as edited");
            } else {
                assert_eq!(level, l);
            }
        }
    }
}
