//! Sessions and refresh-token rotation (RFC 9700 §4.14): what a presented refresh token
//! means, decided from the stored facts and the time, without a database.

use chrono::{DateTime, Duration, Utc};

use crate::error::UserErrorCode;
use crate::{FieldError, msg};

/// How long sessions live and how long a lost answer may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session whose refresh token is unused this long ends (a phone offline for a
    /// month stays signed in with the default of 60 days).
    pub inactivity: Duration,
    /// No session outlives this, however often it is refreshed.
    pub absolute: Duration,
    /// How long after a rotation the retired token may be presented once more (the
    /// answer was lost on a bad connection) and get the same new pair back.
    pub retry_grace: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            inactivity: Duration::days(60),
            absolute: Duration::days(365),
            retry_grace: Duration::seconds(60),
        }
    }
}

// Why a session ended (stored in `sessions.revoked_reason`).
string_enum!(
    EndReason {
        /// `logout`.
        Logout => "LOGOUT",
        /// `revokeSession` by its owner or an administrator.
        Revoked => "REVOKED",
        /// A retired refresh token was presented again: treated as theft.
        TokenReuse => "TOKEN_REUSE",
        /// The user changed their password (the other sessions end).
        PasswordChanged => "PASSWORD_CHANGED",
        /// An administrator reset the password.
        PasswordReset => "PASSWORD_RESET",
        /// The account was deactivated.
        Deactivated => "DEACTIVATED",
    }
);

/// What the store knows of a session when a refresh token of it is presented.
#[derive(Debug, Clone, Copy)]
pub struct SessionFacts {
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

/// What the store knows of the presented token.
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts {
    /// `None` while the token is the session's current one.
    pub retired_at: Option<DateTime<Utc>>,
    /// Its one retry was already answered.
    pub retry_used: bool,
    /// The token that replaced it is still the session's current one (no later rotation).
    pub successor_current: bool,
}

/// What to do with a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The current token: retire it and issue a new pair.
    Rotate,
    /// Its answer was lost: give the same new pair again (once, within the grace window).
    Retry,
    /// A retired token presented again: end the whole session and audit it.
    Reuse,
    /// The session ended (revoked, inactive too long, past its absolute end): sign in.
    Ended,
}

impl SessionPolicy {
    /// Until when a session used at `last_used_at` stays alive.
    pub fn alive_until(&self, s: &SessionFacts) -> DateTime<Utc> {
        (s.last_used_at + self.inactivity).min(s.expires_at)
    }

    pub fn judge(&self, s: &SessionFacts, t: &TokenFacts, now: DateTime<Utc>) -> Verdict {
        if s.revoked || now >= self.alive_until(s) {
            return Verdict::Ended;
        }
        match t.retired_at {
            None => Verdict::Rotate,
            Some(at) if !t.retry_used && t.successor_current && now - at <= self.retry_grace => {
                Verdict::Retry
            }
            Some(_) => Verdict::Reuse,
        }
    }
}

/// What the app says about the device a session is for; bounded, no control characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    pub name: Option<String>,
    pub platform: Option<String>,
}

impl Device {
    pub const MAX_NAME: usize = 100;
    pub const MAX_PLATFORM: usize = 40;

    pub fn parse(name: Option<&str>, platform: Option<&str>) -> Result<Self, FieldError> {
        Ok(Self {
            name: bounded(name, Self::MAX_NAME, "deviceName")?,
            platform: bounded(platform, Self::MAX_PLATFORM, "platform")?,
        })
    }
}

fn bounded(raw: Option<&str>, max: usize, field: &str) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if raw.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            UserErrorCode::InvalidFormat,
            msg!("control-characters"),
        ));
    }
    if raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            UserErrorCode::TooLong,
            msg!("too-long", max = max),
        ));
    }
    Ok(Some(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn session(last_used_days_ago: i64, now: DateTime<Utc>) -> SessionFacts {
        SessionFacts {
            last_used_at: now - Duration::days(last_used_days_ago),
            expires_at: t0() + Duration::days(365),
            revoked: false,
        }
    }

    const CURRENT: TokenFacts = TokenFacts {
        retired_at: None,
        retry_used: false,
        successor_current: false,
    };

    #[test]
    fn the_current_token_rotates_while_the_session_lives() {
        let p = SessionPolicy::default();
        let now = t0() + Duration::days(10);
        assert_eq!(p.judge(&session(0, now), &CURRENT, now), Verdict::Rotate);
        // A month offline: still signed in.
        assert_eq!(p.judge(&session(30, now), &CURRENT, now), Verdict::Rotate);
    }

    #[test]
    fn sixty_days_unused_or_a_year_old_ends_the_session() {
        let p = SessionPolicy::default();
        let now = t0() + Duration::days(100);
        assert_eq!(p.judge(&session(60, now), &CURRENT, now), Verdict::Ended);
        assert_eq!(p.judge(&session(59, now), &CURRENT, now), Verdict::Rotate);
        let late = t0() + Duration::days(365);
        assert_eq!(p.judge(&session(0, late), &CURRENT, late), Verdict::Ended);
        let revoked = SessionFacts {
            revoked: true,
            ..session(0, now)
        };
        assert_eq!(p.judge(&revoked, &CURRENT, now), Verdict::Ended);
    }

    #[test]
    fn a_retired_token_is_retried_once_within_the_grace_window_else_it_is_reuse() {
        let p = SessionPolicy::default();
        let now = t0() + Duration::days(1);
        let just_retired = TokenFacts {
            retired_at: Some(now - Duration::seconds(20)),
            retry_used: false,
            successor_current: true,
        };
        assert_eq!(
            p.judge(&session(0, now), &just_retired, now),
            Verdict::Retry
        );
        let second_retry = TokenFacts {
            retry_used: true,
            ..just_retired
        };
        assert_eq!(
            p.judge(&session(0, now), &second_retry, now),
            Verdict::Reuse
        );
        let too_late = TokenFacts {
            retired_at: Some(now - Duration::seconds(61)),
            ..just_retired
        };
        assert_eq!(p.judge(&session(0, now), &too_late, now), Verdict::Reuse);
        // The new token was already used: the old one coming back is someone else.
        let superseded = TokenFacts {
            successor_current: false,
            ..just_retired
        };
        assert_eq!(p.judge(&session(0, now), &superseded, now), Verdict::Reuse);
    }

    #[test]
    fn device_labels_are_bounded_and_plain() {
        assert_eq!(
            Device::parse(Some("  Redmi 9A "), None).map(|d| d.name),
            Ok(Some("Redmi 9A".to_owned()))
        );
        assert!(Device::parse(Some(&"x".repeat(101)), None).is_err());
        assert!(Device::parse(None, Some("and\u{0}roid")).is_err());
        assert_eq!(Device::parse(Some("   "), None), Ok(Device::default()));
    }
}
