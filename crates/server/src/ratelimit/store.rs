//! Fixed-window counters and lockouts: in this process, or in Redis so that every
//! replica shares them. When Redis does not answer (within [`REDIS_WAIT`]) a call falls
//! back to this process's own counters and logs a warning: limits then hold per replica
//! until Redis answers again, rather than failing every request or letting all through.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// The longest a request waits for Redis before using the in-process counters.
const REDIS_WAIT: Duration = Duration::from_millis(250);

/// How long after a failed connection attempt the next one is made.
const RECONNECT_EVERY: Duration = Duration::from_secs(5);

/// Entries kept before expired ones are swept from the in-process map.
const SWEEP_ABOVE: usize = 10_000;

/// A counter after an increment: its value and how long until its window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub value: u64,
    pub resets_in: Duration,
}

pub struct Store {
    memory: Memory,
    redis: Option<Redis>,
}

impl Store {
    pub fn in_process() -> Self {
        Self {
            memory: Memory::default(),
            redis: None,
        }
    }

    /// Shared through Redis at `url` (keys start with `prefix`). A URL that does not
    /// parse is an error; a server that does not answer yet is not (see the module doc).
    pub async fn redis(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let redis = Redis {
            client,
            prefix: prefix.to_owned(),
            conn: tokio::sync::Mutex::new(None),
            last_attempt: Mutex::new(None),
            incr: redis::Script::new(INCR_SCRIPT),
        };
        if redis.connection().await.is_none() {
            tracing::warn!("Redis does not answer yet: rate limits hold per replica until it does");
        }
        Ok(Self {
            memory: Memory::default(),
            redis: Some(redis),
        })
    }

    /// Adds `by` to `key`'s counter; a new counter's window is `window` long.
    pub async fn incr(&self, key: &str, by: u64, window: Duration) -> Count {
        if let Some(r) = &self.redis {
            match r.incr(key, by, window).await {
                Some(c) => return c,
                None => r.warn_fallback(),
            }
        }
        self.memory.incr(key, by, window)
    }

    /// How long `key` still lives (a lockout), if it exists.
    pub async fn ttl(&self, key: &str) -> Option<Duration> {
        if let Some(r) = &self.redis {
            match r.ttl(key).await {
                Some(t) => return t,
                None => r.warn_fallback(),
            }
        }
        self.memory.ttl(key)
    }

    /// Sets `key` (a lockout) to expire after `ttl`, unless it already lives longer.
    pub async fn extend(&self, key: &str, ttl: Duration) {
        if let Some(r) = &self.redis {
            if r.extend(key, ttl).await.is_some() {
                return;
            }
            r.warn_fallback();
        }
        self.memory.extend(key, ttl);
    }

    pub async fn delete(&self, keys: &[String]) {
        if let Some(r) = &self.redis {
            if r.delete(keys).await.is_some() {
                return;
            }
            r.warn_fallback();
        }
        self.memory.delete(keys);
    }
}

#[derive(Default)]
struct Memory {
    entries: Mutex<HashMap<String, (u64, Instant)>>,
}

impl Memory {
    fn incr(&self, key: &str, by: u64, window: Duration) -> Count {
        let now = Instant::now();
        let Ok(mut map) = self.entries.lock() else {
            return Count {
                value: 0,
                resets_in: window,
            };
        };
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, (_, until)| *until > now);
        }
        let e = map.entry(key.to_owned()).or_insert((0, now + window));
        if e.1 <= now {
            *e = (0, now + window);
        }
        e.0 = e.0.saturating_add(by);
        Count {
            value: e.0,
            resets_in: e.1.saturating_duration_since(now),
        }
    }

    fn ttl(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let map = self.entries.lock().ok()?;
        map.get(key)
            .map(|(_, until)| until.saturating_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    fn extend(&self, key: &str, ttl: Duration) {
        let until = Instant::now() + ttl;
        if let Ok(mut map) = self.entries.lock() {
            let e = map.entry(key.to_owned()).or_insert((1, until));
            e.1 = e.1.max(until);
        }
    }

    fn delete(&self, keys: &[String]) {
        if let Ok(mut map) = self.entries.lock() {
            for k in keys {
                map.remove(k);
            }
        }
    }
}

/// INCRBY with the window set on the first increment; returns {value, ms to reset}.
const INCR_SCRIPT: &str = r"
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  t = tonumber(ARGV[2])
end
return {v, t}
";

struct Redis {
    client: redis::Client,
    prefix: String,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    last_attempt: Mutex<Option<Instant>>,
    incr: redis::Script,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Redis {
    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The connection, made on first use; retried at most every [`RECONNECT_EVERY`].
    async fn connection(&self) -> Option<ConnectionManager> {
        let mut guard = tokio::time::timeout(REDIS_WAIT, self.conn.lock())
            .await
            .ok()?;
        if let Some(c) = guard.as_ref() {
            return Some(c.clone());
        }
        {
            let mut last = self.last_attempt.lock().ok()?;
            if last.is_some_and(|t| t.elapsed() < RECONNECT_EVERY) {
                return None;
            }
            *last = Some(Instant::now());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(REDIS_WAIT)
            .set_response_timeout(REDIS_WAIT)
            .set_number_of_retries(1);
        let made = tokio::time::timeout(
            REDIS_WAIT * 2,
            self.client.get_connection_manager_with_config(config),
        )
        .await;
        match made {
            Ok(Ok(c)) => {
                *guard = Some(c.clone());
                Some(c)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "connecting to Redis failed");
                None
            }
            Err(_) => None,
        }
    }

    async fn run<T>(
        &self,
        f: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Option<T> {
        let mut c = self.connection().await?;
        match tokio::time::timeout(REDIS_WAIT, f(&mut c)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "a Redis call failed");
                None
            }
            Err(_) => None,
        }
    }

    async fn incr(&self, key: &str, by: u64, window: Duration) -> Option<Count> {
        let k = self.key(key);
        let (value, pttl): (u64, i64) = self
            .run(async |c| {
                self.incr
                    .key(&k)
                    .arg(by)
                    .arg(ms(window))
                    .invoke_async(c)
                    .await
            })
            .await?;
        Some(Count {
            value,
            resets_in: Duration::from_millis(u64::try_from(pttl).unwrap_or(0)),
        })
    }

    async fn ttl(&self, key: &str) -> Option<Option<Duration>> {
        let k = self.key(key);
        let pttl: i64 = self
            .run(async |c| redis::cmd("PTTL").arg(&k).query_async(c).await)
            .await?;
        Some(
            u64::try_from(pttl)
                .ok()
                .filter(|&t| t > 0)
                .map(Duration::from_millis),
        )
    }

    async fn extend(&self, key: &str, ttl: Duration) -> Option<()> {
        let k = self.key(key);
        let ttl = ms(ttl);
        self.run(async |c| {
            // Set it if missing, then only ever lengthen its life (PEXPIRE GT, Redis 7).
            redis::pipe()
                .cmd("SET")
                .arg(&k)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&k)
                .arg(ttl)
                .arg("GT")
                .ignore()
                .query_async::<()>(c)
                .await
        })
        .await
    }

    async fn delete(&self, keys: &[String]) -> Option<()> {
        let ks: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        self.run(async |c| redis::cmd("DEL").arg(&ks).query_async::<()>(c).await)
            .await
    }

    /// At most one warning per [`RECONNECT_EVERY`] (a Redis outage must not flood the log).
    fn warn_fallback(&self) {
        static LAST: Mutex<Option<Instant>> = Mutex::new(None);
        if let Ok(mut last) = LAST.lock()
            && last.is_none_or(|t| t.elapsed() >= RECONNECT_EVERY)
        {
            *last = Some(Instant::now());
            tracing::warn!("Redis is unavailable: using this replica's own rate-limit counters");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_counter_restarts_after_its_window() {
        let s = Store::in_process();
        let w = Duration::from_millis(30);
        assert_eq!(s.incr("k", 2, w).await.value, 2);
        assert_eq!(s.incr("k", 3, w).await.value, 5);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(s.incr("k", 1, w).await.value, 1);
    }

    #[tokio::test]
    async fn a_lockout_only_lengthens_and_can_be_cleared() {
        let s = Store::in_process();
        s.extend("lock", Duration::from_secs(60)).await;
        s.extend("lock", Duration::from_secs(1)).await;
        assert!(
            s.ttl("lock")
                .await
                .is_some_and(|t| t > Duration::from_secs(50))
        );
        s.delete(&["lock".to_owned()]).await;
        assert_eq!(s.ttl("lock").await, None);
    }

    #[tokio::test]
    async fn an_unreachable_redis_falls_back_to_the_process_counters() {
        let s = Store::redis("redis://127.0.0.1:1", "t:").await;
        let s = s.expect("a valid URL");
        let w = Duration::from_secs(60);
        assert_eq!(s.incr("k", 1, w).await.value, 1);
        assert_eq!(s.incr("k", 1, w).await.value, 2);
    }
}
