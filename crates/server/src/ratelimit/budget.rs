//! The time-window budget, charged once an operation has validated: its cost is the
//! complexity async-graphql computed (at least 1 point). Over budget, the operation is
//! refused with RATE_LIMITED, the reset time and the wait in `extensions`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_graphql::ServerError;
use async_graphql::extensions::ExtensionContext;
use thidua_api::Charge;
use thidua_api::guard::{BudgetNote, RateNotes};
use thidua_domain::ErrorCode;

use super::RateLimits;

/// Whose budget a request spends (request data; absent: no budget).
#[derive(Clone)]
pub struct BudgetCtx {
    pub limits: Arc<RateLimits>,
    /// `budget:user:<id>` or `budget:addr:<ip>`.
    pub key: String,
    pub points: u64,
}

/// The budget check, charged by the schema's extension ([`thidua_api::guards`]) once a
/// document has validated within the limits.
pub struct BudgetCharge;

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[async_trait::async_trait]
impl Charge for BudgetCharge {
    async fn charge(
        &self,
        ctx: &ExtensionContext<'_>,
        complexity: usize,
    ) -> Result<(), Vec<ServerError>> {
        let Some(b) = ctx.data_opt::<BudgetCtx>() else {
            return Ok(());
        };
        let cost = u64::try_from(complexity).unwrap_or(u64::MAX).max(1);
        let count = b.limits.store.incr(&b.key, cost, b.limits.window).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let reset_epoch = ceil_secs(now + count.resets_in);
        let remaining = b.points.saturating_sub(count.value);
        let notes = ctx.data_opt::<Arc<RateNotes>>();
        if let Some(n) = notes {
            n.set_budget(BudgetNote {
                limit: b.points,
                remaining,
                reset_epoch,
            });
        }
        if count.value <= b.points {
            return Ok(());
        }
        if let Some(n) = notes {
            n.retry_after(count.resets_in);
        }
        let reset_at = chrono::DateTime::<chrono::Utc>::from_timestamp(
            i64::try_from(reset_epoch).unwrap_or(i64::MAX),
            0,
        )
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
        let mut e = ServerError::new(
            thidua_api::i18n::text(&thidua_domain::msg!(
                "budget-spent",
                points = b.points,
                window = b.limits.window.as_secs(),
                reset = &reset_at
            )),
            None,
        );
        let x = e.extensions.get_or_insert_with(Default::default);
        x.set("code", ErrorCode::RateLimited.as_str());
        x.set("cost", cost);
        x.set("limit", b.points);
        x.set("remaining", remaining);
        x.set("resetAt", reset_at);
        x.set("retryAfter", ceil_secs(count.resets_in).max(1));
        Err(vec![e])
    }
}
