//! A connection URL that may carry a password (`postgres://user:password@host/db`,
//! `redis://:password@host`). It prints with the password replaced, so settings and errors
//! can show where the server connects without showing how it signs in.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret as _, SecretString};

/// What a password is shown as.
const REDACTED: &str = "***";

/// A URL whose `Debug` and `Display` hide the password (in the user information and in
/// any `…password=` query parameter) and keep the scheme, user, host, port and path.
#[derive(Clone)]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    /// The URL as given, password included: call it only where the connection is made.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with its passwords replaced by `***`.
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

/// Replaces the password of the user information and the value of every query parameter
/// whose name contains `password` (as libpq's `password=` and `sslpassword=`).
///
/// The user information ends at the *last* `@`, so a password holding an unescaped `@`,
/// `/` or `?` is still hidden whole; an `@` further on (in the query) only hides more.
fn redact(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let mut out = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    let after_user = match (scheme, rest.rsplit_once('@')) {
        (Some(_), Some((userinfo, after))) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(REDACTED);
                }
                None => out.push_str(userinfo),
            }
            out.push('@');
            after
        }
        _ => rest,
    };
    match after_user.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            out.push_str(&redact_query(query));
        }
        None => out.push_str(after_user),
    }
    out
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                format!("{key}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        SecretUrl::from(url).to_string()
    }

    #[test]
    fn the_password_of_the_user_information_is_hidden() {
        assert_eq!(
            shown("postgres://thidua:s3cret@db.example:5432/thidua"),
            "postgres://thidua:***@db.example:5432/thidua"
        );
        assert_eq!(
            shown("redis://:s3cret@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
    }

    #[test]
    fn a_password_with_unescaped_delimiters_is_hidden_whole() {
        let url = "postgres://thidua:pa/ss?w@rd@db.example/thidua";
        let s = shown(url);
        assert_eq!(s, "postgres://thidua:***@db.example/thidua");
        for part in ["pa/ss", "w@rd", "ss?w"] {
            assert!(!s.contains(part), "{s}");
        }
    }

    #[test]
    fn password_query_parameters_are_hidden() {
        assert_eq!(
            shown(
                "postgres://db.example/thidua?user=thidua&password=s3cret&sslpassword=k3y&sslmode=require"
            ),
            "postgres://db.example/thidua?user=thidua&password=***&sslpassword=***&sslmode=require"
        );
        assert_eq!(
            shown("postgres:///thidua?PASSWORD=s3cret"),
            "postgres:///thidua?PASSWORD=***"
        );
    }

    #[test]
    fn urls_without_a_password_are_shown_as_given() {
        for url in [
            "sqlite://./data/thidua.db?mode=rwc",
            "sqlite::memory:",
            "postgres://postgres@127.0.0.1:5432/postgres",
            "redis://127.0.0.1:6379",
        ] {
            assert_eq!(shown(url), url);
        }
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
