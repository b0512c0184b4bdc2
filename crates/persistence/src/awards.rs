//! The award catalogue: seeded from the 2022 law, edited by administrators as decrees change.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::{
    self as rules, AwardCategory, AwardLevel, CashCoefficient, LegalBasis, Prerequisite,
    PrerequisiteKind, RecipientKind, Threshold,
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
    pub legal_basis: LegalBasis,
    /// NĐ 98/2023 Đ54 cash reward, a multiple of the base salary; None where not stated.
    pub cash_coefficient: Option<CashCoefficient>,
    /// Conferred by a central body (state, ministry, central organisation).
    pub central_body: bool,
    /// None: not in effect until an administrator sets it.
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
    /// An earlier award the recipient must hold, and how it counts.
    pub prerequisite: Option<(AwardTypeId, Prerequisite)>,
    /// Who decides the award; a new row defaults to its level, an update left without it
    /// keeps the row's.
    pub deciding_level: Option<AwardLevel>,
    /// Legal basis of the threshold; `None` keeps the row's (empty on a new row).
    pub threshold_basis: Option<Title>,
    /// Legal basis of the deciding authority; `None` keeps the row's (empty on a new row).
    pub authority_basis: Option<Title>,
    /// Nominations must record a recognised initiative (sáng kiến).
    pub requires_initiative: bool,
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
        deciding_level: Set(input.deciding_level.unwrap_or(input.level)),
        threshold_basis: Set(basis(input.threshold_basis.as_ref())),
        authority_basis: Set(basis(input.authority_basis.as_ref())),
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
        cash_coefficient: Set(input.cash_coefficient.map(CashCoefficient::get)),
        central_body: Set(input.central_body),
        effective_from: Set(input.effective_from),
        effective_to: Set(input.effective_to),
        prerequisite_award_type_id: Set(input.prerequisite.map(|p| p.0).map(uuid::Uuid::from)),
        prerequisite_years: Set(input.prerequisite.map(|p| count(p.1.count))),
        prerequisite_kind: Set(input
            .prerequisite
            .map_or(PrerequisiteKind::ConsecutiveYears, |p| p.1.kind)),
        prerequisite_max_gap_years: Set(input
            .prerequisite
            .filter(|p| p.1.kind == PrerequisiteKind::ConsecutiveConferrals)
            .map(|p| count(p.1.max_gap_years))),
        requires_initiative: Set(input.requires_initiative),
        deciding_level: input.deciding_level.map_or(NotSet, Set),
        threshold_basis: input
            .threshold_basis
            .as_ref()
            .map_or(NotSet, |b| Set(b.as_str().to_owned())),
        authority_basis: input
            .authority_basis
            .as_ref()
            .map_or(NotSet, |b| Set(b.as_str().to_owned())),
        ..Default::default()
    }
}

fn basis(b: Option<&Title>) -> String {
    b.map(|t| t.as_str().to_owned()).unwrap_or_default()
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
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
            "recipientKind": before.recipient_kind.as_str(), "effectiveTo": before.effective_to,
            "decidingLevel": before.deciding_level.as_str(), "thresholdBasis": before.threshold_basis,
            "authorityBasis": before.authority_basis,
            "effectiveFrom": before.effective_from, "cashCoefficient": before.cash_coefficient,
            "centralBody": before.central_body, "legalBasis": before.legal_basis}}),
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
    /// Only rows conferred (or not) by a central body.
    pub central_body: Option<bool>,
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
    if let Some(c) = f.central_body {
        q = q.filter(award_type::Column::CentralBody.eq(c));
    }
    if let Some(d) = f.in_effect_on {
        // A NULL start date (not in effect yet) never compares true.
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
    basis: &'static str,
    /// NĐ 98/2023 Đ54 multiple of the base salary, as written in the decree.
    cash: Option<&'static str>,
    /// Code of the award that must be held first, and for how many consecutive years.
    prerequisite: Option<(&'static str, i32)>,
    /// Counted as consecutive conferrals at most this many years apart, not as years.
    conferrals_within: Option<i32>,
    requires_initiative: bool,
    /// False for a title not in effect until an administrator sets its start date.
    in_effect: bool,
}

impl Seed {
    fn by(mut self, authority: &'static str, threshold: u32) -> Self {
        self.authority = authority;
        self.threshold = threshold;
        self
    }

    fn basis(mut self, basis: &'static str, cash: Option<&'static str>) -> Self {
        self.basis = basis;
        self.cash = cash;
        self
    }

    /// State awards and those of ministries and central organisations: what target 3
    /// counts unless an administrator says otherwise.
    fn central_body(&self) -> bool {
        matches!(self.level, AwardLevel::Central | AwardLevel::Ministerial)
    }
}

const CHU_TICH_TINH: &str = "Chủ tịch UBND tỉnh Quảng Ninh";
const THU_TUONG: &str = "Thủ tướng Chính phủ";
const CHU_TICH_NUOC: &str = "Chủ tịch nước";
const THU_TRUONG: &str = "Thủ trưởng cơ quan, đơn vị; Chủ tịch UBND cấp xã";
const CHU_TICH_XA: &str = "Chủ tịch UBND cấp xã";
const LLVT: &str = "Thủ trưởng đơn vị trong Quân đội nhân dân, Công an nhân dân";
const BO: &str = "Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan trung ương";
const TLD: &str = "Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam";
const TWD: &str = "Ban Bí thư Trung ương Đoàn TNCS Hồ Chí Minh";
const MTTQ: &str = "Ban Thường trực Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam";

// The legal basis of each row; ⚠ marks what DOMAIN-NOTES could not verify, to be checked
// and edited by an administrator. The first rows' texts are repeated in migration
// m20261130_000003 (a test compares an upgraded catalogue with a new one).
const TITLE_CASH: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 (điều quy định danh hiệu chưa đối chiếu ⚠); hệ số tiền thưởng: Nghị định 98/2023/NĐ-CP Điều 54";
const TITLE_NO_CASH: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 (điều quy định danh hiệu chưa đối chiếu ⚠); Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const ARMED: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15; hệ số tiền thưởng: Nghị định 98/2023/NĐ-CP Điều 54; thẩm quyền và cấp xét trong Quân đội nhân dân, Công an nhân dân chưa đối chiếu ⚠";
const COMMUNE: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15; hệ số tiền thưởng: Nghị định 98/2023/NĐ-CP Điều 54 (xã, phường, thị trấn tiêu biểu); áp dụng cho đặc khu và thẩm quyền sau sắp xếp đơn vị hành chính năm 2025 chưa đối chiếu ⚠";
const VILLAGE: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 Điều 30 (xét hằng năm, UBND tỉnh quy định tiêu chí) và Điều 80 (Chủ tịch UBND cấp huyện quyết định); Nghị định 86/2023/NĐ-CP; hệ số tiền thưởng: Nghị định 98/2023/NĐ-CP Điều 54; thẩm quyền sau khi bỏ cấp huyện (Nghị định 152/2025/NĐ-CP) chưa đối chiếu ⚠";
const FAMILY: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 Điều 80 (Chủ tịch UBND cấp xã quyết định); Nghị định 86/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const CENTRAL_BODY: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP; thẩm quyền của bộ, ban, ngành, tổ chức trung ương và hệ số tiền thưởng chưa đối chiếu ⚠";
const ORDER: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 Điều 33; Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const HONORARY: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 Điều 59; Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const FORM: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 (điều quy định hình thức chưa đối chiếu ⚠); Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const PROVINCIAL: &str = "Danh hiệu của tỉnh do Đề án đổi mới phong trào thi đua yêu nước tỉnh Quảng Ninh giai đoạn 2021–2025 đề ra nghiên cứu; chưa có văn bản quy định ⚠ — chưa có hiệu lực cho đến khi quản trị viên đặt ngày hiệu lực";

/// The catalogue as first loaded, in reading order. Thresholds follow the legacy rule (90 %
/// of all members for the higher titles, a majority otherwise); they, the authorities and
/// the coefficients are data, meant to be edited once the province's current regulation
/// is checked.
fn catalogue() -> Vec<Seed> {
    use AwardCategory as C;
    use AwardLevel as L;
    use RecipientKind as R;
    let row = |code, name, category, level, recipients| Seed {
        code,
        name,
        category,
        level,
        recipients,
        threshold: 90,
        authority: CHU_TICH_NUOC,
        basis: FORM,
        cash: None,
        prerequisite: None,
        in_effect: true,
        conferrals_within: None,
        requires_initiative: false,
    };
    let title =
        |code, name, level, recipients| row(code, name, C::EmulationTitle, level, recipients);
    let honorary = |code, name, recipients| {
        row(code, name, C::StateHonoraryTitle, L::Central, recipients).basis(HONORARY, None)
    };
    let order = |code, name| row(code, name, C::Order, L::Central, R::Both).basis(ORDER, None);
    let merit = |code, name, level| row(code, name, C::CertificateOfMerit, level, R::Both);
    vec![
        // Danh hiệu thi đua: individuals.
        title(
            "LAO-DONG-TIEN-TIEN",
            "Lao động tiên tiến",
            L::Grassroots,
            R::Individual,
        )
        .by(THU_TRUONG, 51)
        .basis(TITLE_CASH, Some("0.3")),
        title(
            "CHIEN-SI-TIEN-TIEN",
            "Chiến sĩ tiên tiến",
            L::Grassroots,
            R::Individual,
        )
        .by(LLVT, 51)
        .basis(ARMED, Some("0.3")),
        title(
            "CSTD-CO-SO",
            "Chiến sĩ thi đua cơ sở",
            L::Grassroots,
            R::Individual,
        )
        .by(THU_TRUONG, 51)
        .basis(TITLE_CASH, Some("1")),
        Seed {
            prerequisite: Some(("CSTD-CO-SO", 3)),
            ..title(
                "CSTD-TINH",
                "Chiến sĩ thi đua cấp bộ, ban, ngành, tỉnh",
                L::Provincial,
                R::Individual,
            )
            .by(CHU_TICH_TINH, 90)
            .basis(TITLE_CASH, Some("3"))
        },
        // Two consecutive conferrals of CSTĐ cấp tỉnh (a title conferred at most every third
        // year, so 2021 and 2024 count) and a nationally recognised initiative
        // (DOMAIN-NOTES). The three-year gap is data to check against NĐ 98/2023 ⚠.
        Seed {
            prerequisite: Some(("CSTD-TINH", 2)),
            conferrals_within: Some(3),
            requires_initiative: true,
            ..title(
                "CSTD-TOAN-QUOC",
                "Chiến sĩ thi đua toàn quốc",
                L::Central,
                R::Individual,
            )
            .by(THU_TUONG, 90)
            .basis(TITLE_CASH, Some("4.5"))
        },
        // Danh hiệu thi đua: collectives and households.
        title(
            "TT-LAO-DONG-TIEN-TIEN",
            "Tập thể lao động tiên tiến",
            L::Grassroots,
            R::Collective,
        )
        .by(THU_TRUONG, 51)
        .basis(TITLE_CASH, Some("0.8")),
        title(
            "DON-VI-TIEN-TIEN",
            "Đơn vị tiên tiến",
            L::Grassroots,
            R::Collective,
        )
        .by(LLVT, 51)
        .basis(ARMED, Some("0.8")),
        title(
            "TT-LAO-DONG-XUAT-SAC",
            "Tập thể lao động xuất sắc",
            L::Provincial,
            R::Collective,
        )
        .by(CHU_TICH_TINH, 51)
        .basis(TITLE_CASH, Some("1.5")),
        title(
            "DON-VI-QUYET-THANG",
            "Đơn vị quyết thắng",
            L::Provincial,
            R::Collective,
        )
        .by(LLVT, 51)
        .basis(ARMED, Some("1.5")),
        title(
            "XA-PHUONG-TIEU-BIEU",
            "Xã, phường, đặc khu tiêu biểu",
            L::Provincial,
            R::Collective,
        )
        .by(CHU_TICH_TINH, 51)
        .basis(COMMUNE, Some("2")),
        title(
            "THON-TDP-VAN-HOA",
            "Thôn, tổ dân phố văn hóa",
            L::Grassroots,
            R::Collective,
        )
        .by(CHU_TICH_XA, 51)
        .basis(VILLAGE, Some("1.5")),
        title(
            "GIA-DINH-VAN-HOA",
            "Gia đình văn hóa",
            L::Grassroots,
            R::Household,
        )
        .by(CHU_TICH_XA, 51)
        .basis(FAMILY, None),
        title(
            "CO-THI-DUA-TINH",
            "Cờ thi đua của UBND tỉnh",
            L::Provincial,
            R::Collective,
        )
        .by(CHU_TICH_TINH, 90)
        .basis(TITLE_NO_CASH, None),
        title(
            "CO-THI-DUA-BO-NGANH",
            "Cờ thi đua cấp bộ, ban, ngành, đoàn thể trung ương",
            L::Ministerial,
            R::Collective,
        )
        .by(BO, 90)
        .basis(CENTRAL_BODY, None),
        title(
            "CO-THI-DUA-TLD",
            "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam",
            L::Ministerial,
            R::Collective,
        )
        .by(TLD, 90)
        .basis(CENTRAL_BODY, None),
        title(
            "CO-THI-DUA-TWD",
            "Cờ thi đua của Trung ương Đoàn TNCS Hồ Chí Minh",
            L::Ministerial,
            R::Collective,
        )
        .by(TWD, 90)
        .basis(CENTRAL_BODY, None),
        title(
            "CO-THI-DUA-MTTQ",
            "Cờ thi đua của Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
            L::Ministerial,
            R::Collective,
        )
        .by(MTTQ, 90)
        .basis(CENTRAL_BODY, None),
        title(
            "CO-THI-DUA-CP",
            "Cờ thi đua của Chính phủ",
            L::Central,
            R::Collective,
        )
        .by(THU_TUONG, 90)
        .basis(TITLE_CASH, Some("12")),
        // Danh hiệu vinh dự nhà nước (Luật 2022 Đ59).
        honorary("TINH-ANH-HUNG", "Tỉnh, thành phố Anh hùng", R::Collective),
        honorary(
            "BA-ME-VN-ANH-HUNG",
            "Bà mẹ Việt Nam anh hùng",
            R::Individual,
        ),
        honorary(
            "ANH-HUNG-LLVTND",
            "Anh hùng Lực lượng vũ trang nhân dân",
            R::Both,
        ),
        honorary("ANH-HUNG-LAO-DONG", "Anh hùng Lao động", R::Both),
        honorary("NHA-GIAO-NHAN-DAN", "Nhà giáo Nhân dân", R::Individual),
        honorary("NHA-GIAO-UU-TU", "Nhà giáo Ưu tú", R::Individual),
        honorary("THAY-THUOC-NHAN-DAN", "Thầy thuốc Nhân dân", R::Individual),
        honorary("THAY-THUOC-UU-TU", "Thầy thuốc Ưu tú", R::Individual),
        honorary("NGHE-SI-NHAN-DAN", "Nghệ sĩ Nhân dân", R::Individual),
        honorary("NGHE-SI-UU-TU", "Nghệ sĩ Ưu tú", R::Individual),
        honorary("NGHE-NHAN-NHAN-DAN", "Nghệ nhân Nhân dân", R::Individual),
        honorary("NGHE-NHAN-UU-TU", "Nghệ nhân Ưu tú", R::Individual),
        // Huân chương (Luật 2022 Đ33).
        order("HUAN-CHUONG-SAO-VANG", "Huân chương Sao vàng"),
        order("HUAN-CHUONG-HO-CHI-MINH", "Huân chương Hồ Chí Minh"),
        order("HUAN-CHUONG-DOC-LAP-1", "Huân chương Độc lập hạng Nhất"),
        order("HUAN-CHUONG-DOC-LAP-2", "Huân chương Độc lập hạng Nhì"),
        order("HUAN-CHUONG-DOC-LAP-3", "Huân chương Độc lập hạng Ba"),
        order("HUAN-CHUONG-QUAN-CONG-1", "Huân chương Quân công hạng Nhất"),
        order("HUAN-CHUONG-QUAN-CONG-2", "Huân chương Quân công hạng Nhì"),
        order("HUAN-CHUONG-QUAN-CONG-3", "Huân chương Quân công hạng Ba"),
        order("HUAN-CHUONG-LD-1", "Huân chương Lao động hạng Nhất"),
        order("HUAN-CHUONG-LD-2", "Huân chương Lao động hạng Nhì"),
        order("HUAN-CHUONG-LD-3", "Huân chương Lao động hạng Ba"),
        order("HUAN-CHUONG-BVTQ-1", "Huân chương Bảo vệ Tổ quốc hạng Nhất"),
        order("HUAN-CHUONG-BVTQ-2", "Huân chương Bảo vệ Tổ quốc hạng Nhì"),
        order("HUAN-CHUONG-BVTQ-3", "Huân chương Bảo vệ Tổ quốc hạng Ba"),
        order(
            "HUAN-CHUONG-CHIEN-CONG-1",
            "Huân chương Chiến công hạng Nhất",
        ),
        order(
            "HUAN-CHUONG-CHIEN-CONG-2",
            "Huân chương Chiến công hạng Nhì",
        ),
        order("HUAN-CHUONG-CHIEN-CONG-3", "Huân chương Chiến công hạng Ba"),
        order(
            "HUAN-CHUONG-DAI-DOAN-KET",
            "Huân chương Đại đoàn kết dân tộc",
        ),
        order("HUAN-CHUONG-DUNG-CAM", "Huân chương Dũng cảm"),
        order("HUAN-CHUONG-HUU-NGHI", "Huân chương Hữu nghị"),
        // Bằng khen, Giấy khen.
        merit(
            "BANG-KHEN-TTG",
            "Bằng khen của Thủ tướng Chính phủ",
            L::Central,
        )
        .by(THU_TUONG, 90),
        merit(
            "BANG-KHEN-BO-NGANH",
            "Bằng khen cấp bộ, ban, ngành, đoàn thể trung ương",
            L::Ministerial,
        )
        .by(BO, 51)
        .basis(CENTRAL_BODY, None),
        merit(
            "BANG-KHEN-TLD",
            "Bằng khen của Tổng Liên đoàn Lao động Việt Nam",
            L::Ministerial,
        )
        .by(TLD, 51)
        .basis(CENTRAL_BODY, None),
        merit(
            "BANG-KHEN-TWD",
            "Bằng khen của Trung ương Đoàn TNCS Hồ Chí Minh",
            L::Ministerial,
        )
        .by(TWD, 51)
        .basis(CENTRAL_BODY, None),
        merit(
            "BANG-KHEN-MTTQ",
            "Bằng khen của Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
            L::Ministerial,
        )
        .by(MTTQ, 51)
        .basis(CENTRAL_BODY, None),
        merit(
            "BANG-KHEN-UBND-TINH",
            "Bằng khen của Chủ tịch UBND tỉnh",
            L::Provincial,
        )
        .by(CHU_TICH_TINH, 51),
        row(
            "GIAY-KHEN",
            "Giấy khen",
            C::Certificate,
            L::Grassroots,
            R::Both,
        )
        .by(THU_TRUONG, 51),
        // The province's own title: the programme asks to study it; no resolution yet.
        Seed {
            in_effect: false,
            ..row(
                "CONG-DAN-QN-UU-TU",
                "Công dân Quảng Ninh ưu tú",
                C::ProvincialTitle,
                L::Provincial,
                R::Individual,
            )
            .by(CHU_TICH_TINH, 90)
            .basis(PROVINCIAL, None)
        },
    ]
}

/// Where the 90 %-of-all-members rule is sourced (CSTĐ bộ/tỉnh, CSTĐ toàn quốc, Anh hùng);
/// the migration `m20261130_000002_commendation_path` writes the same texts into rows
/// seeded before it.
const NINETY_BASIS: &str = "NĐ 91/2017/NĐ-CP Điều 45 khoản 8 (đã bãi bỏ): bỏ phiếu kín, \
    tối thiểu 90% tổng số thành viên Hội đồng, thành viên vắng mặt bỏ phiếu bằng văn bản; \
    tỷ lệ theo NĐ 98/2023/NĐ-CP chưa đối chiếu ⚠";
const THRESHOLD_UNVERIFIED: &str = "Chưa đối chiếu NĐ 98/2023/NĐ-CP, NĐ 152/2025/NĐ-CP ⚠: \
    tỷ lệ là dữ liệu cấu hình, quản trị viên sửa theo văn bản";
const AUTHORITY_GRASSROOTS: &str = "Luật Thi đua, khen thưởng 2022, Điều 80";
const AUTHORITY_PROVINCIAL: &str = "Luật Thi đua, khen thưởng 2022, Điều 79 (chưa đối chiếu); \
    NĐ 152/2025/NĐ-CP phân cấp lại ⚠";
const AUTHORITY_CENTRAL: &str = "Luật Thi đua, khen thưởng 2022, Điều 83: Chủ tịch UBND tỉnh \
    đề nghị khen thưởng cấp nhà nước qua Thủ tướng Chính phủ";
const AUTHORITY_UNVERIFIED: &str = "Chưa đối chiếu ⚠";

/// The legal basis of a seeded row's threshold: only the 90 % rule has a source.
fn threshold_basis(code: &str) -> &'static str {
    if matches!(code, "CSTD-TINH" | "CSTD-TOAN-QUOC" | "ANH-HUNG-LAO-DONG") {
        NINETY_BASIS
    } else {
        THRESHOLD_UNVERIFIED
    }
}

/// The legal basis of a seeded row's deciding authority, by the level that decides it.
fn authority_basis(category: AwardCategory, deciding: AwardLevel) -> &'static str {
    match (category, deciding) {
        (AwardCategory::ProvincialTitle, _) => AUTHORITY_UNVERIFIED,
        (_, AwardLevel::Grassroots) => AUTHORITY_GRASSROOTS,
        (_, AwardLevel::Provincial) => AUTHORITY_PROVINCIAL,
        (_, AwardLevel::Central) => AUTHORITY_CENTRAL,
        (_, AwardLevel::District | AwardLevel::Ministerial) => AUTHORITY_UNVERIFIED,
    }
}

/// Loads missing catalogue rows by code; rows already there (perhaps edited) keep their
/// data, and only their place in the reading order follows the catalogue.
pub async fn seed_catalogue(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    let now = Utc::now();
    let effective = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let rows = catalogue();
    let existing = award_type::Entity::find().all(db).await?;
    let mut by_code: std::collections::HashMap<String, Uuid> =
        existing.iter().map(|r| (r.code.clone(), r.id)).collect();
    for (i, s) in (0..).zip(&rows) {
        if let Some(old) = existing.iter().find(|r| r.code == s.code) {
            if old.sort_order != i {
                award_type::Entity::update_many()
                    .col_expr(award_type::Column::SortOrder, Expr::val(i))
                    .filter(award_type::Column::Id.eq(old.id))
                    .exec(db)
                    .await?;
            }
            continue;
        }
        let prerequisite = s
            .prerequisite
            .and_then(|(code, n)| by_code.get(code).map(|id| (*id, n)));
        let cash = s
            .cash
            .map(|c| c.parse::<Decimal>())
            .transpose()
            .map_err(|e| {
                StoreError::Internal(format!("catalogue coefficient of {}: {e}", s.code))
            })?;
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
            legal_basis: Set(s.basis.into()),
            cash_coefficient: Set(cash),
            central_body: Set(s.central_body()),
            effective_from: Set(s.in_effect.then_some(effective)),
            effective_to: Set(None),
            prerequisite_award_type_id: Set(prerequisite.map(|p| p.0)),
            prerequisite_years: Set(prerequisite.map(|p| p.1)),
            // Every seeded row is decided at its own level (Đ80, Đ83).
            deciding_level: Set(s.level),
            threshold_basis: Set(threshold_basis(s.code).into()),
            authority_basis: Set(authority_basis(s.category, s.level).into()),
            prerequisite_kind: Set(if s.conferrals_within.is_some() {
                PrerequisiteKind::ConsecutiveConferrals
            } else {
                PrerequisiteKind::ConsecutiveYears
            }),
            prerequisite_max_gap_years: Set(s.conferrals_within),
            requires_initiative: Set(s.requires_initiative),
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

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectOptions, Database, DatabaseConnection, Statement, Value};
    use thidua_migrations::{Migrator, MigratorTrait};

    use super::*;

    /// The codes of the catalogue seeded before migration m20261130_000003, in its order.
    const FIRST_CODES: [&str; 20] = [
        "LAO-DONG-TIEN-TIEN",
        "CSTD-CO-SO",
        "CSTD-TINH",
        "CSTD-TOAN-QUOC",
        "TT-LAO-DONG-TIEN-TIEN",
        "TT-LAO-DONG-XUAT-SAC",
        "CO-THI-DUA-TINH",
        "CO-THI-DUA-CP",
        "NHA-GIAO-NHAN-DAN",
        "NHA-GIAO-UU-TU",
        "THAY-THUOC-NHAN-DAN",
        "THAY-THUOC-UU-TU",
        "ANH-HUNG-LAO-DONG",
        "HUAN-CHUONG-LD-1",
        "HUAN-CHUONG-LD-2",
        "HUAN-CHUONG-LD-3",
        "BANG-KHEN-TTG",
        "BANG-KHEN-UBND-TINH",
        "GIAY-KHEN",
        "CONG-DAN-QN-UU-TU",
    ];

    async fn memory() -> DatabaseConnection {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1).min_connections(1);
        Database::connect(opts).await.unwrap()
    }

    /// Inserts the first catalogue as its seed wrote it, into the schema it had then.
    async fn first_catalogue(db: &DatabaseConnection) {
        let pg = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        let mut ids: std::collections::HashMap<&str, Uuid> = std::collections::HashMap::new();
        let rows = catalogue();
        for (i, code) in (0..).zip(FIRST_CODES) {
            let s = rows.iter().find(|s| s.code == code).unwrap();
            let id = Uuid::now_v7();
            let basis = if s.category == AwardCategory::ProvincialTitle {
                "Danh hiệu của tỉnh; văn bản quy định chưa được đối chiếu — giữ cấu hình được"
            } else {
                "Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP"
            };
            let pre = s.prerequisite.map(|(c, n)| (ids[c], n));
            let values: Vec<Value> = vec![
                id.into(),
                s.code.into(),
                s.name.into(),
                s.category.as_str().into(),
                s.level.as_str().into(),
                s.recipients.as_str().into(),
                Decimal::from(s.threshold).into(),
                s.authority.into(),
                basis.into(),
                NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().into(),
                pre.map(|p| p.0).into(),
                pre.map(|p| p.1).into(),
                i.into(),
                Utc::now().into(),
            ];
            db.execute_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "INSERT INTO award_types (id, code, name, category, level, recipient_kind, \
                 approval_threshold, conferring_authority, legal_basis, effective_from, \
                 effective_to, prerequisite_award_type_id, prerequisite_years, sort_order, \
                 version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13, 1, $14, $14)"
                    .replace('$', if pg { "$" } else { "?" }),
                values,
            ))
            .await
            .unwrap();
            ids.insert(code, id);
        }
    }

    /// Everything a reader sees of the catalogue, ids replaced by codes.
    async fn as_read(db: &DatabaseConnection) -> Vec<String> {
        let rows = list(db, &AwardFilter::default()).await.unwrap();
        let code_of = |id: Option<Uuid>| {
            id.and_then(|id| rows.iter().find(|r| r.id == id))
                .map(|r| r.code.clone())
        };
        rows.iter()
            .map(|r| {
                format!(
                    "{} | {} | {} | {} | {} | {} | {} | {} | {:?} | {} | {:?} | {:?} | {:?} | {:?} | {} | {}",
                    r.code,
                    r.name,
                    r.category.as_str(),
                    r.level.as_str(),
                    r.recipient_kind.as_str(),
                    r.approval_threshold.normalize(),
                    r.conferring_authority,
                    r.legal_basis,
                    r.cash_coefficient.map(|c| c.normalize()),
                    r.central_body,
                    r.effective_from,
                    r.effective_to,
                    code_of(r.prerequisite_award_type_id),
                    r.prerequisite_years,
                    r.sort_order,
                    r.version,
                )
            })
            .collect()
    }

    /// A fresh database against one migrated and seeded before this catalogue, then upgraded.
    async fn compare(new: &DatabaseConnection, old: &DatabaseConnection) {
        Migrator::up(new, None).await.unwrap();
        seed_catalogue(new).await.unwrap();
        let fresh = as_read(new).await;
        assert_eq!(fresh.len(), catalogue().len());

        // Before this change: the first six migrations and the first catalogue.
        Migrator::up(old, Some(6)).await.unwrap();
        first_catalogue(old).await;
        Migrator::up(old, None).await.unwrap();
        seed_catalogue(old).await.unwrap();
        let upgraded = as_read(old).await;
        for (a, b) in fresh.iter().zip(&upgraded) {
            assert_eq!(a, b);
        }
        assert_eq!(fresh.len(), upgraded.len());

        let row = |code: &str| {
            fresh
                .iter()
                .find(|r| r.starts_with(&format!("{code} |")))
                .unwrap()
                .clone()
        };
        assert!(row("LAO-DONG-TIEN-TIEN").contains("| Some(0.3) | false | Some(2024-01-01)"));
        assert!(
            row("CONG-DAN-QN-UU-TU").contains("| None | false | None |"),
            "not in effect"
        );
        assert!(row("BANG-KHEN-TLD").contains("| MINISTERIAL |"));
        assert!(row("BANG-KHEN-TLD").contains("| true |"));
    }

    #[tokio::test]
    async fn an_upgraded_database_ends_with_the_catalogue_of_a_new_one() {
        compare(&memory().await, &memory().await).await;
    }

    /// The same on PostgreSQL, when `THIDUA_TEST_POSTGRES_URL` is set.
    #[tokio::test]
    async fn an_upgraded_postgres_database_ends_with_the_catalogue_of_a_new_one() {
        let Some(admin_url) = std::env::var("THIDUA_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
        else {
            return;
        };
        let admin = Database::connect(&admin_url).await.unwrap();
        // The end-to-end tests' prefix, so their sweep of leftovers covers these too.
        let names = [0, 1].map(|_| format!("thidua_test_{}", Uuid::new_v4().simple()));
        let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let (server, _) = base.rsplit_once('/').unwrap();
        let mut conns = Vec::new();
        for name in &names {
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let url = match query {
                "" => format!("{server}/{name}"),
                q => format!("{server}/{name}?{q}"),
            };
            conns.push(Database::connect(&url).await.unwrap());
        }
        compare(&conns[0], &conns[1]).await;
        for (conn, name) in conns.into_iter().zip(&names) {
            conn.close().await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn seeding_twice_changes_nothing() {
        let db = memory().await;
        Migrator::up(&db, None).await.unwrap();
        seed_catalogue(&db).await.unwrap();
        let once = as_read(&db).await;
        seed_catalogue(&db).await.unwrap();
        assert_eq!(once, as_read(&db).await);
    }
}
