//! A year of monthly target snapshots (the last day of each month of 2025), so the
//! targets-over-time screen has a line to draw. Each quarter opens with a value entered
//! for every manual target of the province's programme (as an administrator enters one,
//! with its source), so their lines move; each snapshot is taken as an administrator
//! would take one ([`snapshots::take_for`]), audited.

use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use thidua_domain::id::TargetId;
use thidua_domain::target::TargetSource;

use super::{Demo, date};
use crate::entities::target;
use crate::error::StoreError;
use crate::{programme, snapshots};

const YEAR: i32 = 2025;

pub(super) async fn load(
    db: &impl ConnectionTrait,
    demo: &Demo,
    render: snapshots::RenderNote<'_>,
) -> Result<(), StoreError> {
    let manual = target::Entity::find()
        .filter(target::Column::ProgrammeId.eq(demo.programme_id))
        .filter(target::Column::Source.eq(TargetSource::Manual))
        .order_by_asc(target::Column::SortOrder)
        .all(db)
        .await?;
    for month in 1..=12_u32 {
        if month % 3 == 1 {
            let quarter = month / 3 + 1;
            for t in &manual {
                // 75 %, 80 %, 85 %, 90 % of the goal over the four quarters.
                let share = Decimal::from(70 + 5 * quarter) / Decimal::ONE_HUNDRED;
                programme::record_value(
                    db,
                    &demo.actor,
                    TargetId::from_uuid(t.id),
                    (t.target_value * share).round_dp(2),
                    date((YEAR, month, 1))?,
                    &format!(
                        "Báo cáo tình hình kinh tế – xã hội quý {quarter}/{YEAR} của UBND tỉnh (số liệu demo)"
                    ),
                )
                .await?;
            }
        }
        let last = if month == 12 {
            date((YEAR, 12, 31))?
        } else {
            date((YEAR, month + 1, 1))?
                .pred_opt()
                .ok_or_else(|| StoreError::Internal("bad demo date".into()))?
        };
        snapshots::take_for(db, &demo.actor, last, render).await?;
    }
    Ok(())
}
