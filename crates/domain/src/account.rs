//! Accounts: the contact details an administrator keeps on a user, and the rules of
//! account administration that are not the one access rule itself
//! ([`Actor::may_manage_user`](crate::access::Actor::may_manage_user)).

use crate::access::{Action, Actor, Role};
use crate::error::{FieldError, UserErrorCode};
use crate::msg;
use crate::text::Title;

/// A person's name as shown beside their work: a [`Title`] on one line (a newline or a
/// tab in a name is always a paste accident).
pub fn display_name(raw: &str) -> Result<String, FieldError> {
    let t = Title::parse(raw)?.into_inner();
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(
            "",
            UserErrorCode::InvalidFormat,
            msg!("control-characters"),
        ));
    }
    Ok(t)
}

/// An email address, checked for shape only (one `@`, a dotted domain, no spaces): the
/// address is for people to write to, nothing is sent to it. The domain is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address SMTP carries (RFC 5321), and the column's width.
    pub const MAX_CHARS: usize = 254;

    /// `Ok(None)` for blank input (no address).
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        let s = bounded(raw, Self::MAX_CHARS)?;
        if s.is_empty() {
            return Ok(None);
        }
        let bad = || {
            FieldError::new(
                "",
                UserErrorCode::InvalidFormat,
                msg!("accounts-email-format"),
            )
        };
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && c != '"');
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Some(Self(format!("{local}@{}", domain.to_lowercase()))))
        } else {
            Err(bad())
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A phone number as people write it ("0912 345 678", "+84 (203) 3835.123"), stored as
/// its digits with a leading `+` kept: 8 to 15 digits (E.164 allows at most 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Longest accepted input, separators included.
    pub const MAX_CHARS: usize = 30;

    /// `Ok(None)` for blank input (no number).
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        let s = bounded(raw, Self::MAX_CHARS)?;
        if s.is_empty() {
            return Ok(None);
        }
        let plus = s.starts_with('+');
        let rest = if plus { &s[1..] } else { s.as_str() };
        let shape_ok = rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'));
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if shape_ok && (8..=15).contains(&digits.len()) {
            Ok(Some(Self(if plus { format!("+{digits}") } else { digits })))
        } else {
            Err(FieldError::new(
                "",
                UserErrorCode::InvalidFormat,
                msg!("accounts-phone-format"),
            ))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Trimmed input of at most `max` characters with no control character at all.
fn bounded(raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.len() > max * 4 + 64 || raw.trim().chars().count() > max {
        return Err(FieldError::new(
            "",
            UserErrorCode::TooLong,
            msg!("too-long", max = max),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(FieldError::new(
            "",
            UserErrorCode::InvalidFormat,
            msg!("control-characters"),
        ));
    }
    Ok(raw.trim().to_owned())
}

/// Which accounts an administrator sees in the `users` list: those whose home unit lies
/// in one of `subtrees` (the units the caller holds `ManageUsers` on), and, for an
/// administrator of a root, those with no home unit. `None`: not an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListScope {
    pub subtrees: Vec<String>,
    pub homeless: bool,
}

impl ListScope {
    pub fn of(actor: &Actor) -> Option<Self> {
        let subtrees: Vec<String> = actor
            .grants
            .iter()
            .filter(|g| g.role.permits(Action::ManageUsers))
            .map(|g| g.unit_path.clone())
            .collect();
        if subtrees.is_empty() {
            return None;
        }
        let homeless = actor.may_manage_user(None, &[]);
        Some(Self { subtrees, homeless })
    }
}

/// Would taking the grant (`role` on the unit at `path`) from its holder leave the caller
/// without administration of any root, when the holder is the caller? The last root
/// administrator removing themself leaves a tree nobody can administer (SELF_LOCKOUT).
pub fn revoke_locks_out(actor: &Actor, holder: uuid::Uuid, role: Role, path: &str) -> bool {
    let is_root_admin_grant = |r: Role, p: &str| r == Role::Admin && is_root(p);
    actor.user_id == Some(holder)
        && is_root_admin_grant(role, path)
        && !actor
            .grants
            .iter()
            .any(|g| is_root_admin_grant(g.role, &g.unit_path) && g.unit_path != path)
}

fn is_root(path: &str) -> bool {
    path.split('/').filter(|s| !s.is_empty()).count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Grant;

    fn actor(id: Option<uuid::Uuid>, grants: &[(Role, &str)]) -> Actor {
        Actor {
            user_id: id,
            label: "a".into(),
            grants: grants
                .iter()
                .map(|(role, p)| Grant {
                    role: *role,
                    unit_path: (*p).to_owned(),
                })
                .collect(),
            request_id: String::new(),
            client: None,
        }
    }

    #[test]
    fn emails_are_checked_for_shape_and_the_domain_is_lower_cased() {
        let ok = Email::parse_optional(" Lan.Nguyen@QuangNinh.GOV.vn ").unwrap();
        assert_eq!(ok.unwrap().into_inner(), "Lan.Nguyen@quangninh.gov.vn");
        assert_eq!(Email::parse_optional("  ").unwrap(), None);
        assert!(Email::parse_optional("lan@thư.vn").unwrap().is_some());
        for bad in [
            "lan",
            "lan@",
            "@x.vn",
            "lan@vn",
            "lan@x..vn",
            "lan @x.vn",
            "lan@@x.vn",
            "lan@-x.vn",
            "lan@x_y.vn",
        ] {
            let e = Email::parse_optional(bad).unwrap_err();
            assert_eq!(e.code, UserErrorCode::InvalidFormat, "{bad}");
        }
        let e = Email::parse_optional("a\u{0}@x.vn").unwrap_err();
        assert_eq!(e.code, UserErrorCode::InvalidFormat);
        let long = format!("{}@x.vn", "a".repeat(250));
        assert_eq!(
            Email::parse_optional(&long).unwrap_err().code,
            UserErrorCode::TooLong
        );
    }

    #[test]
    fn phones_keep_their_digits_and_a_leading_plus() {
        let p = |s: &str| Phone::parse_optional(s).unwrap().unwrap().into_inner();
        assert_eq!(p("0912 345 678"), "0912345678");
        assert_eq!(p("+84 (203) 3835.123"), "+842033835123");
        assert_eq!(Phone::parse_optional("").unwrap(), None);
        for bad in [
            "1234567",
            "0912abc678",
            "++84912345678",
            "0912 345 678 ext 2",
            "+",
        ] {
            let e = Phone::parse_optional(bad).unwrap_err();
            assert_eq!(e.code, UserErrorCode::InvalidFormat, "{bad}");
        }
        assert_eq!(
            Phone::parse_optional(&"1".repeat(31)).unwrap_err().code,
            UserErrorCode::TooLong
        );
        assert_eq!(
            Phone::parse_optional("0912\n345678").unwrap_err().code,
            UserErrorCode::InvalidFormat
        );
    }

    #[test]
    fn display_names_are_one_line() {
        assert_eq!(display_name("  Nguyễn Thị Lán ").unwrap(), "Nguyễn Thị Lán");
        assert_eq!(
            display_name("Lan\nAnh").unwrap_err().code,
            UserErrorCode::InvalidFormat
        );
        assert_eq!(display_name(" ").unwrap_err().code, UserErrorCode::Required);
        assert_eq!(
            display_name(&"x".repeat(301)).unwrap_err().code,
            UserErrorCode::TooLong
        );
    }

    #[test]
    fn only_administrators_list_and_only_root_ones_see_accounts_without_a_home() {
        assert_eq!(ListScope::of(&actor(None, &[(Role::Manager, "/r/")])), None);
        let ward = ListScope::of(&actor(None, &[(Role::Admin, "/r/a/")])).unwrap();
        assert_eq!(
            (ward.subtrees.as_slice(), ward.homeless),
            (&["/r/a/".to_owned()][..], false)
        );
        let root = ListScope::of(&actor(None, &[(Role::Admin, "/r/")])).unwrap();
        assert!(root.homeless);
    }

    #[test]
    fn only_the_last_root_admin_grant_of_the_caller_locks_out() {
        let me = uuid::Uuid::from_u128(1);
        let other = uuid::Uuid::from_u128(2);
        let a = actor(Some(me), &[(Role::Admin, "/r/"), (Role::Admin, "/r/a/")]);
        assert!(revoke_locks_out(&a, me, Role::Admin, "/r/"));
        assert!(!revoke_locks_out(&a, other, Role::Admin, "/r/"));
        assert!(!revoke_locks_out(&a, me, Role::Admin, "/r/a/"));
        assert!(!revoke_locks_out(&a, me, Role::Viewer, "/r/"));
        let two_roots = actor(Some(me), &[(Role::Admin, "/r/"), (Role::Admin, "/s/")]);
        assert!(!revoke_locks_out(&two_roots, me, Role::Admin, "/r/"));
    }
}
