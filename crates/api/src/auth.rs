//! Access tokens: short-lived HS256 JWTs with issuer, audience, expiry and not-before
//! checked and the algorithm pinned (a token claiming `alg: none` or RS256 is refused).
//! A token must also look like one this server issues: issued in the past and living no
//! longer than the configured TTL, so a leaked secret cannot mint week-long tokens.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    ttl: Duration,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    name: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// Clock skew tolerated between replicas (and for `exp`, `nbf`, `iat`), in seconds.
const LEEWAY_SECS: i64 = 5;

/// Who a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSubject {
    pub user_id: Uuid,
    pub username: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token is invalid or expired")]
    Invalid,
    #[error("the access token could not be issued")]
    Issue,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let ttl = chrono::Duration::from_std(self.ttl).map_err(|_| TokenError::Issue)?;
        let exp = now + ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            name: username.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            nbf: Some(now.timestamp()),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Issue)?;
        Ok((token, exp))
    }

    pub fn verify(&self, token: &str) -> Result<TokenSubject, TokenError> {
        self.verify_at(token, Utc::now())
    }

    /// [`Self::verify`] with `now` for the `iat` checks (`exp` and `nbf` use the clock).
    fn verify_at(&self, token: &str, now: DateTime<Utc>) -> Result<TokenSubject, TokenError> {
        if token.len() > 4096 {
            return Err(TokenError::Invalid);
        }
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = LEEWAY_SECS.unsigned_abs();
        let data = decode::<Claims>(token, &self.decoding, &v).map_err(|_| TokenError::Invalid)?;
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let c = &data.claims;
        let issued_in_future = c.iat > now.timestamp().saturating_add(LEEWAY_SECS);
        let lives_too_long = c.exp.saturating_sub(c.iat) > ttl.saturating_add(LEEWAY_SECS);
        if issued_in_future || lives_too_long {
            return Err(TokenError::Invalid);
        }
        let user_id = Uuid::parse_str(&data.claims.sub).map_err(|_| TokenError::Invalid)?;
        Ok(TokenSubject {
            user_id,
            username: data.claims.name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "thidua",
            "thidua-api",
            Duration::from_secs(900),
        )
    }

    #[test]
    fn issued_tokens_verify_and_expired_ones_do_not() {
        let k = keys();
        let id = Uuid::now_v7();
        let (t, _) = k.issue(id, "a", Utc::now()).unwrap();
        assert_eq!(k.verify(&t).unwrap().user_id, id);
        let (old, _) = k
            .issue(id, "a", Utc::now() - chrono::Duration::hours(2))
            .unwrap();
        assert_eq!(k.verify(&old), Err(TokenError::Invalid));
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    /// A token with the right secret, issuer and audience and the given time claims.
    fn signed(iat: i64, exp: i64, nbf: Option<i64>) -> String {
        let claims = Claims {
            sub: Uuid::now_v7().to_string(),
            name: "a".into(),
            iss: "thidua".into(),
            aud: "thidua-api".into(),
            iat,
            exp,
            nbf,
        };
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    #[test]
    fn issued_tokens_carry_nbf_and_pass_every_time_check() {
        let k = keys();
        let now = Utc::now().timestamp();
        assert!(k.verify(&signed(now, now + 900, Some(now))).is_ok());
        // Within the leeway on each check.
        assert!(k.verify(&signed(now + 3, now + 903, Some(now + 3))).is_ok());
        assert!(k.verify(&signed(now - 10, now + 895, None)).is_ok());
    }

    #[test]
    fn a_token_not_yet_valid_is_refused() {
        let now = Utc::now().timestamp();
        let t = signed(now, now + 600, Some(now + 120));
        assert_eq!(keys().verify(&t), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let now = Utc::now().timestamp();
        let t = signed(now + 60, now + 600, None);
        assert_eq!(keys().verify(&t), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_living_longer_than_the_ttl_is_refused() {
        let now = Utc::now().timestamp();
        // TTL 900 s: a week-long token, and one a minute too long, are refused.
        let week = signed(now, now + 7 * 24 * 3600, None);
        assert_eq!(keys().verify(&week), Err(TokenError::Invalid));
        let t = signed(now - 60, now + 900, None);
        assert_eq!(keys().verify(&t), Err(TokenError::Invalid));
        // Backdating iat does not help: the lifetime counts from iat.
        let backdated = signed(now - 3600, now + 900, None);
        assert_eq!(keys().verify(&backdated), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_without_iat_is_refused() {
        let now = Utc::now().timestamp();
        let claims = serde_json::json!({
            "sub": Uuid::now_v7().to_string(), "name": "a", "iss": "thidua",
            "aud": "thidua-api", "exp": now + 600,
        });
        let t = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(keys().verify(&t), Err(TokenError::Invalid));
    }

    #[test]
    fn other_secret_or_audience_is_refused() {
        let (t, _) = keys().issue(Uuid::now_v7(), "a", Utc::now()).unwrap();
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            "thidua",
            "thidua-api",
            Duration::from_secs(60),
        );
        assert!(other.verify(&t).is_err());
        let aud = TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "thidua",
            "elsewhere",
            Duration::from_secs(60),
        );
        assert!(aud.verify(&t).is_err());
        assert!(keys().verify("garbage").is_err());
    }
}
