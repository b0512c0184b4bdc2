//! The award catalogue: seeded from the 2022 law, edited by administrators as decrees change.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::{
    self as rules, AwardCategory, AwardLevel, Prerequisite, RecipientKind, Threshold,
};
use thidua_domain::id::AwardTypeId;
use thidua_domain::msg;
use thidua_domain::text::{Code, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::award_type;
use crate::error::{StoreError, is_unique_violation};
use crate::finder::finders;
use crate::{audit, org_units};

/// A catalogue row as an administrator enters it, already parsed.
pub struct AwardTypeInput {
    pub code: Code,
    pub name: Title,
    pub category: AwardCategory,
    pub level: AwardLevel,
    pub recipient_kind: RecipientKind,
    pub threshold: Threshold,
    pub conferring_authority: Title,
    pub legal_basis: Title,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    /// An earlier award the recipient must hold, and for how many consecutive years.
    pub prerequisite: Option<(AwardTypeId, Prerequisite)>,
}

async fn check(
    db: &impl ConnectionTrait,
    input: &AwardTypeInput,
    id: Option<Uuid>,
) -> Result<(), StoreError> {
    rules::check_effective(input.effective_from, input.effective_to)?;
    if let Some((pre, _)) = input.prerequisite {
        if Some(pre) == id.map(AwardTypeId::from_uuid) {
            return Err(FieldError::new(
                "prerequisiteAwardTypeId",
                UserErrorCode::InvalidParent,
                msg!("award-self-prerequisite"),
            )
            .into());
        }
        if by_ids(db, &[pre]).await?.is_empty() {
            return Err(FieldError::new(
                "prerequisiteAwardTypeId",
                UserErrorCode::UnknownReference,
                msg!(
                    "unknown-reference",
                    what = thidua_domain::MessageArg::word("thing", "award-type")
                ),
            )
            .into());
        }
    }
    Ok(())
}

fn duplicate_code(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) {
        FieldError::new("code", UserErrorCode::Duplicate, msg!("award-code-taken")).into()
    } else {
        err.into()
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: AwardTypeInput,
) -> Result<award_type::Model, StoreError> {
    org_units::authorize_everywhere(db, actor, Action::ManageAwards).await?;
    check(db, &input, None).await?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let saved = award_type::ActiveModel {
        id: Set(id),
        sort_order: Set(1000),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..edited_fields(&input)
    }
    .insert(db)
    .await
    .map_err(duplicate_code)?;
    audit::record(
        db,
        actor,
        AuditEntity::AwardType,
        id,
        AuditAction::Create,
        json!({"code": saved.code}),
    )
    .await?;
    Ok(saved)
}

/// The columns an administrator edits, shared by create and update.
fn edited_fields(input: &AwardTypeInput) -> award_type::ActiveModel {
    award_type::ActiveModel {
        code: Set(input.code.as_str().to_owned()),
        name: Set(input.name.as_str().to_owned()),
        category: Set(input.category),
        level: Set(input.level),
        recipient_kind: Set(input.recipient_kind),
        approval_threshold: Set(input.threshold.percent()),
        conferring_authority: Set(input.conferring_authority.as_str().to_owned()),
        legal_basis: Set(input.legal_basis.as_str().to_owned()),
        effective_from: Set(input.effective_from),
        effective_to: Set(input.effective_to),
        prerequisite_award_type_id: Set(input.prerequisite.map(|p| p.0).map(uuid::Uuid::from)),
        prerequisite_years: Set(input.prerequisite.map(|p| years(p.1))),
        ..Default::default()
    }
}

fn years(p: Prerequisite) -> i32 {
    i32::try_from(p.consecutive_years).unwrap_or(i32::MAX)
}

/// Replaces a row's fields if nobody changed it since `version` was read.
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: AwardTypeId,
    version: i32,
    input: AwardTypeInput,
) -> Result<award_type::Model, StoreError> {
    org_units::authorize_everywhere(db, actor, Action::ManageAwards).await?;
    let before = by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("award type"))?;
    check(db, &input, Some(id.uuid())).await?;
    let res = award_type::Entity::update_many()
        .set(edited_fields(&input))
        .col_expr(award_type::Column::Version, Expr::val(version + 1))
        .col_expr(award_type::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(award_type::Column::Id.eq(id))
        .filter(award_type::Column::Version.eq(version))
        .exec(db)
        .await
        .map_err(duplicate_code)?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(msg!(
            "award-stale-version",
            current = before.version,
            sent = version
        )));
    }
    audit::record(
        db,
        actor,
        AuditEntity::AwardType,
        id.uuid(),
        AuditAction::Update,
        json!({"code": input.code.as_str(), "before": {
            "threshold": before.approval_threshold, "level": before.level.as_str(),
            "recipientKind": before.recipient_kind.as_str(), "effectiveTo": before.effective_to}}),
    )
    .await?;
    by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("award type"))
}

finders! {
    pub fn by_ids(ids: &[AwardTypeId]) in award_type::Id;
}

#[derive(Debug, Clone, Default)]
pub struct AwardFilter {
    pub category: Option<AwardCategory>,
    pub level: Option<AwardLevel>,
    /// Only rows in effect on this day.
    pub in_effect_on: Option<NaiveDate>,
}

/// The whole catalogue (a few dozen rows) in its reading order.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &AwardFilter,
) -> Result<Vec<award_type::Model>, StoreError> {
    let mut q = award_type::Entity::find();
    if let Some(c) = f.category {
        q = q.filter(award_type::Column::Category.eq(c));
    }
    if let Some(l) = f.level {
        q = q.filter(award_type::Column::Level.eq(l));
    }
    if let Some(d) = f.in_effect_on {
        q = q.filter(award_type::Column::EffectiveFrom.lte(d)).filter(
            Condition::any()
                .add(award_type::Column::EffectiveTo.is_null())
                .add(award_type::Column::EffectiveTo.gte(d)),
        );
    }
    Ok(q.order_by_asc(award_type::Column::SortOrder)
        .order_by_asc(award_type::Column::Code)
        .all(db)
        .await?)
}

/// One seeded catalogue row.
struct Seed {
    code: &'static str,
    name: &'static str,
    category: AwardCategory,
    level: AwardLevel,
    recipients: RecipientKind,
    threshold: u32,
    authority: &'static str,
    /// Code of the award that must be held first, and for how many consecutive years.
    prerequisite: Option<(&'static str, i32)>,
}

const LAW: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP";
const CHU_TICH_TINH: &str = "Chủ tịch UBND tỉnh Quảng Ninh";
const THU_TUONG: &str = "Thủ tướng Chính phủ";
const CHU_TICH_NUOC: &str = "Chủ tịch nước";
const THU_TRUONG: &str = "Thủ trưởng cơ quan, đơn vị; Chủ tịch UBND cấp xã";

/// The catalogue as first loaded. Thresholds follow the legacy rule (90 % of all members
/// for the higher titles, a majority otherwise); they are data and meant to be edited once
/// the province's current regulation is checked.
fn catalogue() -> Vec<Seed> {
    use AwardCategory as C;
    use AwardLevel as L;
    use RecipientKind as R;
    let row = |code, name, category, level, recipients, threshold, authority| Seed {
        code,
        name,
        category,
        level,
        recipients,
        threshold,
        authority,
        prerequisite: None,
    };
    vec![
        row(
            "LAO-DONG-TIEN-TIEN",
            "Lao động tiên tiến",
            C::EmulationTitle,
            L::Grassroots,
            R::Individual,
            51,
            THU_TRUONG,
        ),
        row(
            "CSTD-CO-SO",
            "Chiến sĩ thi đua cơ sở",
            C::EmulationTitle,
            L::Grassroots,
            R::Individual,
            51,
            THU_TRUONG,
        ),
        Seed {
            prerequisite: Some(("CSTD-CO-SO", 3)),
            ..row(
                "CSTD-TINH",
                "Chiến sĩ thi đua cấp tỉnh",
                C::EmulationTitle,
                L::Provincial,
                R::Individual,
                90,
                CHU_TICH_TINH,
            )
        },
        Seed {
            prerequisite: Some(("CSTD-TINH", 2)),
            ..row(
                "CSTD-TOAN-QUOC",
                "Chiến sĩ thi đua toàn quốc",
                C::EmulationTitle,
                L::Central,
                R::Individual,
                90,
                THU_TUONG,
            )
        },
        row(
            "TT-LAO-DONG-TIEN-TIEN",
            "Tập thể lao động tiên tiến",
            C::EmulationTitle,
            L::Grassroots,
            R::Collective,
            51,
            THU_TRUONG,
        ),
        row(
            "TT-LAO-DONG-XUAT-SAC",
            "Tập thể lao động xuất sắc",
            C::EmulationTitle,
            L::Provincial,
            R::Collective,
            51,
            CHU_TICH_TINH,
        ),
        row(
            "CO-THI-DUA-TINH",
            "Cờ thi đua của UBND tỉnh",
            C::EmulationTitle,
            L::Provincial,
            R::Collective,
            90,
            CHU_TICH_TINH,
        ),
        row(
            "CO-THI-DUA-CP",
            "Cờ thi đua của Chính phủ",
            C::EmulationTitle,
            L::Central,
            R::Collective,
            90,
            THU_TUONG,
        ),
        row(
            "NHA-GIAO-NHAN-DAN",
            "Nhà giáo Nhân dân",
            C::StateHonoraryTitle,
            L::Central,
            R::Individual,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "NHA-GIAO-UU-TU",
            "Nhà giáo Ưu tú",
            C::StateHonoraryTitle,
            L::Central,
            R::Individual,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "THAY-THUOC-NHAN-DAN",
            "Thầy thuốc Nhân dân",
            C::StateHonoraryTitle,
            L::Central,
            R::Individual,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "THAY-THUOC-UU-TU",
            "Thầy thuốc Ưu tú",
            C::StateHonoraryTitle,
            L::Central,
            R::Individual,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "ANH-HUNG-LAO-DONG",
            "Anh hùng Lao động",
            C::StateHonoraryTitle,
            L::Central,
            R::Both,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "HUAN-CHUONG-LD-1",
            "Huân chương Lao động hạng Nhất",
            C::Order,
            L::Central,
            R::Both,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "HUAN-CHUONG-LD-2",
            "Huân chương Lao động hạng Nhì",
            C::Order,
            L::Central,
            R::Both,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "HUAN-CHUONG-LD-3",
            "Huân chương Lao động hạng Ba",
            C::Order,
            L::Central,
            R::Both,
            90,
            CHU_TICH_NUOC,
        ),
        row(
            "BANG-KHEN-TTG",
            "Bằng khen của Thủ tướng Chính phủ",
            C::CertificateOfMerit,
            L::Central,
            R::Both,
            90,
            THU_TUONG,
        ),
        row(
            "BANG-KHEN-UBND-TINH",
            "Bằng khen của Chủ tịch UBND tỉnh",
            C::CertificateOfMerit,
            L::Provincial,
            R::Both,
            51,
            CHU_TICH_TINH,
        ),
        row(
            "GIAY-KHEN",
            "Giấy khen",
            C::Certificate,
            L::Grassroots,
            R::Both,
            51,
            THU_TRUONG,
        ),
        row(
            "CONG-DAN-QN-UU-TU",
            "Công dân Quảng Ninh ưu tú",
            C::ProvincialTitle,
            L::Provincial,
            R::Individual,
            90,
            CHU_TICH_TINH,
        ),
    ]
}

/// Loads missing catalogue rows by code; rows already there (perhaps edited) are left alone.
pub async fn seed_catalogue(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    let now = Utc::now();
    let effective = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let rows = catalogue();
    let existing = award_type::Entity::find().all(db).await?;
    let mut by_code: std::collections::HashMap<String, Uuid> =
        existing.iter().map(|r| (r.code.clone(), r.id)).collect();
    for (i, s) in (0..).zip(&rows) {
        if by_code.contains_key(s.code) {
            continue;
        }
        let prerequisite = s
            .prerequisite
            .and_then(|(code, n)| by_code.get(code).map(|id| (*id, n)));
        let id = Uuid::now_v7();
        award_type::ActiveModel {
            id: Set(id),
            code: Set(s.code.into()),
            name: Set(s.name.into()),
            category: Set(s.category),
            level: Set(s.level),
            recipient_kind: Set(s.recipients),
            approval_threshold: Set(Decimal::from(s.threshold)),
            conferring_authority: Set(s.authority.into()),
            legal_basis: Set(if s.category == AwardCategory::ProvincialTitle {
                "Danh hiệu của tỉnh; văn bản quy định chưa được đối chiếu — giữ cấu hình được"
                    .into()
            } else {
                LAW.into()
            }),
            effective_from: Set(effective),
            effective_to: Set(None),
            prerequisite_award_type_id: Set(prerequisite.map(|p| p.0)),
            prerequisite_years: Set(prerequisite.map(|p| p.1)),
            sort_order: Set(i),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        by_code.insert(s.code.to_owned(), id);
    }
    Ok(())
}
