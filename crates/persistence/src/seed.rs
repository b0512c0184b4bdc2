//! The programme as the seed document describes it, loaded idempotently on every start
//! (and by `thidua seed`); `demo` adds a clearly marked demo data set.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use thidua_domain::access::{Actor, Grant, Role};
use thidua_domain::id::{UnitId, UserId};
use thidua_domain::milestone::MilestoneKind;
use thidua_domain::org_unit::{OrgUnitKind, check_new_root, child_path};
use thidua_domain::target::{Comparator, TargetSource};
use uuid::Uuid;

use crate::entities::{field, milestone, org_unit, programme, target};
use crate::error::StoreError;
use crate::users::{self, NewUser};
use thidua_domain::target::TargetComputation;
use thidua_domain::target_rules::{TargetKind, TargetParameters};

pub const ROOT_UNIT_CODE: &str = "QN";
pub const PROGRAMME_CODE: &str = "QN-TDYN-2021-2030";
pub const PROGRAMME_TITLE: &str = "Đổi mới phong trào thi đua yêu nước trên địa bàn tỉnh Quảng Ninh giai đoạn 2021–2025, định hướng đến năm 2030";

mod demo;
pub use demo::{DEMO_PASSWORD, seed_demo};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// (code, name, breakthrough?) — the breakthrough areas are those the programme names.
const FIELDS: &[(&str, &str, bool)] = &[
    ("VAN-HOA", "Văn hóa", true),
    ("XA-HOI", "Xã hội", true),
    ("CON-NGUOI", "Con người", true),
    ("GIAO-DUC", "Giáo dục và đào tạo", true),
    ("MOI-TRUONG", "Bảo vệ môi trường sinh thái", true),
    ("KINH-TE-XANH", "Kinh tế xanh, tăng trưởng xanh", true),
    (
        "DTTS-NTM",
        "Vùng đồng bào dân tộc thiểu số thoát nghèo bền vững, xây dựng nông thôn mới nâng cao, kiểu mẫu",
        true,
    ),
    ("KY-CUONG", "Xã hội kỷ cương, trật tự", true),
    ("KINH-TE", "Phát triển kinh tế - xã hội", false),
    ("QP-AN", "Quốc phòng, an ninh", false),
    ("XD-DANG", "Xây dựng Đảng và hệ thống chính trị", false),
    ("Y-TE", "Y tế", false),
    ("SXKD", "Sản xuất, kinh doanh", false),
    ("CCHC-CDS", "Cải cách hành chính, chuyển đổi số", false),
];

/// Target 1's exact definition, as the API states it (Vietnamese, the default).
const TARGET_1_DESCRIPTION: &str = "Tỷ lệ phần trăm các phong trào thi đua đã phát động (LAUNCHED) hoặc đã kết thúc (CLOSED) có thời gian diễn ra giao với giai đoạn (01/01/2022 đến 31/12/2025), do bất kỳ đơn vị nào phát động, gắn với đề án này hoặc không gắn đề án nào (đây là đề án mặc định của tỉnh), mà mọi tiêu chí đều cụ thể (có giá trị chỉ tiêu, đơn vị tính và trọng số dương). Độ bao phủ lĩnh vực: uncoveredFields liệt kê các lĩnh vực trong danh mục chưa có phong trào nào như vậy trong giai đoạn. Đạt (ACHIEVED) khi tỷ lệ là 100 % và không còn lĩnh vực nào chưa được bao phủ; tỷ lệ đủ nhưng còn lĩnh vực chưa được bao phủ thì là ON_TRACK trước hạn và OFF_TRACK sau hạn.";
const TARGET_1_DESCRIPTION_EN: &str = "Percentage of the campaigns LAUNCHED or CLOSED whose dates overlap the period (2022-01-01 to 2025-12-31), launched by any unit and tagged with this programme or with no programme (this is the province's default programme), whose every criterion is concrete (a target value, a unit label and a positive weight). Field coverage: uncoveredFields lists the catalogue's fields that no such concrete campaign covers in the period. ACHIEVED needs 100 % and no uncovered field; a full share with fields uncovered reads ON_TRACK before the deadline and OFF_TRACK after it.";

/// Target 2's exact definition, as the API states it (Vietnamese, the default).
const TARGET_2_DESCRIPTION: &str = "Tỷ lệ phần trăm các đơn vị được đo (các đơn vị đang hoạt động thuộc các loại hoặc danh sách trong tham số của chỉ tiêu, mặc định là sở, ban, ngành (DEPARTMENT), cơ quan (AGENCY), phường (WARD), xã (COMMUNE) và đặc khu (SPECIAL_ZONE), không tính đơn vị nằm trong một đơn vị được đo khác) mà trong phạm vi của mình có ít nhất một mô hình, điển hình tiên tiến đạt giai đoạn bồi dưỡng (NURTURED) trở lên vào một ngày trong giai đoạn (01/01/2022 đến 31/12/2025) và được một đơn vị ngoài phạm vi đơn vị chủ quản của mô hình nhân rộng vào một ngày trong giai đoạn. Mô hình của đơn vị đã được sắp xếp lại (không còn hoạt động, có đơn vị kế thừa, kể cả qua nhiều lần kế thừa) được tính cho đơn vị kế thừa đang hoạt động. unitsBehind liệt kê các đơn vị được đo chưa đạt.";
const TARGET_2_DESCRIPTION_EN: &str = "Percentage of the measured units (the active units of the kinds or ids in the target's parameters, by default DEPARTMENT, AGENCY, WARD, COMMUNE and SPECIAL_ZONE, leaving out any unit inside another measured unit) whose subtree is home to at least one exemplary model that reached NURTURED or a later stage on a date in the period (2022-01-01 to 2025-12-31) and that was replicated, on a date in the period, by a unit outside the model's home unit's subtree. A model whose home unit was reorganised (inactive, continued by a successor, possibly through a chain of successions) counts for the active successor. unitsBehind lists the measured units that do not meet it.";

/// Target 3's exact definition, as the API states it (Vietnamese, the default).
const TARGET_3_DESCRIPTION: &str = "Số mô hình, điển hình tiên tiến (mỗi mô hình tính một lần) có ít nhất một quyết định khen thưởng đã trao (CONFERRED) thuộc loại hình khen thưởng có cấp nằm trong tham số của chỉ tiêu (mặc định MINISTERIAL và CENTRAL: bộ, ban, ngành, tổ chức Trung ương, Thủ tướng Chính phủ, Chủ tịch nước) với ngày quyết định từ 01/01/2026 đến 31/12/2030 (giai đoạn của chỉ tiêu). Mô hình được khen thưởng nhiều lần chỉ tính một lần; quyết định ngoài giai đoạn không được tính. Đạt khi có 7; 10 là mức phấn đấu.";
const TARGET_3_DESCRIPTION_EN: &str = "Number of distinct exemplary models with at least one CONFERRED commendation of an award type at a level in the target's parameters (by default MINISTERIAL and CENTRAL: ministries and central bodies, the Prime Minister, the President) whose decision date falls from 2026-01-01 to 2030-12-31 (the target's period). A model commended several times counts once; decisions dated outside the period do not count. Achieved at 7; 10 is the stretch goal.";

/// The programme's own words (Ban Thường vụ Tỉnh ủy, 18/10/2022), quoted with each target.
const LEGAL_2025: &str = "Đề án \"Đổi mới phong trào thi đua yêu nước trên địa bàn tỉnh Quảng Ninh giai đoạn 2021-2025, định hướng đến năm 2030\": Trong giai đoạn 2022–2025, phấn đấu thi đua thực hiện thắng lợi các chỉ tiêu phát triển kinh tế - xã hội, quốc phòng - an ninh theo Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XV; 100% các phong trào thi đua xây dựng được tiêu chí cụ thể, thiết thực, phù hợp trên tất cả các lĩnh vực của đời sống, kinh tế - xã hội; 100% các cơ quan, địa phương, đơn vị xây dựng, bồi dưỡng nhân rộng các điển hình tiên tiến.";
const LEGAL_2030: &str = "Đề án \"Đổi mới phong trào thi đua yêu nước trên địa bàn tỉnh Quảng Ninh giai đoạn 2021-2025, định hướng đến năm 2030\": Trong giai đoạn từ 2026-2030 phấn đấu có 7-10 mô hình, điển hình tiêu biểu được Trung ương vinh danh, khen thưởng.";

struct TargetSeed {
    code: &'static str,
    title: &'static str,
    title_en: &'static str,
    description: &'static str,
    description_en: &'static str,
    horizon: &'static str,
    period: (NaiveDate, NaiveDate),
    comparator: Comparator,
    value: i64,
    max: Option<i64>,
    unit: &'static str,
    unit_en: &'static str,
    source: TargetSource,
    computation: Option<TargetComputation>,
    legal_text: &'static str,
}

fn targets() -> Vec<TargetSeed> {
    let p2025 = (date(2022, 1, 1), date(2025, 12, 31));
    vec![
        TargetSeed {
            code: "NQ-DH-XV",
            title: "Thực hiện thắng lợi các mục tiêu kinh tế - xã hội, quốc phòng, an ninh theo Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XV",
            title_en: "Achieve the socio-economic, defence and security goals of the resolution of the 15th Provincial Party Congress",
            description: "Tỷ lệ các chỉ tiêu kinh tế - xã hội, quốc phòng, an ninh theo Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XV đã đạt. Không tính được từ dữ liệu của hệ thống: quản trị viên nhập từ báo cáo đánh giá chính thức của tỉnh, kèm nguồn.",
            description_en: "Share of the socio-economic, defence and security targets of the 15th Provincial Party Congress resolution that are met. Not derivable from this service's data: an administrator enters it from the province's official review, with its source.",
            horizon: "2022–2025",
            period: p2025,
            comparator: Comparator::AtLeast,
            value: 100,
            max: None,
            unit: "%",
            unit_en: "%",
            source: TargetSource::Manual,
            computation: None,
            legal_text: LEGAL_2025,
        },
        TargetSeed {
            code: "T1-TIEU-CHI",
            title: "100% phong trào thi đua có tiêu chí cụ thể, thiết thực, phù hợp với từng lĩnh vực",
            title_en: "100% of emulation campaigns have concrete, practical criteria suited to each field",
            description: TARGET_1_DESCRIPTION,
            description_en: TARGET_1_DESCRIPTION_EN,
            horizon: "2022–2025",
            period: p2025,
            comparator: Comparator::AtLeast,
            value: 100,
            max: None,
            unit: "%",
            unit_en: "%",
            source: TargetSource::Computed,
            computation: Some(TargetComputation::ConcreteCriteriaShare),
            legal_text: LEGAL_2025,
        },
        TargetSeed {
            code: "T2-DIEN-HINH",
            title: "100% cơ quan, địa phương, đơn vị xây dựng, bồi dưỡng, nhân rộng điển hình tiên tiến",
            title_en: "100% of agencies, localities and units build, nurture and replicate advanced exemplary models",
            description: TARGET_2_DESCRIPTION,
            description_en: TARGET_2_DESCRIPTION_EN,
            horizon: "2022–2025",
            period: p2025,
            comparator: Comparator::AtLeast,
            value: 100,
            max: None,
            unit: "%",
            unit_en: "%",
            source: TargetSource::Computed,
            computation: Some(TargetComputation::ExemplarUnitShare),
            legal_text: LEGAL_2025,
        },
        TargetSeed {
            code: "T3-TRUNG-UONG",
            title: "Có từ 7–10 mô hình, điển hình tiên tiến được Trung ương tuyên dương, khen thưởng",
            title_en: "7–10 advanced exemplary models praised and commended by the central level",
            description: TARGET_3_DESCRIPTION,
            description_en: TARGET_3_DESCRIPTION_EN,
            horizon: "2026–2030",
            period: (date(2026, 1, 1), date(2030, 12, 31)),
            comparator: Comparator::Range,
            value: 7,
            max: Some(10),
            unit: "điển hình",
            unit_en: "models",
            source: TargetSource::Computed,
            computation: Some(TargetComputation::CentralHonouredExemplars),
            legal_text: LEGAL_2030,
        },
    ]
}

/// What the first start created that an operator must see once.
#[derive(Debug, Default)]
pub struct SeedReport {
    /// The generated one-time password of the first admin (None when taken from the
    /// environment or when users already existed).
    pub generated_admin_password: Option<String>,
    pub admin_created: bool,
}

/// Loads the programme, root unit, fields, targets and milestones if missing, and creates
/// the first admin on an empty database. Safe to run any number of times.
pub async fn seed_core(
    db: &impl ConnectionTrait,
    admin_password: Option<&str>,
) -> Result<SeedReport, StoreError> {
    let now = Utc::now();
    let root = match org_unit::Entity::find()
        .filter(org_unit::Column::Code.eq(ROOT_UNIT_CODE))
        .one(db)
        .await?
    {
        Some(r) => r,
        None => {
            // Never a second root beside one that lost its code somehow: refuse instead.
            check_new_root(crate::org_units::roots(db).await?.len())?;
            let id = Uuid::now_v7();
            org_unit::ActiveModel {
                // Folded by the entity's `before_save`.
                search_text: sea_orm::ActiveValue::NotSet,
                id: Set(id),
                code: Set(ROOT_UNIT_CODE.into()),
                name: Set("Tỉnh Quảng Ninh".into()),
                kind: Set(OrgUnitKind::Province),
                parent_id: Set(None),
                path: Set(child_path(None, id)),
                depth: Set(0),
                is_active: Set(true),
                successor_id: Set(None),
                succeeded_on: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?
        }
    };

    for (i, (code, name, breakthrough)) in (0..).zip(FIELDS) {
        if field::Entity::find()
            .filter(field::Column::Code.eq(*code))
            .one(db)
            .await?
            .is_none()
        {
            field::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set((*code).into()),
                name: Set((*name).into()),
                is_breakthrough: Set(*breakthrough),
                sort_order: Set(i),
            }
            .insert(db)
            .await?;
        }
    }

    let prog = match programme::Entity::find().filter(programme::Column::Code.eq(PROGRAMME_CODE)).one(db).await? {
        Some(p) => p,
        None => {
            programme::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set(PROGRAMME_CODE.into()),
                title: Set(PROGRAMME_TITLE.into()),
                summary: Set(Some(
                    "Đề án của Tỉnh ủy Quảng Ninh (thảo luận ngày 18/10/2022): đổi mới nội dung, hình thức phong trào thi đua; \
                     tiêu chí thi đua rõ ràng, cụ thể; xây dựng, bồi dưỡng, nhân rộng điển hình tiên tiến; tăng khen thưởng trực tiếp \
                     cho người lao động; phong trào \"Kỷ luật và Đồng tâm\". Tầm nhìn 2030: đổi mới toàn diện phong trào thi đua, \
                     xây dựng Quảng Ninh thành tỉnh kiểu mẫu giàu đẹp, văn minh, hiện đại."
                        .into(),
                )),
                owner_unit_id: Set(root.id),
                start_date: Set(date(2021, 1, 1)),
                end_date: Set(date(2030, 12, 31)),
                created_at: Set(now),
                is_default: Set(true),
            }
            .insert(db)
            .await?
        }
    };

    for (i, t) in (0..).zip(targets()) {
        let exists = target::Entity::find()
            .filter(target::Column::ProgrammeId.eq(prog.id))
            .filter(target::Column::Code.eq(t.code))
            .one(db)
            .await?;
        let parameters = crate::programme::parameters_json(&TargetParameters::defaults_for(
            TargetKind::of(t.source, t.computation),
        ));
        if let Some(existing) = exists {
            // The seed's definitions stay current on older databases until an administrator
            // edits the target (version > 1): from then on the row is theirs.
            let stale = existing.description != t.description
                || existing.description_en.as_deref() != Some(t.description_en)
                || existing.title_en.as_deref() != Some(t.title_en)
                || existing.unit_label_en.as_deref() != Some(t.unit_en)
                || existing.legal_text.as_deref() != Some(t.legal_text)
                || (existing.parameters.is_none() && parameters.is_some());
            if existing.version == 1 && stale {
                let mut m: target::ActiveModel = existing.into();
                m.description = Set(t.description.into());
                m.description_en = Set(Some(t.description_en.into()));
                m.title_en = Set(Some(t.title_en.into()));
                m.unit_label_en = Set(Some(t.unit_en.into()));
                m.legal_text = Set(Some(t.legal_text.into()));
                m.parameters = Set(parameters);
                m.update(db).await?;
            }
            continue;
        }
        target::ActiveModel {
            id: Set(Uuid::now_v7()),
            programme_id: Set(prog.id),
            code: Set(t.code.into()),
            title: Set(t.title.into()),
            description: Set(t.description.into()),
            horizon: Set(t.horizon.into()),
            period_start: Set(t.period.0),
            deadline: Set(t.period.1),
            comparator: Set(t.comparator),
            target_value: Set(Decimal::from(t.value)),
            target_max: Set(t.max.map(Decimal::from)),
            unit_label: Set(t.unit.into()),
            baseline: Set(Decimal::ZERO),
            baseline_date: Set(t.period.0),
            source: Set(t.source),
            computation: Set(t.computation),
            sort_order: Set(i),
            legal_text: Set(Some(t.legal_text.into())),
            parameters: Set(parameters),
            version: Set(1),
            title_en: Set(Some(t.title_en.into())),
            description_en: Set(Some(t.description_en.into())),
            unit_label_en: Set(Some(t.unit_en.into())),
        }
        .insert(db)
        .await?;
    }

    let milestones = [
        (
            MilestoneKind::InterimReview,
            "Sơ kết giai đoạn 2021–2025 thực hiện Đề án",
            date(2025, 12, 31),
        ),
        (
            MilestoneKind::FinalReview,
            "Tổng kết Đề án giai đoạn 2021–2030",
            date(2030, 12, 31),
        ),
    ];
    for (kind, title, due) in milestones {
        let exists = milestone::Entity::find()
            .filter(milestone::Column::ProgrammeId.eq(prog.id))
            .filter(milestone::Column::Kind.eq(kind))
            .one(db)
            .await?;
        if exists.is_none() {
            milestone::ActiveModel {
                id: Set(Uuid::now_v7()),
                campaign_id: Set(None),
                programme_id: Set(Some(prog.id)),
                kind: Set(kind),
                title: Set(title.into()),
                due_date: Set(due),
                completed_at: Set(None),
                completed_by: Set(None),
                note: Set(None),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }

    crate::awards::seed_catalogue(db).await?;
    crate::authorities::seed(db).await?;

    let mut report = SeedReport::default();
    if users::count(db).await? == 0 {
        let (password, generated) = match admin_password {
            Some(p) => (p.to_owned(), false),
            None => (thidua_domain::password::generate("admin"), true),
        };
        let actor = system_actor(&root.path);
        let admin = users::create_with(
            db,
            &actor,
            NewUser {
                username: "admin".into(),
                display_name: "Quản trị hệ thống".into(),
                password: password.clone(),
            },
            users::Profile {
                unit_id: Some(UnitId::from_uuid(root.id)),
                ..users::Profile::default()
            },
            true,
        )
        .await?;
        users::grant(
            db,
            &actor,
            UserId::from_uuid(admin.id),
            Role::Admin,
            UnitId::from_uuid(root.id),
            true,
        )
        .await?;
        report.admin_created = true;
        if generated {
            report.generated_admin_password = Some(password);
        }
    }
    Ok(report)
}

/// The actor seeding and CLI commands act as: the whole tree, recorded as "system".
pub fn system_actor(root_path: &str) -> Actor {
    Actor {
        user_id: None,
        label: "system".into(),
        grants: vec![Grant {
            role: Role::Admin,
            unit_path: root_path.to_owned(),
        }],
        request_id: "cli".into(),
        client: None,
    }
}
