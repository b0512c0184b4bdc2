//! Demo exemplary models (điển hình tiên tiến) at every stage, collective and individual
//! (miners marked as direct workers), with replications in other units.

use sea_orm::ConnectionTrait;
use thidua_domain::exemplar::{ExemplarKind, ExemplarStage};
use thidua_domain::id::ExemplarId;

use super::{Demo, Ymd, date, demo_title, long_text};
use crate::error::StoreError;
use crate::exemplars::{self, NewExemplar};

struct DemoModel {
    /// How other steps (commendations) name the model.
    key: &'static str,
    name: &'static str,
    kind: ExemplarKind,
    home: &'static str,
    field: &'static str,
    campaign: Option<&'static str>,
    description: &'static str,
    direct_worker: bool,
    identified_on: Ymd,
    /// Stages after IDENTIFIED, in order, each with the day it was reached.
    stages: &'static [(ExemplarStage, Ymd)],
    /// (unit code, day, note): other units that took the model up.
    replications: &'static [(&'static str, Ymd, &'static str)],
}

use ExemplarKind::{Collective, Individual};
use ExemplarStage::{Nurtured, Recognised, Replicated};

const MODELS: &[DemoModel] = &[
    DemoModel {
        key: "tdp-rac-thai",
        name: "Mô hình “Tổ dân phố không rác thải nhựa”",
        kind: Collective,
        home: "DEMO-TDP-HL-5",
        field: "MOI-TRUONG",
        campaign: Some("DEMO-KLDT-2023"),
        description: "Phân loại rác tại nguồn, đổi rác thải nhựa lấy cây xanh; 100% hộ dân tham gia.",
        direct_worker: false,
        identified_on: (2024, 3, 5),
        stages: &[
            (Nurtured, (2024, 6, 1)),
            (Recognised, (2024, 12, 20)),
            (Replicated, (2025, 4, 15)),
        ],
        replications: &[
            (
                "DEMO-P-BAI-CHAY",
                (2025, 4, 15),
                "Nhân rộng tại 6 tổ dân phố.",
            ),
            (
                "DEMO-P-HONG-GAI",
                (2025, 6, 2),
                "Nhân rộng tại 4 tổ dân phố.",
            ),
            (
                "DEMO-DK-CO-TO",
                (2025, 9, 10),
                "Áp dụng tại các khu dân cư ven biển.",
            ),
        ],
    },
    DemoModel {
        key: "thon-thong-minh",
        name: "Mô hình “Thôn thông minh” ứng dụng chuyển đổi số trong quản lý thôn",
        kind: Collective,
        home: "DEMO-THON-QT-1",
        field: "DTTS-NTM",
        campaign: Some("DEMO-NTM-2024"),
        description: "Loa thông minh, nhóm Zalo thôn, bản đồ số hộ nghèo; người dân làm thủ tục trực tuyến tại nhà văn hóa.",
        direct_worker: false,
        identified_on: (2024, 5, 10),
        stages: &[(Nurtured, (2024, 9, 1)), (Recognised, (2025, 3, 20))],
        replications: &[(
            "DEMO-THON-BC-3",
            (2025, 8, 12),
            "Thôn 3 áp dụng từ tháng 8/2025.",
        )],
    },
    DemoModel {
        key: "benh-vien-xanh",
        name: "Mô hình “Bệnh viện xanh – sạch – đẹp – an toàn”",
        kind: Collective,
        home: "DEMO-SYT",
        field: "Y-TE",
        campaign: Some("DEMO-YT-2024"),
        description: "Cải tạo cảnh quan, giảm chất thải nhựa, khảo sát hài lòng người bệnh hằng tháng.",
        direct_worker: false,
        identified_on: (2024, 2, 1),
        stages: &[
            (Nurtured, (2024, 5, 1)),
            (Recognised, (2024, 11, 15)),
            (Replicated, (2025, 2, 10)),
        ],
        replications: &[(
            "DEMO-DK-VAN-DON",
            (2025, 2, 10),
            "Trung tâm Y tế đặc khu Vân Đồn áp dụng.",
        )],
    },
    DemoModel {
        key: "dan-van-kheo",
        name: "Mô hình “Dân vận khéo” trong giải phóng mặt bằng",
        kind: Collective,
        home: "DEMO-DK-VAN-DON",
        field: "KY-CUONG",
        campaign: None,
        description: "Cán bộ đến từng hộ, công khai phương án bồi thường; bàn giao mặt bằng đúng hạn.",
        direct_worker: false,
        identified_on: (2025, 3, 1),
        stages: &[(Nurtured, (2025, 7, 1))],
        replications: &[],
    },
    DemoModel {
        key: "tho-lo-ha-lam",
        name: "Thợ lò Nguyễn Văn Thắng, tổ trưởng tổ khai thác, Phân xưởng Khai thác 1",
        kind: Individual,
        home: "DEMO-THAN-HA-LAM-KT1",
        field: "SXKD",
        campaign: Some("DEMO-NSAT-THAN-2025"),
        description: "Tổ khai thác vượt 12% kế hoạch sản lượng, 5 năm liền không để xảy ra mất an toàn.",
        direct_worker: true,
        identified_on: (2025, 1, 15),
        stages: &[(Nurtured, (2025, 4, 1)), (Recognised, (2025, 10, 5))],
        replications: &[],
    },
    DemoModel {
        key: "sang-kien-mao-khe",
        name: "Công nhân Trần Đức Long với sáng kiến cải tiến giá thủy lực di động",
        kind: Individual,
        home: "DEMO-THAN-MAO-KHE-DL3",
        field: "SXKD",
        campaign: Some("DEMO-NSAT-THAN-2025"),
        description: "Sáng kiến rút ngắn thời gian chuyển diện khai thác, làm lợi hơn 2 tỷ đồng mỗi năm.",
        direct_worker: true,
        identified_on: (2025, 6, 20),
        stages: &[],
        replications: &[],
    },
    DemoModel {
        key: "px-vang-danh",
        name: "Tập thể công nhân lò chợ cơ giới hóa, Công ty Than Vàng Danh",
        kind: Collective,
        home: "DEMO-THAN-VANG-DANH",
        field: "SXKD",
        campaign: Some("DEMO-NSAT-THAN-2025"),
        description: "Lò chợ cơ giới hóa đồng bộ đạt năng suất cao nhất ngành than năm 2025.",
        direct_worker: false,
        identified_on: (2025, 2, 10),
        stages: &[
            (Nurtured, (2025, 5, 1)),
            (Recognised, (2025, 8, 1)),
            (Replicated, (2025, 11, 1)),
        ],
        replications: &[
            (
                "DEMO-THAN-HA-LAM",
                (2025, 11, 1),
                "Áp dụng tại lò chợ cơ giới hóa mức −300.",
            ),
            (
                "DEMO-THAN-MAO-KHE",
                (2025, 12, 1),
                "Áp dụng tại Phân xưởng Khai thác 2.",
            ),
        ],
    },
    DemoModel {
        key: "giao-vien-hon-gai",
        name: "Cô giáo Phạm Thu Hà với phương pháp dạy học STEM",
        kind: Individual,
        home: "DEMO-THPT-HON-GAI",
        field: "GIAO-DUC",
        campaign: None,
        description: "Xây dựng 30 bài giảng STEM dùng chung cho các trường trong tỉnh.",
        direct_worker: false,
        identified_on: (2025, 9, 15),
        stages: &[],
        replications: &[],
    },
];

pub(super) async fn load(db: &impl ConnectionTrait, demo: &mut Demo) -> Result<(), StoreError> {
    for m in MODELS {
        let campaign_id = match m.campaign {
            Some(c) => Some(demo.campaign(c)?),
            None => None,
        };
        let new = NewExemplar {
            name: demo_title(m.name)?,
            kind: m.kind,
            home_unit_id: demo.unit(m.home)?,
            field_id: Some(demo.field(m.field)?),
            campaign_id,
            description: long_text(m.description)?,
            is_direct_worker: m.direct_worker,
            identified_on: date(m.identified_on)?,
        };
        let saved = exemplars::create(db, &demo.actor, new).await?;
        let id = ExemplarId::from_uuid(saved.id);
        for &(stage, on) in m.stages {
            exemplars::change_stage(db, &demo.actor, id, stage, date(on)?, None).await?;
        }
        for &(unit, on, note) in m.replications {
            exemplars::replicate(
                db,
                &demo.actor,
                id,
                demo.unit(unit)?,
                date(on)?,
                Some(note.to_owned()),
            )
            .await?;
        }
        demo.exemplars.insert(m.key, id);
    }
    Ok(())
}
