//! Demo units (the province after the 2025 reorganisation, its coal companies, and the
//! former districts it replaced) and one user per role. The former districts start
//! active, so their people and honours are recorded as they were before 1 July 2025;
//! the `succession` step then hands them over to their successors.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use thidua_domain::access::{Actor, Grant, Role};
use thidua_domain::id::{UnitId, UserId};
use thidua_domain::org_unit::OrgUnitKind;
use thidua_domain::text::Code;

use super::{DEMO_PASSWORD, demo_title};
use crate::entities::org_unit;
use crate::error::StoreError;
use crate::org_units::{self, NewUnit};
use crate::users::{self, NewUser};

/// (parent code, code, name, kind); parents come before their children.
const UNITS: &[(&str, &str, &str, OrgUnitKind)] = &[
    ("QN", "DEMO-SNV", "Sở Nội vụ", OrgUnitKind::Department),
    (
        "QN",
        "DEMO-SGDDT",
        "Sở Giáo dục và Đào tạo",
        OrgUnitKind::Department,
    ),
    ("QN", "DEMO-SYT", "Sở Y tế", OrgUnitKind::Department),
    ("QN", "DEMO-P-HA-LONG", "Phường Hạ Long", OrgUnitKind::Ward),
    (
        "QN",
        "DEMO-P-BAI-CHAY",
        "Phường Bãi Cháy",
        OrgUnitKind::Ward,
    ),
    (
        "QN",
        "DEMO-P-HONG-GAI",
        "Phường Hồng Gai",
        OrgUnitKind::Ward,
    ),
    (
        "QN",
        "DEMO-P-MONG-CAI-1",
        "Phường Móng Cái 1",
        OrgUnitKind::Ward,
    ),
    (
        "QN",
        "DEMO-X-QUANG-TAN",
        "Xã Quảng Tân",
        OrgUnitKind::Commune,
    ),
    ("QN", "DEMO-X-BA-CHE", "Xã Ba Chẽ", OrgUnitKind::Commune),
    (
        "QN",
        "DEMO-DK-VAN-DON",
        "Đặc khu Vân Đồn",
        OrgUnitKind::SpecialZone,
    ),
    (
        "QN",
        "DEMO-DK-CO-TO",
        "Đặc khu Cô Tô",
        OrgUnitKind::SpecialZone,
    ),
    (
        "DEMO-P-HA-LONG",
        "DEMO-TDP-HL-5",
        "Tổ dân phố 5, phường Hạ Long",
        OrgUnitKind::ResidentialGroup,
    ),
    (
        "DEMO-X-QUANG-TAN",
        "DEMO-THON-QT-1",
        "Thôn 1, xã Quảng Tân",
        OrgUnitKind::Village,
    ),
    (
        "DEMO-X-BA-CHE",
        "DEMO-THON-BC-3",
        "Thôn 3, xã Ba Chẽ",
        OrgUnitKind::Village,
    ),
    (
        "DEMO-SGDDT",
        "DEMO-THPT-HON-GAI",
        "Trường THPT Hòn Gai",
        OrgUnitKind::School,
    ),
    // Coal companies (TKV subsidiaries): most direct workers are miners.
    (
        "QN",
        "DEMO-THAN-HA-LAM",
        "Công ty Cổ phần Than Hà Lầm – Vinacomin",
        OrgUnitKind::Enterprise,
    ),
    (
        "QN",
        "DEMO-THAN-MAO-KHE",
        "Công ty Than Mạo Khê – TKV",
        OrgUnitKind::Enterprise,
    ),
    (
        "QN",
        "DEMO-THAN-VANG-DANH",
        "Công ty Cổ phần Than Vàng Danh – Vinacomin",
        OrgUnitKind::Enterprise,
    ),
    (
        "DEMO-THAN-HA-LAM",
        "DEMO-THAN-HA-LAM-KT1",
        "Phân xưởng Khai thác 1, Công ty Than Hà Lầm",
        OrgUnitKind::Other,
    ),
    (
        "DEMO-THAN-MAO-KHE",
        "DEMO-THAN-MAO-KHE-DL3",
        "Phân xưởng Đào lò 3, Công ty Than Mạo Khê",
        OrgUnitKind::Other,
    ),
];

/// District-level units dissolved on 1 July 2025 (two-level local government), so the
/// history screens have former units; their successors are recorded by `succession`.
/// (code, name)
const FORMER_UNITS: &[(&str, &str)] = &[
    ("DEMO-CU-TP-HA-LONG", "Thành phố Hạ Long (trước 01/7/2025)"),
    ("DEMO-CU-H-BA-CHE", "Huyện Ba Chẽ (trước 01/7/2025)"),
    ("DEMO-CU-H-VAN-DON", "Huyện Vân Đồn (trước 01/7/2025)"),
];

/// (username, display name, role, unit code): one user per role.
const USERS: &[(&str, &str, Role, &str)] = &[
    ("demo.admin", "Quản trị viên", Role::Admin, "QN"),
    (
        "demo.council",
        "Thành viên Hội đồng Thi đua – Khen thưởng tỉnh",
        Role::Council,
        "QN",
    ),
    (
        "demo.manager",
        "Cán bộ phụ trách thi đua phường Hạ Long",
        Role::Manager,
        "DEMO-P-HA-LONG",
    ),
    (
        "demo.reporter",
        "Cán bộ báo cáo phường Hạ Long",
        Role::Reporter,
        "DEMO-P-HA-LONG",
    ),
    ("demo.viewer", "Người xem", Role::Viewer, "QN"),
];

type Units = HashMap<&'static str, UnitId>;

fn get(units: &Units, code: &str) -> Result<UnitId, StoreError> {
    units
        .get(code)
        .copied()
        .ok_or(StoreError::NotFound("demo unit"))
}

/// Creates the units and users; returns the units by code and the demo administrator,
/// who acts for every later step (campaigns record a real user as their creator).
pub(super) async fn load(
    db: &impl ConnectionTrait,
    system: &Actor,
    root: &org_unit::Model,
) -> Result<(Units, Actor), StoreError> {
    let mut units: Units =
        HashMap::from([(super::super::ROOT_UNIT_CODE, UnitId::from_uuid(root.id))]);
    for &(parent, code, name, kind) in UNITS {
        let unit = NewUnit {
            code: Code::parse(code)?,
            name: demo_title(name)?,
            kind,
            parent_id: Some(get(&units, parent)?),
        };
        let saved = org_units::create(db, system, unit).await?;
        units.insert(code, UnitId::from_uuid(saved.id));
    }
    for &(code, name) in FORMER_UNITS {
        let unit = NewUnit {
            code: Code::parse(code)?,
            name: demo_title(name)?,
            kind: OrgUnitKind::Other,
            parent_id: Some(UnitId::from_uuid(root.id)),
        };
        let saved = org_units::create(db, system, unit).await?;
        units.insert(code, UnitId::from_uuid(saved.id));
    }

    let mut admin = None;
    for &(username, display_name, role, unit) in USERS {
        let new = NewUser {
            username: username.into(),
            display_name: demo_title(display_name)?.into_inner(),
            password: DEMO_PASSWORD.into(),
        };
        // Each demo account lives in the unit of its role, so its unit's administrators
        // manage it.
        let profile = users::Profile {
            unit_id: Some(get(&units, unit)?),
            ..users::Profile::default()
        };
        let user = users::create_with(db, system, new, profile, true).await?;
        users::grant(
            db,
            system,
            UserId::from_uuid(user.id),
            role,
            get(&units, unit)?,
            true,
        )
        .await?;
        if role == Role::Admin {
            admin = Some(user);
        }
    }
    let admin = admin.ok_or(StoreError::NotFound("demo admin"))?;
    let actor = Actor {
        user_id: Some(admin.id),
        label: admin.username.clone(),
        grants: vec![Grant {
            role: Role::Admin,
            unit_path: root.path.clone(),
        }],
        request_id: "seed-demo".into(),
        client: None,
    };
    Ok((units, actor))
}
