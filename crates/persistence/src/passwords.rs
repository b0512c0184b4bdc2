//! Argon2 off the async workers: hashing and verifying run on tokio's blocking pool
//! behind a small semaphore, so a flood of sign-ins cannot occupy every core or every
//! HTTP worker. A caller that cannot get a slot within the wait is refused (`Busy`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::StoreError;

/// How many hashes may run at once, and how long a caller waits for a slot.
#[derive(Debug, Clone)]
pub struct PasswordPool {
    slots: Arc<Semaphore>,
    wait: Duration,
}

static POOL: OnceLock<PasswordPool> = OnceLock::new();

/// Half the cores (at least one): the other half stays free for ordinary requests.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .max(1)
}

impl PasswordPool {
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            wait,
        }
    }

    /// Sets the process-wide pool; the first call wins (a second server in the same
    /// process, as in tests, shares the first one's pool).
    pub fn install(self) {
        let _ = POOL.set(self);
    }

    /// The process-wide pool (the defaults when none was installed).
    pub fn global() -> &'static PasswordPool {
        POOL.get_or_init(|| PasswordPool::new(default_concurrency(), Duration::from_secs(1)))
    }

    /// Runs `work` on the blocking pool once a slot is free; `Busy` after the wait.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| StoreError::Busy)?
            .map_err(|_| StoreError::Busy)?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|_| StoreError::Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_caller_is_refused_when_every_slot_stays_taken() {
        let pool = PasswordPool::new(1, Duration::from_millis(20));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let p = pool.clone();
        let busy = tokio::spawn(async move { p.run(move || rx.recv().ok()).await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(matches!(pool.run(|| 1).await, Err(StoreError::Busy)));
        tx.send(()).ok();
        assert!(busy.await.is_ok_and(|r| r.is_ok()));
        assert_eq!(pool.run(|| 2).await.ok(), Some(2));
    }
}
