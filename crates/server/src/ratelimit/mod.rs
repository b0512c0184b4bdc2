//! Rate limits: time-window budgets of query cost for every caller (GitHub's model)
//! and failed-sign-in throttling per username and per client address. Counters live in
//! this process, or in Redis when `THIDUA_REDIS_URL` is set, so replicas share them.

mod budget;
mod client;
mod logins;
mod store;

use std::net::IpAddr;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use std::sync::Arc;

use thidua_api::Caller;
use thidua_api::guard::{ClientAddr, LoginGuard, LoginThrottle, RateNotes};

pub use budget::{BudgetCharge, BudgetCtx};
pub use client::client_addr;
pub use logins::count_logins;
pub use store::Store;

use crate::config::RateLimitSettings;

/// Budgets and sign-in throttling with their settings.
pub struct RateLimits {
    store: Store,
    user_points: u64,
    anonymous_points: u64,
    window: Duration,
    failures_per_user: u64,
    failures_per_address: u64,
    lockout: Duration,
    lockout_max: Duration,
    trust_forwarded_for: bool,
}

impl RateLimits {
    /// In-process counters, or Redis ones when `redis_url` is set.
    pub async fn new(settings: &RateLimitSettings) -> anyhow::Result<Self> {
        let store = match settings
            .redis_url
            .as_ref()
            .map(|u| u.expose_secret())
            .filter(|u| !u.is_empty())
        {
            Some(url) => Store::redis(url, &settings.redis_prefix).await?,
            None => Store::in_process(),
        };
        Ok(Self {
            store,
            user_points: settings.budget_user_points,
            anonymous_points: settings.budget_anonymous_points,
            window: Duration::from_secs(settings.budget_window_secs.max(1)),
            failures_per_user: settings.login_failures_per_user.max(1),
            failures_per_address: settings.login_failures_per_address.max(1),
            lockout: Duration::from_secs(settings.login_lockout_secs.max(1)),
            lockout_max: Duration::from_secs(settings.login_lockout_max_secs.max(1)),
            trust_forwarded_for: settings.trust_forwarded_for,
        })
    }

    /// The client address of `req` as the limits see it (`X-Forwarded-For` when trusted).
    pub fn addr_of(&self, req: &actix_web::HttpRequest) -> IpAddr {
        client_addr(req, self.trust_forwarded_for)
    }

    /// The lockout after `failures` failures when `threshold` are allowed: the base,
    /// doubled for each failure past the threshold, at most the maximum.
    fn lockout_after(&self, failures: u64, threshold: u64) -> Option<Duration> {
        let past = failures.checked_sub(threshold)?;
        let factor = 1u32.checked_shl(u32::try_from(past).unwrap_or(u32::MAX));
        let d = factor
            .and_then(|f| self.lockout.checked_mul(f))
            .unwrap_or(self.lockout_max);
        Some(d.min(self.lockout_max))
    }
}

fn user_key(username: &str) -> (String, String) {
    (
        format!("login:fail:user:{username}"),
        format!("login:lock:user:{username}"),
    )
}

fn addr_key(addr: IpAddr) -> (String, String) {
    (
        format!("login:fail:addr:{addr}"),
        format!("login:lock:addr:{addr}"),
    )
}

#[async_trait::async_trait]
impl LoginThrottle for RateLimits {
    async fn check(&self, username: &str, addr: IpAddr) -> Result<(), Duration> {
        let user = self.store.ttl(&user_key(username).1).await;
        let address = self.store.ttl(&addr_key(addr).1).await;
        match user.max(address) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    async fn failed(&self, username: &str, addr: IpAddr) {
        let remember = self.lockout_max;
        for ((fail, lock), threshold) in [
            (user_key(username), self.failures_per_user),
            (addr_key(addr), self.failures_per_address),
        ] {
            let n = self.store.incr(&fail, 1, remember).await.value;
            if let Some(wait) = self.lockout_after(n, threshold) {
                self.store.extend(&lock, wait).await;
            }
        }
    }

    async fn succeeded(&self, username: &str) {
        let (fail, lock) = user_key(username);
        self.store.delete(&[fail, lock]).await;
    }

    async fn check_address(&self, addr: IpAddr) -> Result<(), Duration> {
        match self.store.ttl(&addr_key(addr).1).await {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    async fn failed_address(&self, addr: IpAddr) {
        let (fail, lock) = addr_key(addr);
        let n = self.store.incr(&fail, 1, self.lockout_max).await.value;
        if let Some(wait) = self.lockout_after(n, self.failures_per_address) {
            self.store.extend(&lock, wait).await;
        }
    }
}

/// What one request carries for the limits: its address, the sign-in throttle, its
/// budget and the notes the response headers are made from.
pub struct RequestLimits {
    addr: ClientAddr,
    guard: LoginGuard,
    budget: Option<BudgetCtx>,
    pub notes: Arc<RateNotes>,
}

impl RequestLimits {
    /// A signed-in user spends their own budget; anyone else their address's.
    pub fn new(limits: &Arc<RateLimits>, req: &actix_web::HttpRequest, caller: &Caller) -> Self {
        let addr = client_addr(req, limits.trust_forwarded_for);
        let (key, points) = match caller {
            Caller::User(a) => match (a.user_id, &a.client) {
                (Some(id), _) => (format!("budget:user:{id}"), limits.user_points),
                // A machine client spends a budget of its own, as a person does.
                (None, Some(c)) => (format!("budget:client:{}", c.client_id), limits.user_points),
                (None, None) => (format!("budget:addr:{addr}"), limits.anonymous_points),
            },
            Caller::Anonymous | Caller::InvalidToken => {
                (format!("budget:addr:{addr}"), limits.anonymous_points)
            }
        };
        Self {
            addr: ClientAddr(addr),
            guard: LoginGuard(limits.clone()),
            budget: (points > 0).then(|| BudgetCtx {
                limits: limits.clone(),
                key,
                points,
            }),
            notes: RateNotes::shared(),
        }
    }

    /// Puts this request's limits into an operation's data.
    pub fn attach(&self, r: async_graphql::Request) -> async_graphql::Request {
        let r = r
            .data(self.addr)
            .data(self.guard.clone())
            .data(self.notes.clone());
        match &self.budget {
            Some(b) => r.data(b.clone()),
            None => r,
        }
    }
}

/// `login` fields in the texts of a batch (texts too long to be run are skipped: the
/// token limit refuses them later).
/// Parses through [`async_graphql::Request::parsed_query`], which keeps the document, so
/// the limits and execution that follow do not parse it again.
pub fn logins_in(requests: &mut [async_graphql::Request], token_limit: usize) -> usize {
    requests
        .iter_mut()
        .filter(|r| thidua_api::limits::count_tokens(&r.query, token_limit) <= token_limit)
        .filter_map(|r| r.parsed_query().ok().map(count_logins))
        .fold(0usize, usize::saturating_add)
}

/// Adds `Retry-After` and `X-RateLimit-*` headers from what the request noted.
pub fn add_headers(resp: &mut HttpResponse, notes: &RateNotes) {
    let h = resp.headers_mut();
    if let Some(b) = notes.budget() {
        for (name, v) in [
            ("x-ratelimit-limit", b.limit),
            ("x-ratelimit-remaining", b.remaining),
            ("x-ratelimit-reset", b.reset_epoch),
        ] {
            h.insert(HeaderName::from_static(name), HeaderValue::from(v));
        }
    }
    if let Some(wait) = notes.wait() {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        h.insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    async fn limits() -> RateLimits {
        let s = crate::config::Cli::parse_from(["thidua"]).settings;
        RateLimits::new(&s.rate_limits)
            .await
            .expect("in-process limits")
    }

    #[tokio::test]
    async fn lockouts_double_past_the_threshold_up_to_the_maximum() {
        let l = limits().await;
        assert_eq!(l.lockout_after(4, 5), None);
        assert_eq!(l.lockout_after(5, 5), Some(Duration::from_secs(1)));
        assert_eq!(l.lockout_after(8, 5), Some(Duration::from_secs(8)));
        assert_eq!(l.lockout_after(40, 5), Some(Duration::from_secs(900)));
        assert_eq!(l.lockout_after(u64::MAX, 5), Some(Duration::from_secs(900)));
    }
}
