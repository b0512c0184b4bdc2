//! Automatic persisted queries (the Apollo APQ convention) and trusted documents.
//!
//! A request may carry `extensions.persistedQuery = {version: 1, sha256Hash}`:
//! - with the hash only, the stored text runs (or `PersistedQueryNotFound`, and an Apollo
//!   client retries with the text);
//! - with the hash and the text, the text must hash to it; it runs and is stored.
//!
//! In strict mode (`--trusted-documents-only`) only documents registered in advance as
//! trusted (`thidua documents register`) run, by hash or by their exact text, and APQ
//! registration is refused.
//!
//! The `persisted_queries` table is the truth, shared by every replica; a bounded cache
//! of hits sits in front. Unknown hashes are not cached: another replica may store them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use thidua_domain::{Message, msg};

use async_graphql::{Request, Value};
use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};
use thidua_domain::ErrorCode;
use thidua_persistence::error::{DbFailure, classify};
use thidua_persistence::{Database, persisted_queries};

/// Cached query texts per process; past this the cache is emptied and refills from use.
pub const CACHE_CAPACITY: usize = 10_000;

/// The only APQ protocol version.
pub const VERSION: u64 = 1;

/// The sha256 of `text` in lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(text.as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Why a request's persisted query could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ApqError {
    /// No stored query under this hash: the client should resend with the text.
    #[error("PersistedQueryNotFound")]
    NotFound,
    /// A protocol version other than 1.
    #[error("PersistedQueryNotSupported")]
    NotSupported,
    #[error("provided sha256Hash does not match the query")]
    HashMismatch,
    #[error(
        "only trusted documents run on this server, and this operation is not one: register it with `thidua documents register`"
    )]
    NotTrusted,
    #[error("malformed persistedQuery extension: {0}")]
    Malformed(&'static str),
    #[error("the persisted-query store is unavailable")]
    Db(#[from] DbErr),
}

impl ApqError {
    /// The message a client sees. NotFound and NotSupported keep the protocol's own texts,
    /// which Apollo clients match on; the rest come from the catalogue.
    pub fn message(&self) -> Message {
        match self {
            Self::NotFound => msg!("apq-not-found"),
            Self::NotSupported => msg!("apq-not-supported"),
            Self::HashMismatch => msg!("apq-hash-mismatch"),
            Self::NotTrusted => msg!("apq-not-trusted"),
            Self::Malformed(m) => msg!("apq-malformed", detail = *m),
            Self::Db(_) => msg!("apq-store-unavailable"),
        }
    }

    /// The `extensions.code` a client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::PersistedQueryNotFound,
            Self::NotSupported => ErrorCode::PersistedQueryNotSupported,
            Self::HashMismatch => ErrorCode::PersistedQueryHashMismatch,
            Self::NotTrusted => ErrorCode::PersistedQueryNotTrusted,
            Self::Malformed(_) => ErrorCode::BadUserInput,
            // An outage reads as one everywhere: 503 SERVICE_UNAVAILABLE, not INTERNAL.
            Self::Db(e) => match classify(e) {
                DbFailure::Unavailable => ErrorCode::ServiceUnavailable,
                DbFailure::TimedOut => ErrorCode::Timeout,
                DbFailure::Other => ErrorCode::Internal,
            },
        }
    }
}

/// What to do with a request once its persisted query is resolved.
pub enum Resolved {
    /// Run it as it stands (its `query` now holds the text to run).
    Run(Box<Request>),
    /// Run it; if it passes the limits and validates, store its text under `hash`.
    Register { request: Box<Request>, hash: String },
}

#[derive(Clone)]
struct Cached {
    query: Arc<str>,
    trusted: bool,
}

/// The persisted-query store of one process: the database plus a bounded cache.
pub struct PersistedQueries {
    cache: Mutex<HashMap<String, Cached>>,
    capacity: usize,
    trusted_only: bool,
}

/// The `persistedQuery` extension of a request, if present: `Ok(Some(hash))`, with the
/// hash lower-cased (it may still be ill-formed; such a hash is simply never found).
fn persisted_query_hash(request: &Request) -> Result<Option<String>, ApqError> {
    let Some(pq) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(pq) = pq else {
        return Err(ApqError::Malformed("persistedQuery must be an object"));
    };
    let version = match pq.get("version") {
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    if version != Some(VERSION) {
        return Err(ApqError::NotSupported);
    }
    match pq.get("sha256Hash") {
        Some(Value::String(h)) => Ok(Some(h.to_ascii_lowercase())),
        _ => Err(ApqError::Malformed("sha256Hash must be a string")),
    }
}

/// Whether the request carries a `persistedQuery` extension (its text may then be absent).
pub fn has_persisted_query(request: &Request) -> bool {
    request.extensions.contains_key("persistedQuery")
}

impl PersistedQueries {
    pub fn new(trusted_only: bool) -> Self {
        Self::with_capacity(trusted_only, CACHE_CAPACITY)
    }

    pub fn with_capacity(trusted_only: bool, capacity: usize) -> Self {
        Self {
            cache: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            trusted_only,
        }
    }

    pub fn trusted_only(&self) -> bool {
        self.trusted_only
    }

    fn cached(&self, hash: &str) -> Option<Cached> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(hash).cloned()
    }

    fn remember(&self, hash: &str, entry: Cached) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= self.capacity && !cache.contains_key(hash) {
            cache.clear();
        }
        cache.insert(hash.to_owned(), entry);
    }

    /// The stored query under `hash`: from the cache, else from the database. In strict
    /// mode an untrusted cached entry is looked up again, since it may have been registered
    /// as trusted since (by the CLI, while this process runs).
    async fn lookup(
        &self,
        db: &impl ConnectionTrait,
        hash: &str,
    ) -> Result<Option<Cached>, ApqError> {
        if !is_sha256_hex(hash) {
            return Ok(None);
        }
        if let Some(c) = self
            .cached(hash)
            .filter(|c| c.trusted || !self.trusted_only)
        {
            return Ok(Some(c));
        }
        let Some(row) = persisted_queries::get(db, hash).await? else {
            return Ok(None);
        };
        let entry = Cached {
            query: Arc::from(row.query),
            trusted: row.trusted,
        };
        self.remember(hash, entry.clone());
        Ok(Some(entry))
    }

    /// Resolves the persisted query of `request`, if it carries one, and applies strict mode.
    pub async fn resolve(
        &self,
        db: &impl ConnectionTrait,
        mut request: Request,
    ) -> Result<Resolved, ApqError> {
        let hash = persisted_query_hash(&request)?;
        let has_text = !request.query.trim().is_empty();
        match (hash, has_text) {
            // A plain request: runs as it is, unless only trusted documents may run.
            (None, _) => {
                if self.trusted_only {
                    let hash = sha256_hex(&request.query);
                    match self.lookup(db, &hash).await? {
                        Some(c) if c.trusted && *c.query == *request.query => {}
                        _ => return Err(ApqError::NotTrusted),
                    }
                }
                Ok(Resolved::Run(Box::new(request)))
            }
            // The hash alone: run the stored text.
            (Some(hash), false) => {
                let c = self.lookup(db, &hash).await?.ok_or(ApqError::NotFound)?;
                if self.trusted_only && !c.trusted {
                    return Err(ApqError::NotTrusted);
                }
                request.query = c.query.to_string();
                Ok(Resolved::Run(Box::new(request)))
            }
            // Hash and text: a registration (or a trusted document sent in full).
            (Some(hash), true) => {
                if sha256_hex(&request.query) != hash {
                    return Err(ApqError::HashMismatch);
                }
                if self.trusted_only {
                    return match self.lookup(db, &hash).await? {
                        Some(c) if c.trusted && *c.query == *request.query => {
                            Ok(Resolved::Run(Box::new(request)))
                        }
                        _ => Err(ApqError::NotTrusted),
                    };
                }
                if self.cached(&hash).is_some() {
                    return Ok(Resolved::Run(Box::new(request)));
                }
                Ok(Resolved::Register {
                    request: Box::new(request),
                    hash,
                })
            }
        }
    }

    /// Stores `query` under `hash` (already checked to be its sha256) for every replica:
    /// one statement on the pool, in its writer's turn on SQLite (after the request's own
    /// transaction has ended, so never a second turn).
    pub async fn store(&self, db: &Database, hash: &str, query: &str) -> Result<(), DbErr> {
        let turn = db.write_turn().await?;
        persisted_queries::insert(&db.conn, hash, query, false).await?;
        drop(turn);
        // The row may have been there already, trusted: strict mode never trusts this
        // entry without looking again.
        self.remember(
            hash,
            Cached {
                query: Arc::from(query),
                trusted: false,
            },
        );
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("not a GraphQL document: {0}")]
    Parse(String),
    #[error("storing the document failed: {0}")]
    Db(#[from] DbErr),
}

/// Registers `text` as a trusted document (exactly as given: the hash is of these bytes)
/// and returns its sha256. The text must parse as an executable GraphQL document.
pub async fn register_trusted_document(
    db: &impl ConnectionTrait,
    text: &str,
) -> Result<String, RegisterError> {
    async_graphql::parser::parse_query(text).map_err(|e| RegisterError::Parse(e.to_string()))?;
    let hash = sha256_hex(text);
    persisted_queries::register_trusted(db, &hash, text).await?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_extension_is_read_strictly() {
        let req = |ext: serde_json::Value| -> Request {
            serde_json::from_value(serde_json::json!({"extensions": {"persistedQuery": ext}}))
                .unwrap()
        };
        let h = "ABCDEF".to_owned() + &"0".repeat(58);
        assert_eq!(
            persisted_query_hash(&req(serde_json::json!({"version": 1, "sha256Hash": h})))
                .unwrap()
                .as_deref(),
            Some(h.to_ascii_lowercase().as_str())
        );
        assert!(matches!(
            persisted_query_hash(&req(serde_json::json!({"version": 2, "sha256Hash": h}))),
            Err(ApqError::NotSupported)
        ));
        assert!(matches!(
            persisted_query_hash(&req(serde_json::json!({"sha256Hash": h}))),
            Err(ApqError::NotSupported)
        ));
        assert!(matches!(
            persisted_query_hash(&req(serde_json::json!({"version": 1}))),
            Err(ApqError::Malformed(_))
        ));
        assert!(matches!(
            persisted_query_hash(&req(serde_json::json!("x"))),
            Err(ApqError::Malformed(_))
        ));
        let plain: Request = serde_json::from_value(serde_json::json!({"query": "{a}"})).unwrap();
        assert!(persisted_query_hash(&plain).unwrap().is_none());
    }

    #[test]
    fn a_full_cache_is_emptied_before_it_grows() {
        let pq = PersistedQueries::with_capacity(false, 2);
        let e = || Cached {
            query: Arc::from("{ a }"),
            trusted: false,
        };
        pq.remember("a", e());
        pq.remember("b", e());
        pq.remember("b", e());
        assert!(pq.cached("a").is_some());
        pq.remember("c", e());
        assert!(pq.cached("a").is_none() && pq.cached("b").is_none());
        assert!(pq.cached("c").is_some());
    }
}
