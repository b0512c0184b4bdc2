//! Machine clients (integrations): their names, scopes, and the bounds on what an
//! administrator or a token request may send. What a client may *do* is decided by the one
//! access rule ([`crate::access`]); this module only parses.

use crate::error::{FieldError, UserErrorCode};
use crate::msg;

string_enum!(
    /// What a machine client may be allowed, on its subtree only. Stored and sent in the
    /// OAuth spelling (`resource:verb`).
    Scope (stored_len = 40) {
        TargetsRead => "targets:read",
        CampaignsRead => "campaigns:read",
        ReportsRead => "reports:read",
        ReportsWrite => "reports:write",
        CommendationsRead => "commendations:read",
        ExportsRead => "exports:read",
        /// Register and manage webhook endpoints (the webhooks half of issue 14).
        WebhooksManage => "webhooks:manage",
    }
);

/// A non-empty set of distinct scopes, kept in [`Scope::ALL`] order so it prints (and is
/// stored) the same way however it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSet(Vec<Scope>);

/// Why a scope list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("no scope given")]
    Empty,
    #[error("too many scopes")]
    TooMany,
    /// The index (in the list as sent) of a scope this server does not know.
    #[error("unknown scope")]
    Unknown(usize),
}

impl ScopeSet {
    /// At most this many entries in a list as sent (duplicates included): there are only
    /// seven scopes, so more is never a real request.
    pub const MAX_ITEMS: usize = 16;
    /// The longest `scope` parameter of a token request, in bytes.
    pub const MAX_PARAM_BYTES: usize = 400;

    /// From a list (GraphQL input); duplicates are merged.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Self, ScopeError> {
        if raw.len() > Self::MAX_ITEMS {
            return Err(ScopeError::TooMany);
        }
        let mut found = Vec::with_capacity(raw.len());
        for (i, s) in raw.iter().enumerate() {
            found.push(Scope::parse(s.as_ref()).ok_or(ScopeError::Unknown(i))?);
        }
        Self::from_scopes(found)
    }

    /// From the space-separated `scope` parameter of RFC 6749 §3.3 (also how rows and
    /// tokens store it).
    pub fn parse_param(raw: &str) -> Result<Self, ScopeError> {
        if raw.len() > Self::MAX_PARAM_BYTES {
            return Err(ScopeError::TooMany);
        }
        let items: Vec<&str> = raw.split(' ').filter(|s| !s.is_empty()).collect();
        Self::parse_list(&items)
    }

    pub fn from_scopes(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, ScopeError> {
        let given: Vec<Scope> = scopes.into_iter().collect();
        let set: Vec<Scope> = Scope::ALL
            .iter()
            .copied()
            .filter(|s| given.contains(s))
            .collect();
        if set.is_empty() {
            Err(ScopeError::Empty)
        } else {
            Ok(Self(set))
        }
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset_of(&self, other: &ScopeSet) -> bool {
        self.0.iter().all(|s| other.contains(*s))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// Space-separated, in [`Scope::ALL`] order.
    pub fn to_param(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The user error for a refused list sent as the input field `field`.
    pub fn field_error(e: &ScopeError, field: &str) -> FieldError {
        match e {
            ScopeError::Empty => FieldError::new(field, UserErrorCode::Required, msg!("required")),
            ScopeError::TooMany => FieldError::new(
                field,
                UserErrorCode::TooMany,
                msg!("client-too-many-scopes", max = Self::MAX_ITEMS),
            ),
            ScopeError::Unknown(i) => FieldError::new(
                format!("{field}.{i}"),
                UserErrorCode::UnknownScope,
                msg!(
                    "client-unknown-scope",
                    known = Scope::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
}

/// An API client's name: what the audit trail and the metrics call it, so it is short and
/// plain (3–64 characters of a–z, 0–9, '.', '_', '-'): safe as a Prometheus label value
/// and in a log line, and unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientName(String);

impl ClientName {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(
                "",
                UserErrorCode::Required,
                msg!("required"),
            ));
        }
        if s.len() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "",
                UserErrorCode::TooLong,
                msg!("too-long", max = Self::MAX_CHARS),
            ));
        }
        let ok = s.len() >= Self::MIN_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(FieldError::new(
                "",
                UserErrorCode::InvalidFormat,
                msg!("client-name-format"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The reason an administrator gives for disabling a client: required, one line, at most
/// 500 characters.
pub fn disable_reason(raw: &str) -> Result<String, FieldError> {
    const MAX: usize = 500;
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(
            "",
            UserErrorCode::Required,
            msg!("required"),
        ));
    }
    if s.len() > MAX * 4 || s.chars().count() > MAX {
        return Err(FieldError::new(
            "",
            UserErrorCode::TooLong,
            msg!("too-long", max = MAX),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(
            "",
            UserErrorCode::InvalidFormat,
            msg!("control-characters"),
        ));
    }
    Ok(s.to_owned())
}

/// How long the previous secret keeps working after a rotation: at most 30 days, so a
/// forgotten overlap cannot keep a leaked secret alive indefinitely.
pub const MAX_OVERLAP_SECS: i64 = 30 * 24 * 3600;

/// The overlap of a rotation, in seconds (0 retires the old secret at once).
pub fn overlap_secs(raw: Option<i64>) -> Result<i64, FieldError> {
    match raw {
        None => Ok(0),
        Some(n) if (0..=MAX_OVERLAP_SECS).contains(&n) => Ok(n),
        Some(_) => Err(FieldError::new(
            "",
            UserErrorCode::OutOfRange,
            msg!("client-overlap-range", max = MAX_OVERLAP_SECS),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_in_a_canonical_order_without_duplicates() {
        let s = ScopeSet::parse_param("reports:read  targets:read reports:read").unwrap();
        assert_eq!(s.to_param(), "targets:read reports:read");
        assert_eq!(ScopeSet::parse_param(&s.to_param()), Ok(s.clone()));
        assert!(
            ScopeSet::parse_param("reports:read")
                .unwrap()
                .is_subset_of(&s)
        );
        assert!(
            !ScopeSet::parse_param("exports:read")
                .unwrap()
                .is_subset_of(&s)
        );
    }

    #[test]
    fn bad_scope_lists_are_refused() {
        assert_eq!(ScopeSet::parse_param(""), Err(ScopeError::Empty));
        assert_eq!(ScopeSet::parse_param("   "), Err(ScopeError::Empty));
        assert_eq!(
            ScopeSet::parse_list(&["reports:read", "admin"]),
            Err(ScopeError::Unknown(1))
        );
        assert_eq!(
            ScopeSet::parse_param("REPORTS:READ"),
            Err(ScopeError::Unknown(0))
        );
        let many = vec!["reports:read"; 17];
        assert_eq!(ScopeSet::parse_list(&many), Err(ScopeError::TooMany));
        assert_eq!(
            ScopeSet::parse_param(&"x".repeat(401)),
            Err(ScopeError::TooMany)
        );
        let e = ScopeSet::field_error(&ScopeError::Unknown(2), "scopes");
        assert_eq!(
            (e.field.as_str(), e.code),
            ("scopes.2", UserErrorCode::UnknownScope)
        );
    }

    #[test]
    fn every_scope_fits_its_column() {
        for s in Scope::ALL {
            assert!(s.as_str().len() <= Scope::STORED_LEN as usize);
            assert_eq!(Scope::parse(s.as_str()), Some(*s));
        }
        assert!(Scope::parse("webhooks:manage").is_some());
    }

    #[test]
    fn client_names_are_plain_and_bounded() {
        assert_eq!(
            ClientName::parse(" ministry-stats.v2 ").unwrap().as_str(),
            "ministry-stats.v2"
        );
        for (bad, code) in [
            ("", UserErrorCode::Required),
            ("ab", UserErrorCode::InvalidFormat),
            ("Portal", UserErrorCode::InvalidFormat),
            ("with space", UserErrorCode::InvalidFormat),
            ("a\u{0}b", UserErrorCode::InvalidFormat),
            ("cổng", UserErrorCode::InvalidFormat),
        ] {
            assert_eq!(ClientName::parse(bad).unwrap_err().code, code, "{bad:?}");
        }
        assert_eq!(
            ClientName::parse(&"a".repeat(65)).unwrap_err().code,
            UserErrorCode::TooLong
        );
        assert!(ClientName::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn reasons_and_overlaps_are_bounded() {
        assert_eq!(disable_reason("  leaked ").unwrap(), "leaked");
        assert_eq!(
            disable_reason(" ").unwrap_err().code,
            UserErrorCode::Required
        );
        assert_eq!(
            disable_reason(&"x".repeat(501)).unwrap_err().code,
            UserErrorCode::TooLong
        );
        assert_eq!(
            disable_reason("a\nb").unwrap_err().code,
            UserErrorCode::InvalidFormat
        );
        assert_eq!(overlap_secs(None), Ok(0));
        assert_eq!(overlap_secs(Some(3600)), Ok(3600));
        assert!(overlap_secs(Some(-1)).is_err());
        assert!(overlap_secs(Some(MAX_OVERLAP_SECS + 1)).is_err());
    }
}
