//! Access tokens: short-lived HS256 JWTs with issuer, audience, expiry and not-before
//! checked and the algorithm pinned (a token claiming `alg: none` or RS256 is refused).
//! A token must also look like one this server issues: issued in the past and living no
//! longer than the configured TTL, so a leaked secret cannot mint week-long tokens.
//!
//! Each token names its signing key (`kid`, a fingerprint of the secret) and its session
//! (`sid`). The server signs with one key and accepts several, so the key rotates without
//! signing anyone out (README, "Rotating the signing key"); the session is checked on
//! every request, so a revoked session's token stops working at once.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Clone)]
pub struct TokenKeys {
    signing_kid: String,
    encoding: EncodingKey,
    accepted: HashMap<String, DecodingKey>,
    issuer: String,
    audience: String,
    ttl: Duration,
    /// Lifetime of export links (see [`TokenKeys::issue_link`]).
    link_ttl: Duration,
    /// Lifetime of machine clients' tokens (see [`TokenKeys::issue_client`]).
    client_ttl: Duration,
}

/// A machine client's access token: no session (`sid`), a `typ` no person's token has,
/// and the scopes and subtree it was issued for.
#[derive(Debug, Serialize, Deserialize)]
struct ClientClaims {
    /// The client's id.
    sub: String,
    name: String,
    typ: String,
    /// Space-separated scopes granted to this token.
    scope: String,
    /// The id of the unit whose subtree the client acts on.
    subtree: String,
    jti: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    nbf: i64,
}

const CLIENT_TYP: &str = "client";
/// Machine clients' tokens live 5 minutes unless configured otherwise.
pub const DEFAULT_CLIENT_TTL: Duration = Duration::from_secs(5 * 60);

/// Who a valid client token names, and what it was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSubject {
    pub client_id: Uuid,
    pub name: String,
    /// Space-separated, as issued.
    pub scope: String,
    pub subtree_unit_id: Uuid,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    name: String,
    /// The session this token belongs to.
    sid: String,
    /// Unique per token, so two tokens issued in the same second differ.
    #[serde(default)]
    jti: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// What an export link binds: who, in which session, and exactly which export with which
/// query string. Its audience differs from the access tokens', and it carries `typ`.
#[derive(Debug, Serialize, Deserialize)]
struct LinkClaims {
    sub: String,
    name: String,
    sid: String,
    jti: String,
    typ: String,
    /// The export's path, `/exports/<name>`.
    path: String,
    /// The query string without `link`, exactly as signed.
    q: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    nbf: i64,
}

const LINK_TYP: &str = "export-link";
const LINK_AUDIENCE_SUFFIX: &str = ":export-link";
/// Export links live 5 minutes unless configured otherwise.
pub const DEFAULT_LINK_TTL: Duration = Duration::from_secs(5 * 60);

/// What a valid export link allows: the subject may fetch `path` with query string `query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkGrant {
    pub subject: TokenSubject,
    pub path: String,
    pub query: String,
}

/// Clock skew tolerated between replicas (and for `exp`, `nbf`, `iat`), in seconds.
const LEEWAY_SECS: i64 = 5;

/// Who a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSubject {
    pub user_id: Uuid,
    pub username: String,
    pub session_id: Uuid,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token is invalid or expired")]
    Invalid,
    #[error("the access token could not be issued")]
    Issue,
}

/// The `kid` of a secret: the first 16 hex digits of its SHA-256 (with a label, so it is
/// no hash anyone else computes). Stable, so every replica names a key alike without a
/// name to configure.
pub fn key_id(secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"thidua-jwt-kid:");
    h.update(secret);
    let digest = h.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl TokenKeys {
    /// Signs with `secret`; accepts it and each of `also_accepted`.
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Self {
        Self::with_accepted(secret, &[], issuer, audience, ttl)
    }

    pub fn with_accepted(
        secret: &[u8],
        also_accepted: &[Vec<u8>],
        issuer: &str,
        audience: &str,
        ttl: Duration,
    ) -> Self {
        let accepted = std::iter::once(secret)
            .chain(also_accepted.iter().map(Vec::as_slice))
            .map(|s| (key_id(s), DecodingKey::from_secret(s)))
            .collect();
        Self {
            signing_kid: key_id(secret),
            encoding: EncodingKey::from_secret(secret),
            accepted,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
            link_ttl: DEFAULT_LINK_TTL,
            client_ttl: DEFAULT_CLIENT_TTL,
        }
    }

    /// The same keys, with client tokens living `ttl`.
    pub fn with_client_ttl(mut self, ttl: Duration) -> Self {
        self.client_ttl = ttl;
        self
    }

    pub fn client_ttl(&self) -> Duration {
        self.client_ttl
    }

    /// A client token (`client_credentials` grant) living the client TTL.
    pub fn issue_client(
        &self,
        subject: &ClientSubject,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let ttl = chrono::Duration::from_std(self.client_ttl).map_err(|_| TokenError::Issue)?;
        let exp = now + ttl;
        let claims = ClientClaims {
            sub: subject.client_id.to_string(),
            name: subject.name.clone(),
            typ: CLIENT_TYP.into(),
            scope: subject.scope.clone(),
            subtree: subject.subtree_unit_id.to_string(),
            jti: Uuid::new_v4().simple().to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            nbf: now.timestamp(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        let token = encode(&header, &claims, &self.encoding).map_err(|_| TokenError::Issue)?;
        Ok((token, exp))
    }

    /// Checks a client token as [`TokenKeys::verify`] checks a person's, against the
    /// client TTL and `typ`. A person's token (no `typ`) or an export link is no client
    /// token, and a client token (no `sid`) passes for neither.
    pub fn verify_client(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<ClientSubject, TokenError> {
        let c: ClientClaims = self.signed_claims(token, &self.audience)?;
        let ttl = i64::try_from(self.client_ttl.as_secs()).unwrap_or(i64::MAX);
        let t = now.timestamp();
        if c.typ != CLIENT_TYP
            || c.exp.saturating_add(LEEWAY_SECS) <= t
            || c.nbf > t.saturating_add(LEEWAY_SECS)
            || c.iat > t.saturating_add(LEEWAY_SECS)
            || c.exp.saturating_sub(c.iat) > ttl.saturating_add(LEEWAY_SECS)
        {
            return Err(TokenError::Invalid);
        }
        Ok(ClientSubject {
            client_id: Uuid::parse_str(&c.sub).map_err(|_| TokenError::Invalid)?,
            name: c.name,
            scope: c.scope,
            subtree_unit_id: Uuid::parse_str(&c.subtree).map_err(|_| TokenError::Invalid)?,
        })
    }

    /// The same keys, with export links living `ttl`.
    pub fn with_link_ttl(mut self, ttl: Duration) -> Self {
        self.link_ttl = ttl;
        self
    }

    pub fn link_ttl(&self) -> Duration {
        self.link_ttl
    }

    /// The audience of export links: never the access tokens' one, so neither kind of
    /// token passes for the other.
    fn link_audience(&self) -> String {
        format!("{}{LINK_AUDIENCE_SUFFIX}", self.audience)
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The `kid` new tokens carry.
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    /// The `kid`s accepted, sorted.
    pub fn accepted_kids(&self) -> Vec<String> {
        let mut v: Vec<_> = self.accepted.keys().cloned().collect();
        v.sort();
        v
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        username: &str,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let ttl = chrono::Duration::from_std(self.ttl).map_err(|_| TokenError::Issue)?;
        let exp = now + ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            name: username.to_owned(),
            sid: session_id.to_string(),
            jti: Uuid::new_v4().simple().to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            nbf: Some(now.timestamp()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        let token = encode(&header, &claims, &self.encoding).map_err(|_| TokenError::Issue)?;
        Ok((token, exp))
    }

    /// A signed export link for `path` with exactly `query`, living the link TTL.
    pub fn issue_link(
        &self,
        subject: &TokenSubject,
        path: &str,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let ttl = chrono::Duration::from_std(self.link_ttl).map_err(|_| TokenError::Issue)?;
        let exp = now + ttl;
        let claims = LinkClaims {
            sub: subject.user_id.to_string(),
            name: subject.username.clone(),
            sid: subject.session_id.to_string(),
            jti: Uuid::new_v4().simple().to_string(),
            typ: LINK_TYP.into(),
            path: path.to_owned(),
            q: query.to_owned(),
            iss: self.issuer.clone(),
            aud: self.link_audience(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            nbf: now.timestamp(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        let token = encode(&header, &claims, &self.encoding).map_err(|_| TokenError::Issue)?;
        Ok((token, exp))
    }

    /// The claims of a token signed by an accepted key (by its `kid`) for `audience` from
    /// this issuer. Time claims are left to the caller, which checks them against the
    /// server's clock (tests move it), not the system's.
    fn signed_claims<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<C, TokenError> {
        if token.len() > 4096 {
            return Err(TokenError::Invalid);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.accepted.get(kid))
            .ok_or(TokenError::Invalid)?;
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_exp = false;
        v.validate_nbf = false;
        Ok(decode::<C>(token, key, &v)
            .map_err(|_| TokenError::Invalid)?
            .claims)
    }

    /// Checks an export link as [`TokenKeys::verify`] checks an access token, against the
    /// links' audience, `typ` and TTL. An access token is no link.
    pub fn verify_link(&self, token: &str, now: DateTime<Utc>) -> Result<LinkGrant, TokenError> {
        let c: LinkClaims = self.signed_claims(token, &self.link_audience())?;
        let ttl = i64::try_from(self.link_ttl.as_secs()).unwrap_or(i64::MAX);
        let t = now.timestamp();
        if c.typ != LINK_TYP
            || c.exp.saturating_add(LEEWAY_SECS) <= t
            || c.nbf > t.saturating_add(LEEWAY_SECS)
            || c.iat > t.saturating_add(LEEWAY_SECS)
            || c.exp.saturating_sub(c.iat) > ttl.saturating_add(LEEWAY_SECS)
        {
            return Err(TokenError::Invalid);
        }
        Ok(LinkGrant {
            subject: TokenSubject {
                user_id: Uuid::parse_str(&c.sub).map_err(|_| TokenError::Invalid)?,
                username: c.name,
                session_id: Uuid::parse_str(&c.sid).map_err(|_| TokenError::Invalid)?,
            },
            path: c.path,
            query: c.q,
        })
    }

    /// Checks signature, issuer, audience and every time claim against `now` (the
    /// server's clock, which tests move).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenSubject, TokenError> {
        let c: Claims = self.signed_claims(token, &self.audience)?;
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let t = now.timestamp();
        let expired = c.exp.saturating_add(LEEWAY_SECS) <= t;
        let not_yet = c.nbf.is_some_and(|nbf| nbf > t.saturating_add(LEEWAY_SECS));
        let issued_in_future = c.iat > t.saturating_add(LEEWAY_SECS);
        let lives_too_long = c.exp.saturating_sub(c.iat) > ttl.saturating_add(LEEWAY_SECS);
        if expired || not_yet || issued_in_future || lives_too_long {
            return Err(TokenError::Invalid);
        }
        let user_id = Uuid::parse_str(&c.sub).map_err(|_| TokenError::Invalid)?;
        let session_id = Uuid::parse_str(&c.sid).map_err(|_| TokenError::Invalid)?;
        Ok(TokenSubject {
            user_id,
            username: c.name,
            session_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::new(SECRET, "thidua", "thidua-api", Duration::from_secs(900))
    }

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn issued_tokens_verify_and_expired_ones_do_not() {
        let k = keys();
        let (id, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let (t, _) = k.issue(id, "a", sid, now()).unwrap();
        let s = k.verify(&t, now()).unwrap();
        assert_eq!((s.user_id, s.session_id), (id, sid));
        let (old, _) = k
            .issue(id, "a", sid, now() - chrono::Duration::hours(2))
            .unwrap();
        assert_eq!(k.verify(&old, now()), Err(TokenError::Invalid));
        // The same token, checked by a clock moved past its end.
        assert_eq!(
            k.verify(&t, now() + chrono::Duration::minutes(16)),
            Err(TokenError::Invalid)
        );
    }

    /// A token with the right secret, issuer and audience and the given time claims.
    fn signed(iat: i64, exp: i64, nbf: Option<i64>) -> String {
        let claims = Claims {
            sub: Uuid::now_v7().to_string(),
            name: "a".into(),
            sid: Uuid::now_v7().to_string(),
            jti: String::new(),
            iss: "thidua".into(),
            aud: "thidua-api".into(),
            iat,
            exp,
            nbf,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key_id(SECRET));
        encode(&header, &claims, &EncodingKey::from_secret(SECRET)).unwrap()
    }

    #[test]
    fn issued_tokens_carry_nbf_and_pass_every_time_check() {
        let k = keys();
        let n = now().timestamp();
        assert!(k.verify(&signed(n, n + 900, Some(n)), now()).is_ok());
        // Within the leeway on each check.
        assert!(
            k.verify(&signed(n + 3, n + 903, Some(n + 3)), now())
                .is_ok()
        );
        assert!(k.verify(&signed(n - 10, n + 895, None), now()).is_ok());
    }

    #[test]
    fn a_token_not_yet_valid_is_refused() {
        let n = now().timestamp();
        let t = signed(n, n + 600, Some(n + 120));
        assert_eq!(keys().verify(&t, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let n = now().timestamp();
        let t = signed(n + 60, n + 600, None);
        assert_eq!(keys().verify(&t, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_living_longer_than_the_ttl_is_refused() {
        let n = now().timestamp();
        // TTL 900 s: a week-long token, and one a minute too long, are refused.
        let week = signed(n, n + 7 * 24 * 3600, None);
        assert_eq!(keys().verify(&week, now()), Err(TokenError::Invalid));
        let t = signed(n - 60, n + 900, None);
        assert_eq!(keys().verify(&t, now()), Err(TokenError::Invalid));
        // Backdating iat does not help: the lifetime counts from iat.
        let backdated = signed(n - 3600, n + 900, None);
        assert_eq!(keys().verify(&backdated, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_without_iat_sid_or_kid_is_refused() {
        let n = now().timestamp();
        let claims = serde_json::json!({
            "sub": Uuid::now_v7().to_string(), "name": "a", "iss": "thidua",
            "sid": Uuid::now_v7().to_string(), "aud": "thidua-api", "exp": n + 600,
        });
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key_id(SECRET));
        let key = EncodingKey::from_secret(SECRET);
        let t = encode(&header, &claims, &key).unwrap();
        assert_eq!(keys().verify(&t, now()), Err(TokenError::Invalid));
        let no_sid = serde_json::json!({
            "sub": Uuid::now_v7().to_string(), "name": "a", "iss": "thidua",
            "aud": "thidua-api", "iat": n, "exp": n + 600,
        });
        let t = encode(&header, &no_sid, &key).unwrap();
        assert_eq!(keys().verify(&t, now()), Err(TokenError::Invalid));
        let unnamed = encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({
                "sub": Uuid::now_v7().to_string(), "name": "a", "iss": "thidua",
                "sid": Uuid::now_v7().to_string(), "aud": "thidua-api", "iat": n, "exp": n + 600,
            }),
            &key,
        )
        .unwrap();
        assert_eq!(keys().verify(&unnamed, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn other_secret_or_audience_is_refused() {
        let (t, _) = keys()
            .issue(Uuid::now_v7(), "a", Uuid::now_v7(), now())
            .unwrap();
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            "thidua",
            "thidua-api",
            Duration::from_secs(60),
        );
        assert!(other.verify(&t, now()).is_err());
        let aud = TokenKeys::new(SECRET, "thidua", "elsewhere", Duration::from_secs(60));
        assert!(aud.verify(&t, now()).is_err());
        assert!(keys().verify("garbage", now()).is_err());
    }

    #[test]
    fn links_and_access_tokens_never_pass_for_each_other() {
        let k = keys();
        let subject = TokenSubject {
            user_id: Uuid::now_v7(),
            username: "a".into(),
            session_id: Uuid::now_v7(),
        };
        let (link, exp) = k
            .issue_link(&subject, "/exports/reports.csv", "status=APPROVED", now())
            .unwrap();
        assert!(exp <= now() + chrono::Duration::minutes(5));
        let grant = k.verify_link(&link, now()).unwrap();
        assert_eq!(grant.subject, subject);
        assert_eq!(
            (grant.path.as_str(), grant.query.as_str()),
            ("/exports/reports.csv", "status=APPROVED")
        );
        assert_eq!(k.verify(&link, now()), Err(TokenError::Invalid));
        let (access, _) = k
            .issue(subject.user_id, "a", subject.session_id, now())
            .unwrap();
        assert_eq!(k.verify_link(&access, now()), Err(TokenError::Invalid));
        // Expired after its 5 minutes.
        assert_eq!(
            k.verify_link(&link, now() + chrono::Duration::minutes(6)),
            Err(TokenError::Invalid)
        );
        // A link minted for longer than the link TTL (a leaked key) is refused.
        let long = k
            .clone()
            .with_link_ttl(Duration::from_secs(3600))
            .issue_link(&subject, "/exports/reports.csv", "", now())
            .unwrap()
            .0;
        assert_eq!(k.verify_link(&long, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn client_tokens_and_person_tokens_never_pass_for_each_other() {
        let k = keys();
        let subject = ClientSubject {
            client_id: Uuid::now_v7(),
            name: "portal".into(),
            scope: "reports:read".into(),
            subtree_unit_id: Uuid::now_v7(),
        };
        let (t, exp) = k.issue_client(&subject, now()).unwrap();
        assert!(exp <= now() + chrono::Duration::minutes(5));
        assert_eq!(k.verify_client(&t, now()), Ok(subject.clone()));
        assert_eq!(k.verify(&t, now()), Err(TokenError::Invalid));
        assert_eq!(k.verify_link(&t, now()), Err(TokenError::Invalid));
        let (person, _) = k.issue(Uuid::now_v7(), "a", Uuid::now_v7(), now()).unwrap();
        assert_eq!(k.verify_client(&person, now()), Err(TokenError::Invalid));
        assert_eq!(
            k.verify_client(&t, now() + chrono::Duration::minutes(6)),
            Err(TokenError::Invalid)
        );
        // Minted for longer than the client TTL (a leaked key): refused.
        let long = k
            .clone()
            .with_client_ttl(Duration::from_secs(3600))
            .issue_client(&subject, now())
            .unwrap()
            .0;
        assert_eq!(k.verify_client(&long, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn a_previous_key_is_accepted_until_it_is_retired() {
        let new_secret = b"a-brand-new-secret-a-brand-new-secret".to_vec();
        let ttl = Duration::from_secs(900);
        let (old_token, _) = keys()
            .issue(Uuid::now_v7(), "a", Uuid::now_v7(), now())
            .unwrap();
        let rotated =
            TokenKeys::with_accepted(&new_secret, &[SECRET.to_vec()], "thidua", "thidua-api", ttl);
        assert!(rotated.verify(&old_token, now()).is_ok());
        let (new_token, _) = rotated
            .issue(Uuid::now_v7(), "a", Uuid::now_v7(), now())
            .unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&new_token).unwrap().kid,
            Some(key_id(&new_secret))
        );
        let retired = TokenKeys::new(&new_secret, "thidua", "thidua-api", ttl);
        assert_eq!(retired.verify(&old_token, now()), Err(TokenError::Invalid));
        assert!(retired.verify(&new_token, now()).is_ok());
    }
}
