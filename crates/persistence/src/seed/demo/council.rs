//! Demo council sessions (with their members) and commendations at every level
//! (grassroots, provincial, ministerial, central) left in every status the workflow has,
//! decided by secret ballots; several go to miners marked as direct workers.
//!
//! The province's council sits three times; a coal company's council confers the
//! grassroots titles its director decides (Law 06/2022, art. 80). State awards are
//! proposed upward: one is conferred by the higher authority, one still waits, one was
//! declined. A central body's own award reaches a miner directly, without a ballot; a
//! foreign expert is honoured (DOI_NGOAI) without a unit; and the former districts hold
//! a person and honours that carry over to their successors.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use thidua_domain::commendation::{CommendationKind, DecisionNumber, RawTally};
use thidua_domain::id::{AwardTypeId, CommendationId, CouncilSessionId, PersonId};
use thidua_domain::text::Title;

use super::{Demo, Ymd, date, demo_title, long_text};
use crate::awards::{self, AwardFilter};
use crate::commendations::{self, Decision, Nomination, Recipient};
use crate::council::{self, NewMember};
use crate::error::StoreError;
use crate::persons::{self, NewPerson};
use thidua_domain::UserErrorCode;

/// The provincial council as it sat in every demo session: (name, position).
const MEMBERS: &[Member] = &[
    ("Nguyễn Văn An", "Chủ tịch UBND tỉnh – Chủ tịch Hội đồng"),
    (
        "Trần Thị Bình",
        "Giám đốc Sở Nội vụ – Phó Chủ tịch thường trực",
    ),
    (
        "Lê Văn Cường",
        "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh – Phó Chủ tịch",
    ),
    (
        "Phạm Thị Dung",
        "Chủ tịch Liên đoàn Lao động tỉnh – Phó Chủ tịch",
    ),
    ("Hoàng Văn Em", "Giám đốc Sở Tài chính – Ủy viên"),
    ("Vũ Thị Giang", "Giám đốc Sở Giáo dục và Đào tạo – Ủy viên"),
    ("Đặng Văn Hải", "Giám đốc Sở Y tế – Ủy viên"),
    ("Bùi Thị Hoa", "Bí thư Tỉnh đoàn – Ủy viên"),
    ("Ngô Văn Khoa", "Chủ tịch Hội Nông dân tỉnh – Ủy viên"),
    ("Đỗ Thị Lan", "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh – Ủy viên"),
    (
        "Trịnh Văn Minh",
        "Trưởng ban Thi đua – Khen thưởng, Sở Nội vụ – Ủy viên, Thư ký",
    ),
];

/// The council of Công ty Than Hà Lầm (its director decides LĐTT, CSTĐ cơ sở and Giấy
/// khen for the company's own people).
const THL_MEMBERS: &[Member] = &[
    ("Phạm Văn Hòa", "Giám đốc Công ty – Chủ tịch Hội đồng"),
    ("Ngô Thị Hằng", "Chủ tịch Công đoàn Công ty – Phó Chủ tịch"),
    ("Lê Quang Huy", "Phó Giám đốc sản xuất – Ủy viên"),
    ("Trần Minh Đức", "Quản đốc Phân xưởng Khai thác 1 – Ủy viên"),
    ("Hà Văn Long", "Trưởng phòng An toàn – Ủy viên"),
    ("Đinh Văn Khánh", "Bí thư Đoàn Thanh niên Công ty – Ủy viên"),
    (
        "Vũ Thị Ngọc",
        "Trưởng phòng Tổ chức lao động – Ủy viên, Thư ký",
    ),
];

/// (name, position) of a council member.
type Member = (&'static str, &'static str);

/// (key, unit whose council sits, title, held on, members)
const SESSIONS: &[(&str, &str, &str, Ymd, &[Member])] = &[
    (
        "TK-2024",
        "QN",
        "Phiên họp Hội đồng Thi đua – Khen thưởng tỉnh xét khen thưởng tổng kết năm 2024",
        (2025, 1, 8),
        MEMBERS,
    ),
    (
        "SK-2025",
        "QN",
        "Phiên họp Hội đồng Thi đua – Khen thưởng tỉnh sơ kết 6 tháng đầu năm 2025",
        (2025, 7, 10),
        MEMBERS,
    ),
    (
        "THL-2025",
        "DEMO-THAN-HA-LAM",
        "Phiên họp Hội đồng Thi đua – Khen thưởng Công ty Than Hà Lầm xét khen thưởng năm 2025",
        (2025, 12, 22),
        THL_MEMBERS,
    ),
    (
        "TK-2025",
        "QN",
        "Phiên họp Hội đồng Thi đua – Khen thưởng tỉnh xét khen thưởng tổng kết năm 2025",
        (2025, 12, 26),
        MEMBERS,
    ),
];

/// How a session's members voted.
#[derive(Clone, Copy)]
enum Vote {
    /// Every member voted yes (one in writing): passes any threshold.
    All,
    Counted(RawTally),
}

impl Vote {
    fn tally(self, members: i32) -> RawTally {
        match self {
            Vote::All => RawTally {
                present: members - 1,
                in_writing: 1,
                yes: members,
                no: 0,
                abstain: 0,
            },
            Vote::Counted(t) => t,
        }
    }
}
/// 8 of 11 (72.7 %): passes a majority, fails 90 %.
const SHORT_OF_NINETY: Vote = Vote::Counted(RawTally {
    present: 10,
    in_writing: 0,
    yes: 8,
    no: 2,
    abstain: 0,
});
/// 5 of 11 (45.5 %): fails a majority.
const SHORT_OF_MAJORITY: Vote = Vote::Counted(RawTally {
    present: 9,
    in_writing: 0,
    yes: 5,
    no: 3,
    abstain: 1,
});

enum To {
    Unit(&'static str),
    Model(&'static str),
    Person {
        name: &'static str,
        position: &'static str,
        unit: &'static str,
        /// The day they joined the unit.
        since: Ymd,
    },
    /// A foreign recipient (DOI_NGOAI), outside the province's units.
    Foreigner {
        name: &'static str,
        position: &'static str,
    },
}

/// (number, date, issuing authority; `None` = the award type's own).
type Issued = (&'static str, Ymd, Option<&'static str>);

/// Where the nomination ends up; each later state passes through the earlier ones.
enum End {
    Nominated,
    /// Turned down without a ballot, with the reason.
    Rejected(&'static str),
    UnderReview(&'static str),
    /// A session's ballot decides: APPROVED or REJECTED by the award's threshold.
    Balloted(&'static str, Vote),
    /// Approved, then conferred by the session's unit or, for an award decided higher
    /// up, proposed 45 days before the decision and conferred by that authority.
    Conferred(&'static str, Issued),
    /// Approved, and its dossier sent on that day to the authority that decides it.
    ProposedUpward(&'static str, Ymd),
    /// Proposed upward on that day, and declined there with the reason.
    DeclinedUpward(&'static str, Ymd, &'static str),
    /// Conferred, then withdrawn with the reason.
    Revoked(&'static str, Issued, &'static str),
    /// Conferred by a central body on its own initiative: recorded as it is, no ballot.
    RecordedDirectly(Issued),
}

struct DemoCommendation {
    award: &'static str,
    kind: CommendationKind,
    to: To,
    nominating: &'static str,
    campaign: Option<&'static str>,
    direct_worker: bool,
    year: i32,
    citation: &'static str,
    end: End,
}

use CommendationKind::{Campaign, ForeignRelations, Merit};

const THL: &str = "Giám đốc Công ty Cổ phần Than Hà Lầm – Vinacomin";
const TVD: &str = "Giám đốc Công ty Cổ phần Than Vàng Danh – Vinacomin";
const PHL: &str = "Chủ tịch UBND phường Hạ Long";

const COMMENDATIONS: &[DemoCommendation] = &[
    // Grassroots.
    DemoCommendation {
        award: "GIAY-KHEN",
        kind: Merit,
        to: To::Person {
            name: "Nguyễn Văn Hùng",
            position: "Thợ lò, Phân xưởng Khai thác 1",
            unit: "DEMO-THAN-HA-LAM-KT1",
            since: (2016, 8, 1),
        },
        nominating: "DEMO-THAN-HA-LAM",
        campaign: None,
        direct_worker: true,
        year: 2025,
        citation: "Hoàn thành xuất sắc nhiệm vụ khai thác năm 2025, vượt 15% định mức.",
        end: End::Conferred("THL-2025", ("218/QĐ-THL", (2025, 12, 30), Some(THL))),
    },
    DemoCommendation {
        award: "LAO-DONG-TIEN-TIEN",
        kind: Merit,
        to: To::Person {
            name: "Bùi Văn Tới",
            position: "Thợ lò, Phân xưởng Khai thác 1",
            unit: "DEMO-THAN-HA-LAM-KT1",
            since: (2019, 4, 1),
        },
        nominating: "DEMO-THAN-HA-LAM",
        campaign: None,
        direct_worker: true,
        year: 2025,
        citation: "Hoàn thành tốt nhiệm vụ, bảo đảm ngày công và an toàn lao động năm 2025.",
        end: End::Conferred("THL-2025", ("219/QĐ-THL", (2025, 12, 30), Some(THL))),
    },
    DemoCommendation {
        award: "LAO-DONG-TIEN-TIEN",
        kind: Merit,
        to: To::Person {
            name: "Lê Văn Minh",
            position: "Công nhân đào lò, Phân xưởng Đào lò 3",
            unit: "DEMO-THAN-MAO-KHE-DL3",
            since: (2018, 3, 1),
        },
        nominating: "DEMO-THAN-MAO-KHE",
        campaign: None,
        direct_worker: true,
        year: 2025,
        citation: "Hoàn thành tốt nhiệm vụ, đảm bảo ngày công, an toàn lao động.",
        end: End::Balloted("TK-2025", Vote::All),
    },
    DemoCommendation {
        award: "CSTD-CO-SO",
        kind: Merit,
        to: To::Person {
            name: "Hoàng Văn Dũng",
            position: "Thợ cơ điện lò",
            unit: "DEMO-THAN-VANG-DANH",
            since: (2012, 9, 1),
        },
        nominating: "DEMO-THAN-VANG-DANH",
        campaign: None,
        direct_worker: true,
        year: 2025,
        citation: "Có sáng kiến sửa chữa máng cào được công nhận, làm lợi 300 triệu đồng.",
        end: End::Conferred("TK-2025", ("95/QĐ-VVD", (2025, 12, 29), Some(TVD))),
    },
    DemoCommendation {
        award: "TT-LAO-DONG-TIEN-TIEN",
        kind: Merit,
        to: To::Unit("DEMO-THON-QT-1"),
        nominating: "DEMO-X-QUANG-TAN",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Thôn đạt chuẩn nông thôn mới kiểu mẫu năm 2025.",
        end: End::Nominated,
    },
    DemoCommendation {
        award: "GIAY-KHEN",
        kind: Campaign,
        to: To::Unit("DEMO-TDP-HL-5"),
        nominating: "DEMO-P-HA-LONG",
        campaign: Some("DEMO-KLDT-2023"),
        direct_worker: false,
        year: 2024,
        citation: "Thành tích xuất sắc trong phong trào “Kỷ luật và Đồng tâm” năm 2024.",
        end: End::Revoked(
            "TK-2024",
            ("12/QĐ-UBND", (2025, 1, 15), Some(PHL)),
            "Thu hồi theo kết luận thanh tra: số liệu thành tích kê khai không đúng thực tế.",
        ),
    },
    DemoCommendation {
        award: "GIAY-KHEN",
        kind: Merit,
        to: To::Person {
            name: "Vũ Thị Lan",
            position: "Giáo viên",
            unit: "DEMO-THPT-HON-GAI",
            since: (2014, 8, 15),
        },
        nominating: "DEMO-SGDDT",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Có nhiều học sinh đạt giải học sinh giỏi cấp tỉnh.",
        end: End::Rejected("Hồ sơ thiếu báo cáo thành tích có xác nhận của thủ trưởng đơn vị."),
    },
    // Provincial.
    DemoCommendation {
        award: "BANG-KHEN-UBND-TINH",
        kind: Campaign,
        to: To::Unit("DEMO-P-HA-LONG"),
        nominating: "DEMO-SNV",
        campaign: Some("DEMO-KLDT-2023"),
        direct_worker: false,
        year: 2024,
        citation: "Dẫn đầu Cụm thi đua các phường khu vực Hạ Long năm 2024.",
        end: End::Conferred("TK-2024", ("215/QĐ-UBND", (2025, 1, 20), None)),
    },
    DemoCommendation {
        award: "TT-LAO-DONG-XUAT-SAC",
        kind: Merit,
        to: To::Unit("DEMO-CU-H-BA-CHE"),
        nominating: "DEMO-CU-H-BA-CHE",
        campaign: None,
        direct_worker: false,
        year: 2024,
        citation: "Hoàn thành xuất sắc các chỉ tiêu phát triển kinh tế – xã hội năm 2024.",
        end: End::Conferred("TK-2024", ("220/QĐ-UBND", (2025, 1, 20), None)),
    },
    DemoCommendation {
        award: "BANG-KHEN-UBND-TINH",
        kind: Merit,
        to: To::Model("tdp-rac-thai"),
        nominating: "DEMO-P-HA-LONG",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Mô hình bảo vệ môi trường tiêu biểu, được nhân rộng tại nhiều địa phương.",
        end: End::Conferred("SK-2025", ("2150/QĐ-UBND", (2025, 7, 25), None)),
    },
    DemoCommendation {
        award: "CO-THI-DUA-TINH",
        kind: Campaign,
        to: To::Unit("DEMO-THAN-HA-LAM"),
        nominating: "QN",
        campaign: Some("DEMO-NSAT-THAN-2025"),
        direct_worker: false,
        year: 2025,
        citation: "Dẫn đầu Khối thi đua các doanh nghiệp ngành than năm 2025.",
        end: End::Balloted("TK-2025", Vote::All),
    },
    DemoCommendation {
        award: "CSTD-TINH",
        kind: Merit,
        to: To::Model("tho-lo-ha-lam"),
        nominating: "DEMO-THAN-HA-LAM",
        campaign: None,
        direct_worker: true,
        year: 2025,
        citation: "Ba năm liền Chiến sĩ thi đua cơ sở; tổ khai thác vượt kế hoạch 12%.",
        end: End::UnderReview("TK-2025"),
    },
    DemoCommendation {
        award: "BANG-KHEN-UBND-TINH",
        kind: Merit,
        to: To::Person {
            name: "Đỗ Minh Tuấn",
            position: "Phó Chủ tịch UBND phường Bãi Cháy",
            unit: "DEMO-P-BAI-CHAY",
            since: (2025, 7, 1),
        },
        nominating: "DEMO-P-BAI-CHAY",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Có thành tích trong công tác bảo đảm trật tự đô thị du lịch.",
        end: End::Balloted("TK-2025", SHORT_OF_MAJORITY),
    },
    DemoCommendation {
        award: "BANG-KHEN-UBND-TINH",
        kind: Merit,
        to: To::Person {
            name: "Phạm Thị Thu Trang",
            position: "Phó Giám đốc Trung tâm Hành chính công thành phố Hạ Long",
            unit: "DEMO-CU-TP-HA-LONG",
            since: (2019, 3, 1),
        },
        nominating: "DEMO-CU-TP-HA-LONG",
        campaign: None,
        direct_worker: false,
        year: 2024,
        citation: "Có thành tích xuất sắc trong cải cách thủ tục hành chính năm 2024.",
        end: End::Conferred("TK-2024", ("228/QĐ-UBND", (2025, 1, 20), None)),
    },
    DemoCommendation {
        award: "BANG-KHEN-UBND-TINH",
        kind: ForeignRelations,
        to: To::Foreigner {
            name: "Tomasz Nowak",
            position: "Chuyên gia chuyển giao công nghệ lò chợ cơ giới hóa đồng bộ",
        },
        nominating: "DEMO-THAN-VANG-DANH",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Có đóng góp tích cực trong chuyển giao công nghệ lò chợ cơ giới hóa tại Công ty Than Vàng Danh.",
        end: End::Conferred("TK-2025", ("48/QĐ-UBND", (2026, 1, 8), None)),
    },
    // Ministerial: a central body's own award, recorded as conferred.
    DemoCommendation {
        award: "BANG-KHEN-TLD",
        kind: Merit,
        to: To::Person {
            name: "Đặng Văn Quyết",
            position: "Thợ lò, Phân xưởng Khai thác 1",
            unit: "DEMO-THAN-HA-LAM-KT1",
            since: (2013, 6, 1),
        },
        nominating: "DEMO-THAN-HA-LAM",
        campaign: None,
        direct_worker: true,
        year: 2025,
        citation: "Công nhân lao động giỏi tiêu biểu nhân Tháng Công nhân năm 2025.",
        end: End::RecordedDirectly(("1205/QĐ-TLĐ", (2025, 5, 20), None)),
    },
    // Central.
    DemoCommendation {
        award: "BANG-KHEN-TTG",
        kind: Merit,
        to: To::Person {
            name: "Nguyễn Văn Thành",
            position: "Thợ lò chợ, Phân xưởng Khai thác 1",
            unit: "DEMO-THAN-HA-LAM-KT1",
            since: (2010, 5, 1),
        },
        nominating: "DEMO-THAN-HA-LAM",
        campaign: None,
        direct_worker: true,
        year: 2024,
        citation: "Thợ lò giỏi toàn ngành than năm 2024.",
        end: End::Conferred("TK-2024", ("395/QĐ-TTg", (2025, 3, 12), None)),
    },
    DemoCommendation {
        award: "BANG-KHEN-TTG",
        kind: Merit,
        to: To::Model("px-vang-danh"),
        nominating: "QN",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Lò chợ cơ giới hóa đạt năng suất cao nhất ngành than năm 2025.",
        end: End::Conferred("TK-2025", ("152/QĐ-TTg", (2026, 2, 10), None)),
    },
    DemoCommendation {
        award: "BANG-KHEN-TTG",
        kind: Merit,
        to: To::Model("benh-vien-xanh"),
        nominating: "DEMO-SYT",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Mô hình bệnh viện xanh được nhân rộng trong toàn tỉnh.",
        end: End::Conferred("TK-2025", ("310/QĐ-TTg", (2026, 3, 18), None)),
    },
    DemoCommendation {
        award: "HUAN-CHUONG-LD-3",
        kind: Merit,
        to: To::Unit("DEMO-THAN-MAO-KHE"),
        nominating: "QN",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Thành tích xuất sắc trong sản xuất, kinh doanh giai đoạn 2021–2025.",
        end: End::ProposedUpward("TK-2025", (2026, 1, 12)),
    },
    DemoCommendation {
        award: "BANG-KHEN-TTG",
        kind: Merit,
        to: To::Unit("DEMO-THAN-MAO-KHE-DL3"),
        nominating: "DEMO-THAN-MAO-KHE",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Đào lò vượt 20% kế hoạch, an toàn tuyệt đối năm 2025.",
        end: End::DeclinedUpward(
            "TK-2025",
            (2026, 1, 12),
            "Ban Thi đua – Khen thưởng Trung ương trả lại hồ sơ: thiếu ý kiến hiệp y của Tập đoàn Công nghiệp Than – Khoáng sản Việt Nam; đề nghị bổ sung và trình lại.",
        ),
    },
    DemoCommendation {
        award: "CO-THI-DUA-CP",
        kind: Merit,
        to: To::Unit("DEMO-DK-VAN-DON"),
        nominating: "QN",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Dẫn đầu phong trào thi đua của tỉnh năm 2025.",
        end: End::Nominated,
    },
    DemoCommendation {
        award: "CSTD-TOAN-QUOC",
        kind: Merit,
        to: To::Person {
            name: "Trần Văn Bình",
            position: "Quản đốc Phân xưởng Đào lò 3",
            unit: "DEMO-THAN-MAO-KHE-DL3",
            since: (2008, 10, 1),
        },
        nominating: "DEMO-THAN-MAO-KHE",
        campaign: None,
        direct_worker: false,
        year: 2025,
        citation: "Hai lần Chiến sĩ thi đua cấp tỉnh; sáng kiến cấp ngành.",
        end: End::Balloted("TK-2025", SHORT_OF_NINETY),
    },
];

/// Sessions, then commendations in order.
pub(super) async fn load(db: &impl ConnectionTrait, demo: &Demo) -> Result<(), StoreError> {
    let sessions = sessions(db, demo).await?;
    let session = |key: &str| {
        sessions
            .get(key)
            .copied()
            .ok_or(StoreError::NotFound("demo council session"))
    };
    let awards: HashMap<String, AwardTypeId> = awards::list(db, &AwardFilter::default())
        .await?
        .into_iter()
        .map(|a| (a.code, AwardTypeId::from_uuid(a.id)))
        .collect();
    let actor = &demo.actor;
    // One record per person (name and unit): a person honoured twice is one person.
    let mut people: HashMap<(&str, &str), PersonId> = HashMap::new();
    for c in COMMENDATIONS {
        let recipient = match c.to {
            To::Unit(u) => Recipient::Unit(demo.unit(u)?),
            To::Model(m) => Recipient::Exemplar(demo.exemplar(m)?),
            To::Person {
                name,
                position,
                unit,
                since,
            } => {
                let id = match people.get(&(name, unit)) {
                    Some(id) => *id,
                    None => {
                        let p = NewPerson {
                            name: Title::parse(name)?,
                            position: Some(Title::parse(position)?),
                            unit_id: Some(demo.unit(unit)?),
                            national_id: None,
                            since: Some(date(since)?),
                        };
                        let id = PersonId::from_uuid(persons::create(db, actor, p, None).await?.id);
                        people.insert((name, unit), id);
                        id
                    }
                };
                Recipient::Person {
                    id,
                    position: Some(Title::parse(position)?),
                }
            }
            To::Foreigner { name, position } => Recipient::NewPerson(NewPerson {
                name: Title::parse(name)?,
                position: Some(Title::parse(position)?),
                unit_id: None,
                national_id: None,
                since: None,
            }),
        };
        let campaign_id = match c.campaign {
            Some(code) => Some(demo.campaign(code)?),
            None => None,
        };
        let n = Nomination {
            award_type_id: awards
                .get(c.award)
                .copied()
                .ok_or(StoreError::NotFound("award type"))?,
            kind: c.kind,
            recipient,
            nominating_unit_id: demo.unit(c.nominating)?,
            campaign_id,
            exemplar_id: None,
            is_direct_worker: c.direct_worker,
            award_year: c.year,
            citation: long_text(c.citation)?,
            initiative_reference: None,
        };
        let id = match c.end {
            End::RecordedDirectly(issued) => {
                commendations::record_conferred(db, actor, n, decision(issued)?).await?;
                continue;
            }
            _ => CommendationId::from_uuid(commendations::nominate(db, actor, n).await?.id),
        };
        let (key, vote, issued) = match c.end {
            End::Nominated | End::RecordedDirectly(_) => continue,
            End::Rejected(reason) => {
                commendations::reject(db, actor, id, reason).await?;
                continue;
            }
            End::UnderReview(s) => (s, None, None),
            End::Balloted(s, v) => (s, Some(v), None),
            End::ProposedUpward(s, _) | End::DeclinedUpward(s, _, _) => (s, Some(Vote::All), None),
            End::Conferred(s, i) | End::Revoked(s, i, _) => (s, Some(Vote::All), Some(i)),
        };
        let (session_id, members) = session(key)?;
        commendations::submit_for_review(db, actor, id, session_id).await?;
        if let Some(v) = vote {
            commendations::record_ballot(db, actor, id, v.tally(members), None).await?;
        }
        if let Some(issued) = issued {
            let d = decision(issued)?;
            let proposed_on = d.date - chrono::Duration::days(45);
            match commendations::confer(db, actor, id, d.clone()).await {
                Ok(_) => {}
                // A state award: the province's council only proposes it; the higher
                // authority decides (Đ83), as the real path runs.
                Err(StoreError::Invalid(f)) if f.code == UserErrorCode::OutsideAuthority => {
                    commendations::propose_upward(db, actor, id, proposed_on).await?;
                    commendations::record_upward_decision(db, actor, id, d).await?;
                }
                Err(e) => return Err(e),
            }
        }
        match c.end {
            End::ProposedUpward(_, on) => {
                commendations::propose_upward(db, actor, id, date(on)?).await?;
            }
            End::DeclinedUpward(_, on, reason) => {
                commendations::propose_upward(db, actor, id, date(on)?).await?;
                commendations::decline_upward(db, actor, id, reason).await?;
            }
            End::Revoked(_, _, reason) => {
                commendations::revoke(db, actor, id, reason).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn decision((number, on, authority): Issued) -> Result<Decision, StoreError> {
    Ok(Decision {
        number: DecisionNumber::parse(number)?,
        date: date(on)?,
        authority: authority.map(Title::parse).transpose()?,
    })
}

/// Creates the sessions; returns each one's id and member count by key.
async fn sessions(
    db: &impl ConnectionTrait,
    demo: &Demo,
) -> Result<HashMap<&'static str, (CouncilSessionId, i32)>, StoreError> {
    let mut ids = HashMap::new();
    for &(key, unit, title, held_on, members) in SESSIONS {
        let members = members
            .iter()
            .map(|&(name, position)| {
                Ok(NewMember {
                    name: Title::parse(name)?,
                    position: Some(Title::parse(position)?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let s = council::create_session(
            db,
            &demo.actor,
            Some(demo.unit(unit)?),
            demo_title(title)?,
            date(held_on)?,
            members,
        )
        .await?;
        ids.insert(key, (CouncilSessionId::from_uuid(s.id), s.member_count));
    }
    Ok(ids)
}
