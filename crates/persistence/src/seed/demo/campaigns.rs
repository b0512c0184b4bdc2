//! Demo campaigns: one in each lifecycle state, with criteria, milestones and the pledges
//! of the units that registered.

use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use thidua_domain::campaign::{CampaignKind, CampaignStatus, DateRange};
use thidua_domain::criterion::{Direction, Measure, NewCriterion, PeriodAggregation};
use thidua_domain::id::{CampaignId, MilestoneId, ProgrammeId};
use thidua_domain::milestone::MilestoneKind;
use thidua_domain::text::{Code, LongText};

use super::{Demo, Ymd, date, demo_title, long_text};
use crate::campaigns::{self, NewCampaign};
use crate::error::StoreError;
use crate::{milestones, participations};

const UP: Direction = Direction::HigherIsBetter;
const DOWN: Direction = Direction::LowerIsBetter;
/// Counts of events in a period add up over the year ("số vụ…").
const SUM: PeriodAggregation = PeriodAggregation::Sum;
/// Rates reported each month: the year's figure is their mean.
const AVERAGE: PeriodAggregation = PeriodAggregation::Average;
/// Standing levels (an index, a rate of households, a running total): the last report.
const LATEST: PeriodAggregation = PeriodAggregation::Latest;

/// (title, measure, direction, unit label, target, weight, how periods combine)
type Crit = (
    &'static str,
    Measure,
    Direction,
    &'static str,
    i64,
    i64,
    PeriodAggregation,
);
/// (kind, title, due date, completion note: `Some` = done)
type Ms = (MilestoneKind, &'static str, Ymd, Option<&'static str>);

/// Where a demo campaign ends up.
enum Outcome {
    Draft,
    Launched,
    Closed,
    Cancelled(&'static str),
}

struct DemoCampaign {
    code: &'static str,
    title: &'static str,
    summary: &'static str,
    kind: CampaignKind,
    unit: &'static str,
    dates: (Ymd, Ymd),
    fields: &'static [&'static str],
    criteria: &'static [Crit],
    milestones: &'static [Ms],
    /// (unit code, pledge): registered once the campaign is launched.
    pledges: &'static [(&'static str, &'static str)],
    outcome: Outcome,
}

const CAMPAIGNS: &[DemoCampaign] = &[
    DemoCampaign {
        code: "DEMO-KLDT-2023",
        title: "Phong trào thi đua “Kỷ luật và Đồng tâm” giai đoạn 2023–2025",
        summary: "Phong trào thi đua đặc thù của tỉnh: siết chặt kỷ luật, kỷ cương hành chính, đồng tâm thực hiện thắng lợi các nhiệm vụ chính trị.",
        kind: CampaignKind::Regular,
        unit: "QN",
        dates: ((2023, 1, 1), (2025, 12, 31)),
        fields: &["KY-CUONG", "CCHC-CDS", "VAN-HOA"],
        criteria: &[
            (
                "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn",
                Measure::Percent,
                UP,
                "%",
                98,
                3,
                AVERAGE,
            ),
            (
                "Chỉ số hài lòng của người dân đối với sự phục vụ của cơ quan hành chính",
                Measure::Percent,
                UP,
                "%",
                90,
                2,
                LATEST,
            ),
            (
                "Số vụ vi phạm kỷ luật, kỷ cương hành chính",
                Measure::Count,
                DOWN,
                "vụ",
                0,
                2,
                SUM,
            ),
        ],
        milestones: &[
            (
                MilestoneKind::ReportingDeadline,
                "Báo cáo kết quả thi đua năm 2024",
                (2024, 11, 30),
                Some("Đã nhận báo cáo của 4/4 đơn vị đăng ký thi đua."),
            ),
            (
                MilestoneKind::InterimReview,
                "Sơ kết 2 năm thực hiện phong trào",
                (2024, 12, 20),
                None,
            ),
            (
                MilestoneKind::FinalReview,
                "Tổng kết phong trào giai đoạn 2023–2025",
                (2026, 1, 15),
                None,
            ),
        ],
        pledges: &[
            (
                "DEMO-SNV",
                "Giải quyết 100% hồ sơ thủ tục hành chính đúng hạn; không có cán bộ, công chức vi phạm kỷ luật, kỷ cương hành chính.",
            ),
            (
                "DEMO-P-HA-LONG",
                "98% hồ sơ giải quyết đúng và trước hạn; chỉ số hài lòng của người dân trên 90%; xây dựng 5 tổ dân phố văn minh, kỷ cương.",
            ),
            (
                "DEMO-P-BAI-CHAY",
                "Giữ gìn trật tự, văn minh đô thị du lịch; không để phát sinh điểm nóng về an ninh, trật tự.",
            ),
            (
                "DEMO-DK-VAN-DON",
                "100% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.",
            ),
        ],
        outcome: Outcome::Launched,
    },
    DemoCampaign {
        code: "DEMO-NTM-2024",
        title: "Thi đua xây dựng nông thôn mới nâng cao, nông thôn mới kiểu mẫu giai đoạn 2024–2027",
        summary: "Vùng đồng bào dân tộc thiểu số thoát nghèo bền vững, làm giàu, xây dựng xã nông thôn mới nâng cao và thôn nông thôn mới kiểu mẫu.",
        kind: CampaignKind::Thematic,
        unit: "QN",
        dates: ((2024, 3, 1), (2027, 12, 31)),
        fields: &["DTTS-NTM", "SXKD"],
        criteria: &[
            (
                "Tỷ lệ hộ nghèo (chuẩn nghèo đa chiều)",
                Measure::Percent,
                DOWN,
                "%",
                1,
                3,
                LATEST,
            ),
            (
                "Thu nhập bình quân đầu người khu vực nông thôn",
                Measure::Number,
                UP,
                "triệu đồng/người/năm",
                90,
                3,
                LATEST,
            ),
            (
                "Số thôn đạt chuẩn nông thôn mới kiểu mẫu",
                Measure::Count,
                UP,
                "thôn",
                5,
                2,
                LATEST,
            ),
            (
                "Số sản phẩm OCOP đạt từ 3 sao trở lên",
                Measure::Count,
                UP,
                "sản phẩm",
                3,
                1,
                LATEST,
            ),
        ],
        milestones: &[
            (
                MilestoneKind::InterimReview,
                "Sơ kết 2 năm thực hiện",
                (2025, 12, 20),
                Some("Đã tổ chức hội nghị sơ kết; 2 thôn được công nhận đạt chuẩn kiểu mẫu."),
            ),
            (
                MilestoneKind::ReportingDeadline,
                "Báo cáo kết quả năm 2026",
                (2026, 12, 5),
                None,
            ),
            (
                MilestoneKind::FinalReview,
                "Tổng kết phong trào giai đoạn 2024–2027",
                (2027, 12, 20),
                None,
            ),
        ],
        pledges: &[
            (
                "DEMO-X-QUANG-TAN",
                "Đạt chuẩn xã nông thôn mới nâng cao năm 2026; thêm 2 thôn nông thôn mới kiểu mẫu; tỷ lệ hộ nghèo dưới 1%.",
            ),
            (
                "DEMO-X-BA-CHE",
                "Phát triển 2 sản phẩm OCOP 3 sao từ quế và trà hoa vàng; thu nhập bình quân đầu người tăng 10%/năm.",
            ),
            (
                "DEMO-THON-QT-1",
                "Đạt chuẩn thôn nông thôn mới kiểu mẫu năm 2026.",
            ),
        ],
        outcome: Outcome::Launched,
    },
    DemoCampaign {
        code: "DEMO-CDS-GD-2027",
        title: "Thi đua đẩy mạnh chuyển đổi số trong trường học, học kỳ II năm học 2026–2027",
        summary: "Ứng dụng công nghệ thông tin trong dạy, học và quản lý: sổ điểm, học bạ điện tử, bài giảng điện tử.",
        kind: CampaignKind::Thematic,
        unit: "DEMO-SGDDT",
        dates: ((2027, 1, 15), (2027, 5, 31)),
        fields: &["GIAO-DUC", "CCHC-CDS"],
        criteria: &[
            (
                "Tỷ lệ trường sử dụng sổ điểm, học bạ điện tử",
                Measure::Percent,
                UP,
                "%",
                100,
                2,
                LATEST,
            ),
            (
                "Tỷ lệ giáo viên sử dụng bài giảng điện tử",
                Measure::Percent,
                UP,
                "%",
                90,
                2,
                LATEST,
            ),
            (
                "Số bài giảng e-learning được thẩm định, chia sẻ",
                Measure::Count,
                UP,
                "bài giảng",
                200,
                1,
                SUM,
            ),
        ],
        milestones: &[
            (
                MilestoneKind::ReportingDeadline,
                "Báo cáo giữa học kỳ II",
                (2027, 3, 15),
                None,
            ),
            (
                MilestoneKind::InterimReview,
                "Sơ kết giữa kỳ",
                (2027, 3, 31),
                None,
            ),
            (
                MilestoneKind::FinalReview,
                "Tổng kết năm học 2026–2027",
                (2027, 6, 10),
                None,
            ),
        ],
        pledges: &[],
        outcome: Outcome::Draft,
    },
    DemoCampaign {
        code: "DEMO-YT-2024",
        title: "Thi đua nâng cao chất lượng khám, chữa bệnh, hướng tới sự hài lòng của người bệnh năm 2024",
        summary: "Đổi mới phong cách, thái độ phục vụ; ứng dụng bệnh án điện tử; bảo đảm an toàn người bệnh.",
        kind: CampaignKind::Thematic,
        unit: "DEMO-SYT",
        dates: ((2024, 1, 1), (2024, 12, 31)),
        fields: &["Y-TE", "CCHC-CDS"],
        criteria: &[
            (
                "Tỷ lệ người bệnh hài lòng với dịch vụ y tế",
                Measure::Percent,
                UP,
                "%",
                95,
                3,
                AVERAGE,
            ),
            (
                "Tỷ lệ người dân có hồ sơ sức khỏe điện tử",
                Measure::Percent,
                UP,
                "%",
                90,
                2,
                LATEST,
            ),
            (
                "Số sự cố y khoa nghiêm trọng",
                Measure::Count,
                DOWN,
                "sự cố",
                0,
                1,
                SUM,
            ),
        ],
        milestones: &[
            (
                MilestoneKind::ReportingDeadline,
                "Báo cáo kết quả 6 tháng đầu năm",
                (2024, 6, 15),
                Some("Đã tổng hợp báo cáo 6 tháng."),
            ),
            (
                MilestoneKind::InterimReview,
                "Sơ kết 6 tháng",
                (2024, 7, 10),
                Some("Đã tổ chức sơ kết."),
            ),
            (
                MilestoneKind::FinalReview,
                "Tổng kết phong trào năm 2024",
                (2024, 12, 25),
                Some("Đã tổng kết, đề nghị khen thưởng 2 tập thể, 5 cá nhân."),
            ),
        ],
        pledges: &[
            (
                "DEMO-SYT",
                "100% bệnh viện triển khai bệnh án điện tử; tỷ lệ người bệnh hài lòng trên 95%.",
            ),
            (
                "DEMO-DK-CO-TO",
                "Bảo đảm khám, chữa bệnh cho người dân và du khách trên đảo; không để xảy ra sự cố y khoa nghiêm trọng.",
            ),
        ],
        outcome: Outcome::Closed,
    },
    DemoCampaign {
        code: "DEMO-CCHC-HUYEN-2025",
        title: "Thi đua đẩy mạnh cải cách hành chính cấp huyện năm 2025",
        summary: "Nâng cao chất lượng giải quyết thủ tục hành chính tại bộ phận một cửa cấp huyện.",
        kind: CampaignKind::Thematic,
        unit: "DEMO-SNV",
        dates: ((2025, 1, 1), (2025, 12, 31)),
        fields: &["CCHC-CDS"],
        criteria: &[(
            "Tỷ lệ thủ tục hành chính cấp huyện cung cấp trực tuyến toàn trình",
            Measure::Percent,
            UP,
            "%",
            100,
            1,
            LATEST,
        )],
        milestones: &[
            (
                MilestoneKind::ReportingDeadline,
                "Báo cáo kết quả 6 tháng",
                (2025, 6, 15),
                None,
            ),
            (
                MilestoneKind::InterimReview,
                "Sơ kết 6 tháng",
                (2025, 7, 15),
                None,
            ),
            (
                MilestoneKind::FinalReview,
                "Tổng kết năm 2025",
                (2025, 12, 20),
                None,
            ),
        ],
        pledges: &[],
        outcome: Outcome::Cancelled(
            "Từ ngày 01/7/2025 chính quyền địa phương tổ chức theo mô hình hai cấp, không còn cấp huyện; \
             nội dung thi đua được lồng ghép vào phong trào “Kỷ luật và Đồng tâm”.",
        ),
    },
    DemoCampaign {
        code: "DEMO-NSAT-THAN-2025",
        title: "Thi đua “Năng suất – Chất lượng – An toàn” trong các doanh nghiệp ngành than năm 2025",
        summary: "Thi đua lao động sản xuất trong các công ty than: vượt kế hoạch sản lượng, không để xảy ra tai nạn lao động, phát huy sáng kiến của công nhân trực tiếp sản xuất.",
        kind: CampaignKind::Thematic,
        unit: "QN",
        dates: ((2025, 1, 1), (2025, 12, 31)),
        fields: &["SXKD", "KINH-TE"],
        criteria: &[
            (
                "Sản lượng than nguyên khai trong tháng",
                Measure::Number,
                UP,
                "nghìn tấn",
                600,
                3,
                AVERAGE,
            ),
            (
                "Số vụ tai nạn lao động",
                Measure::Count,
                DOWN,
                "vụ",
                0,
                3,
                SUM,
            ),
            (
                "Số sáng kiến, cải tiến kỹ thuật được công nhận",
                Measure::Count,
                UP,
                "sáng kiến",
                4,
                1,
                SUM,
            ),
        ],
        milestones: &[
            (
                MilestoneKind::ReportingDeadline,
                "Báo cáo kết quả 6 tháng đầu năm 2025",
                (2025, 7, 10),
                Some("Đã nhận báo cáo của 3/3 công ty."),
            ),
            (
                MilestoneKind::FinalReview,
                "Tổng kết phong trào năm 2025",
                (2026, 1, 20),
                None,
            ),
        ],
        pledges: &[
            (
                "DEMO-THAN-HA-LAM",
                "Khai thác vượt 5% kế hoạch sản lượng; không để xảy ra tai nạn lao động nghiêm trọng; mỗi phân xưởng ít nhất một sáng kiến.",
            ),
            (
                "DEMO-THAN-MAO-KHE",
                "Hoàn thành kế hoạch sản lượng; cơ giới hóa thêm 2 lò chợ; an toàn tuyệt đối.",
            ),
            (
                "DEMO-THAN-VANG-DANH",
                "Giữ vững sản lượng trên 550 nghìn tấn mỗi tháng; 100% công nhân được huấn luyện an toàn.",
            ),
        ],
        outcome: Outcome::Launched,
    },
];

/// Creates the campaigns through their lifecycle; records their ids by code.
pub(super) async fn load(db: &impl ConnectionTrait, demo: &mut Demo) -> Result<(), StoreError> {
    let actor = demo.actor.clone();
    let actor = &actor;
    for c in CAMPAIGNS {
        let criteria = c
            .criteria
            .iter()
            .map(|&(title, measure, direction, label, target, weight, agg)| {
                NewCriterion::parse_with(
                    title,
                    measure,
                    direction,
                    Some(label),
                    Some(Decimal::from(target)),
                    Decimal::from(weight),
                    Some(agg),
                )
                .map_err(|errs| {
                    errs.into_iter().next().map_or_else(
                        || StoreError::Internal("bad demo criterion".into()),
                        StoreError::Invalid,
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let field_ids = c
            .fields
            .iter()
            .map(|f| demo.field(f))
            .collect::<Result<Vec<_>, _>>()?;
        let new = NewCampaign {
            code: Code::parse(c.code)?,
            title: demo_title(c.title)?,
            summary: long_text(c.summary)?,
            kind: c.kind,
            programme_id: Some(ProgrammeId::from_uuid(demo.programme_id)),
            launching_unit_id: demo.unit(c.unit)?,
            dates: DateRange::parse(date(c.dates.0)?, date(c.dates.1)?)?,
            field_ids,
            criteria,
        };
        let campaign = campaigns::create(db, actor, new).await?;
        demo.campaigns
            .insert(c.code, CampaignId::from_uuid(campaign.id));

        let mut done = Vec::new();
        for &(kind, title, due, note) in c.milestones {
            let owner = milestones::Owner::Campaign(CampaignId::from_uuid(campaign.id));
            let m = milestones::add(db, actor, owner, kind, demo_title(title)?, date(due)?).await?;
            if let Some(note) = note {
                done.push((m.id, note));
            }
        }

        if matches!(c.outcome, Outcome::Draft) {
            continue;
        }
        campaigns::launch(db, actor, CampaignId::from_uuid(campaign.id), None).await?;
        for &(unit, pledge) in c.pledges {
            participations::register(
                db,
                actor,
                CampaignId::from_uuid(campaign.id),
                demo.unit(unit)?,
                long_text(pledge)?,
            )
            .await?;
        }
        for (id, note) in done {
            milestones::complete(
                db,
                actor,
                MilestoneId::from_uuid(id),
                LongText::parse_optional(Some(note))?,
            )
            .await?;
        }
        let end = match c.outcome {
            Outcome::Draft | Outcome::Launched => None,
            Outcome::Closed => Some((CampaignStatus::Closed, None)),
            Outcome::Cancelled(reason) => {
                Some((CampaignStatus::Cancelled, Some(reason.to_owned())))
            }
        };
        if let Some((to, reason)) = end {
            campaigns::transition(
                db,
                actor,
                CampaignId::from_uuid(campaign.id),
                None,
                to,
                reason,
            )
            .await?;
        }
    }
    Ok(())
}
