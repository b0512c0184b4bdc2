//! What the HTTP layer hands a request so that sign-in can be throttled: the client's
//! address, the throttle itself, and a note of any rate-limit verdict for the response
//! headers (`Retry-After`, `X-RateLimit-*`).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The client address of this request (the TCP peer, or `X-Forwarded-For` when trusted).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// Failed-sign-in throttling, per username and per client address.
#[async_trait::async_trait]
pub trait LoginThrottle: Send + Sync {
    /// `Err(wait)` while the username or the address is locked out.
    async fn check(&self, username: &str, addr: IpAddr) -> Result<(), Duration>;
    /// Counts a failed attempt; may start (or lengthen) a lockout.
    async fn failed(&self, username: &str, addr: IpAddr);
    /// A successful sign-in clears the username's count.
    async fn succeeded(&self, username: &str);
    /// `Err(wait)` while the address is locked out (for attempts that name no user, such
    /// as a refresh token that matches nothing).
    async fn check_address(&self, addr: IpAddr) -> Result<(), Duration>;
    /// Counts a failed attempt against the address alone.
    async fn failed_address(&self, addr: IpAddr);
}

/// The throttle a request's `login` consults (request data).
#[derive(Clone)]
pub struct LoginGuard(pub Arc<dyn LoginThrottle>);

/// A time-window budget as it stands after this request's charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetNote {
    pub limit: u64,
    pub remaining: u64,
    /// Unix time (seconds) at which the window resets.
    pub reset_epoch: u64,
}

/// Filled while a request runs, read by the HTTP layer for the response headers.
#[derive(Debug, Default)]
pub struct RateNotes {
    inner: Mutex<NotesInner>,
}

#[derive(Debug, Default, Clone, Copy)]
struct NotesInner {
    budget: Option<BudgetNote>,
    retry_after: Option<Duration>,
}

impl RateNotes {
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn set_budget(&self, note: BudgetNote) {
        if let Ok(mut g) = self.inner.lock() {
            g.budget = Some(note);
        }
    }

    /// Keeps the longest wait asked of the client.
    pub fn retry_after(&self, wait: Duration) {
        if let Ok(mut g) = self.inner.lock() {
            g.retry_after = Some(g.retry_after.map_or(wait, |w| w.max(wait)));
        }
    }

    pub fn budget(&self) -> Option<BudgetNote> {
        self.inner.lock().ok().and_then(|g| g.budget)
    }

    pub fn wait(&self) -> Option<Duration> {
        self.inner.lock().ok().and_then(|g| g.retry_after)
    }
}

/// This request's sign-in throttle and client address, when the HTTP layer gave them.
pub(crate) fn throttle(ctx: &async_graphql::Context<'_>) -> Option<(LoginGuard, std::net::IpAddr)> {
    let guard = ctx.data_opt::<LoginGuard>().cloned();
    let addr = ctx.data_opt::<ClientAddr>().map(|a| a.0);
    guard.zip(addr)
}

/// Asks the client to wait (`Retry-After`) at least `wait`.
pub(crate) fn note_retry(ctx: &async_graphql::Context<'_>, wait: Duration) {
    if let Some(notes) = ctx.data_opt::<Arc<RateNotes>>() {
        notes.retry_after(wait);
    }
}
