//! Demo emulation clusters (cụm, by place) and blocs (khối, by sector) with their members.

use sea_orm::ConnectionTrait;
use thidua_domain::id::ClusterId;
use thidua_domain::org_unit::ClusterKind;
use thidua_domain::text::Code;

use super::{Demo, demo_title};
use crate::clusters;
use crate::error::StoreError;

/// (code, name, kind, member unit codes)
const CLUSTERS: &[(&str, &str, ClusterKind, &[&str])] = &[
    (
        "DEMO-CUM-HA-LONG",
        "Cụm thi đua các phường khu vực Hạ Long",
        ClusterKind::Cluster,
        &["DEMO-P-HA-LONG", "DEMO-P-BAI-CHAY", "DEMO-P-HONG-GAI"],
    ),
    (
        "DEMO-CUM-BIEN-DAO",
        "Cụm thi đua các địa phương biên giới, biển đảo",
        ClusterKind::Cluster,
        &["DEMO-P-MONG-CAI-1", "DEMO-DK-VAN-DON", "DEMO-DK-CO-TO"],
    ),
    (
        "DEMO-CUM-MIEN-NUI",
        "Cụm thi đua các xã miền núi",
        ClusterKind::Cluster,
        &["DEMO-X-QUANG-TAN", "DEMO-X-BA-CHE"],
    ),
    (
        "DEMO-KHOI-SO-NGANH",
        "Khối thi đua các sở, ban, ngành",
        ClusterKind::Bloc,
        &["DEMO-SNV", "DEMO-SGDDT", "DEMO-SYT"],
    ),
    (
        "DEMO-KHOI-DOANH-NGHIEP",
        "Khối thi đua các doanh nghiệp ngành than",
        ClusterKind::Bloc,
        &[
            "DEMO-THAN-HA-LAM",
            "DEMO-THAN-MAO-KHE",
            "DEMO-THAN-VANG-DANH",
        ],
    ),
];

pub(super) async fn load(db: &impl ConnectionTrait, demo: &Demo) -> Result<(), StoreError> {
    for &(code, name, kind, members) in CLUSTERS {
        let c =
            clusters::create(db, &demo.actor, Code::parse(code)?, demo_title(name)?, kind).await?;
        let members = members
            .iter()
            .map(|m| demo.unit(m))
            .collect::<Result<Vec<_>, _>>()?;
        clusters::set_members(db, &demo.actor, ClusterId::from_uuid(c.id), &members).await?;
    }
    Ok(())
}
