//! The 2025 merger: each former district is succeeded by the unit that continues it,
//! through the ordinary succession command, so the former unit turns inactive, its people
//! move to the successor (keeping their history) and its honours show under the successor.

use sea_orm::ConnectionTrait;

use super::{Demo, Ymd, date};
use crate::error::StoreError;
use crate::org_units;

/// Two-level local government from 1 July 2025.
const MERGER: Ymd = (2025, 7, 1);

/// (former unit, successor)
const SUCCESSIONS: &[(&str, &str)] = &[
    ("DEMO-CU-TP-HA-LONG", "DEMO-P-HA-LONG"),
    ("DEMO-CU-H-BA-CHE", "DEMO-X-BA-CHE"),
    ("DEMO-CU-H-VAN-DON", "DEMO-DK-VAN-DON"),
];

pub(super) async fn load(db: &impl ConnectionTrait, demo: &Demo) -> Result<(), StoreError> {
    for &(old, successor) in SUCCESSIONS {
        org_units::record_succession(
            db,
            &demo.actor,
            demo.unit(old)?,
            demo.unit(successor)?,
            date(MERGER)?,
        )
        .await?;
    }
    Ok(())
}
