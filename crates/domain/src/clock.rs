//! The time the server acts on: the system clock plus an offset. Production never moves
//! the offset; tests move it forward to see a session expire after 60 days without
//! waiting 60 days. Every rule that compares against "now" takes the time from here.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_moves_every_copy() {
        let c = Clock::default();
        let copy = c.clone();
        let before = copy.now();
        c.advance(Duration::days(61));
        assert!(copy.now() - before >= Duration::days(61));
    }
}
