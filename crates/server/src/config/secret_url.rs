//! A connection URL that may carry a password (`postgres://user:password@host/db`,
//! `redis://:password@host`). It prints with the password replaced, so settings and errors
//! can show where the server connects without showing how it signs in.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret as _, SecretString};
use thidua_persistence::url_redaction::redact;

/// A URL whose `Debug` and `Display` hide the password (in the user information and in
/// any `…password=` query parameter) and keep the scheme, user, host, port and path.
#[derive(Clone)]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    /// The URL as given, password included: call it only where the connection is made.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with its passwords replaced by `***` (the rule shared with persistence's
    /// `DbOptions`, [`redact`]).
    pub fn redacted(&self) -> String {
        redact(self.expose_secret())
    }
}

impl From<String> for SecretUrl {
    fn from(url: String) -> Self {
        Self(url.into())
    }
}

impl From<&str> for SecretUrl {
    fn from(url: &str) -> Self {
        Self(url.into())
    }
}

impl FromStr for SecretUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(url.into())
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretUrl").field(&self.redacted()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The redaction rule itself is tested where it lives, `thidua_persistence::url_redaction`.

    #[test]
    fn display_hides_the_password() {
        assert_eq!(
            SecretUrl::from("redis://:s3cret@cache:6379/0").to_string(),
            "redis://:***@cache:6379/0"
        );
    }

    #[test]
    fn debug_hides_the_password_and_the_secret_is_still_there_to_connect() {
        let url = SecretUrl::from("postgres://thidua:s3cret@db.example/thidua");
        let debug = format!("{url:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("db.example/thidua"), "{debug}");
        assert_eq!(
            url.expose_secret(),
            "postgres://thidua:s3cret@db.example/thidua"
        );
    }
}
