//! A year of monthly target snapshots (the last day of each month of 2025), so the
//! targets-over-time screen has a line to draw. Each is taken as an administrator would
//! take one ([`snapshots::take_for`]), audited.

use sea_orm::ConnectionTrait;

use super::{Demo, date};
use crate::error::StoreError;
use crate::snapshots;

pub(super) async fn load(db: &impl ConnectionTrait, demo: &Demo) -> Result<(), StoreError> {
    for month in 1..=12_u32 {
        let last = if month == 12 {
            date((2025, 12, 31))?
        } else {
            date((2025, month + 1, 1))?
                .pred_opt()
                .ok_or_else(|| StoreError::Internal("bad demo date".into()))?
        };
        snapshots::take_for(db, &demo.actor, last).await?;
    }
    Ok(())
}
