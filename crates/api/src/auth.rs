//! Access tokens: short-lived HS256 JWTs with issuer, audience and expiry checked and the
//! algorithm pinned (a token claiming `alg: none` or RS256 is refused).

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
}

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
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Issue)?;
        Ok((token, exp))
    }

    pub fn verify(&self, token: &str) -> Result<TokenSubject, TokenError> {
        if token.len() > 4096 {
            return Err(TokenError::Invalid);
        }
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = 5;
        let data = decode::<Claims>(token, &self.decoding, &v).map_err(|_| TokenError::Invalid)?;
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
