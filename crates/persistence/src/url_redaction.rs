//! How a connection URL is shown: with its passwords replaced, so options, settings and
//! errors can say where a connection goes without saying how it signs in. Lives here, the
//! lowest crate that holds such URLs ([`crate::DbOptions`]); the server's `SecretUrl`
//! shows itself through it too.

/// What a password is shown as.
const REDACTED: &str = "***";

/// Replaces the password of the user information and the value of every query parameter
/// whose name contains `password` (as libpq's `password=` and `sslpassword=`).
///
/// The user information ends at the *last* `@`, so a password holding an unescaped `@`,
/// `/` or `?` is still hidden whole; an `@` further on (in the query) only hides more.
pub fn redact(url: &str) -> String {
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
    use super::redact;

    #[test]
    fn the_password_of_the_user_information_is_hidden() {
        assert_eq!(
            redact("postgres://thidua:s3cret@db.example:5432/thidua"),
            "postgres://thidua:***@db.example:5432/thidua"
        );
        assert_eq!(
            redact("redis://:s3cret@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
    }

    #[test]
    fn a_password_with_unescaped_delimiters_is_hidden_whole() {
        let url = "postgres://thidua:pa/ss?w@rd@db.example/thidua";
        let s = redact(url);
        assert_eq!(s, "postgres://thidua:***@db.example/thidua");
        for part in ["pa/ss", "w@rd", "ss?w"] {
            assert!(!s.contains(part), "{s}");
        }
    }

    #[test]
    fn password_query_parameters_are_hidden() {
        assert_eq!(
            redact(
                "postgres://db.example/thidua?user=thidua&password=s3cret&sslpassword=k3y&sslmode=require"
            ),
            "postgres://db.example/thidua?user=thidua&password=***&sslpassword=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres:///thidua?PASSWORD=s3cret"),
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
            assert_eq!(redact(url), url);
        }
    }
}
