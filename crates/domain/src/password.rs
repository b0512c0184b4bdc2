//! The password policy (NIST SP 800-63B style): long enough, not the username, not one of
//! the passwords attackers try first. No composition rules: a long passphrase is better
//! than `P@ssw0rd!`, and the list below catches the usual substitutions people make.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::error::{FieldError, UserErrorCode};
use crate::msg;

/// Minimum length in characters (issue 11: at least 12).
pub const MIN_CHARS: usize = 12;
/// Maximum length in characters: argon2 takes any length, but a bound keeps requests
/// small and no real passphrase is longer.
pub const MAX_CHARS: usize = 200;
/// A username this long or longer is refused anywhere inside the password, not only as
/// the whole of it ("lan.nguyen2025!" for `lan.nguyen`); shorter ones would refuse too
/// much by chance.
pub const USERNAME_INSIDE_MIN_CHARS: usize = 4;

/// Lowercase, one per line; see `data/README.md` for its source.
static COMMON_TEXT: &str = include_str!("../data/common-passwords.txt");

/// The common passwords, built on first use (a few thousand entries).
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_TEXT
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Whether `password` is in the shipped list of common passwords (case-insensitive).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

/// How many passwords the shipped list holds.
pub fn common_count() -> usize {
    COMMON.len()
}

/// Checks a new password for `username`; errors name `field` (`password` on
/// `createUser`, `newPassword` on `changePassword`). Order: length first (cheap, and what
/// a user fixes first), then control characters, then the username, then the list.
pub fn check(password: &str, username: &str, field: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(FieldError::new(
            field,
            UserErrorCode::OutOfRange,
            msg!("password-too-short", min = MIN_CHARS),
        ));
    }
    if n > MAX_CHARS {
        return Err(FieldError::new(
            field,
            UserErrorCode::TooLong,
            msg!("too-long", max = MAX_CHARS),
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            UserErrorCode::InvalidFormat,
            msg!("password-control-characters"),
        ));
    }
    if is_username(password, username) {
        return Err(FieldError::new(
            field,
            UserErrorCode::PasswordIsUsername,
            msg!("password-is-username"),
        ));
    }
    if is_common(password) {
        return Err(FieldError::new(
            field,
            UserErrorCode::PasswordTooCommon,
            msg!("password-too-common"),
        ));
    }
    Ok(())
}

/// The password is the username, or holds a username of at least
/// [`USERNAME_INSIDE_MIN_CHARS`] characters (case-insensitive).
fn is_username(password: &str, username: &str) -> bool {
    let user = username.trim().to_lowercase();
    if user.is_empty() {
        return false;
    }
    let pw = password.to_lowercase();
    pw == user || (user.chars().count() >= USERNAME_INSIDE_MIN_CHARS && pw.contains(&user))
}

/// Letters and digits that cannot be misread for one another when read aloud or copied
/// from a screen (no `l`, `o`, `0`, `1`): 32 of them, so a random byte maps without bias.
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Random characters in a generated password: 20 × 5 bits = 100 bits.
const GENERATED_CHARS: usize = 20;

/// A random one-time password for `username` (a reset, the first admin, the CLI): 20
/// characters in groups of four joined by `-` (24 in all), passing [`check`]. Randomness
/// comes from v4 UUIDs (the OS generator), skipping each one's version byte.
pub fn generate(username: &str) -> String {
    loop {
        let mut bytes = Vec::with_capacity(32);
        while bytes.len() < GENERATED_CHARS {
            let u = uuid::Uuid::new_v4();
            bytes.extend(
                u.as_bytes()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 6)
                    .map(|(_, b)| *b),
            );
        }
        let chars: Vec<char> = bytes
            .iter()
            .take(GENERATED_CHARS)
            .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
            .collect();
        let out = chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-");
        // Practically always at once; the loop only guards against a username or list
        // entry appearing by chance.
        if check(&out, username, "password").is_ok() {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(pw: &str, user: &str) -> Option<UserErrorCode> {
        check(pw, user, "password").err().map(|e| e.code)
    }

    #[test]
    fn length_is_counted_in_characters_between_12_and_200() {
        assert_eq!(code("short-one-1", "lan"), Some(UserErrorCode::OutOfRange));
        assert_eq!(
            code("đường-về-nhà", "lan"),
            None,
            "12 characters, more bytes"
        );
        assert_eq!(code("ngựa-ô-ăn-cỏ", "lan"), None);
        assert_eq!(code(&"x7".repeat(100), "lan"), None);
        assert_eq!(
            code(&"x7".repeat(100).add_one(), "lan"),
            Some(UserErrorCode::TooLong)
        );
        let e = check("short", "lan", "newPassword").err();
        assert_eq!(e.map(|e| e.field), Some("newPassword".to_owned()));
    }

    trait AddOne {
        fn add_one(self) -> String;
    }
    impl AddOne for String {
        fn add_one(mut self) -> String {
            self.push('z');
            self
        }
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(
            code("a long password\0here", "lan"),
            Some(UserErrorCode::InvalidFormat)
        );
        assert_eq!(
            code("a long password\nhere", "lan"),
            Some(UserErrorCode::InvalidFormat)
        );
    }

    #[test]
    fn the_username_is_refused_whole_or_inside_and_in_any_case() {
        assert_eq!(
            code("nguyen.van.an", "nguyen.van.an"),
            Some(UserErrorCode::PasswordIsUsername)
        );
        assert_eq!(
            code("NGUYEN.VAN.AN", "nguyen.van.an"),
            Some(UserErrorCode::PasswordIsUsername)
        );
        assert_eq!(
            code("my-Lanh-password-2025", "lanh"),
            Some(UserErrorCode::PasswordIsUsername)
        );
        // A username shorter than 4 characters only counts as the whole password.
        assert_eq!(code("an-apple-a-day-keeps", "an"), None);
        assert_eq!(
            code("anananananan", "anananananan"),
            Some(UserErrorCode::PasswordIsUsername)
        );
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(common_count() > 2000, "{}", common_count());
        for pw in [
            "password1234",
            "PASSWORD1234",
            "123456789012",
            "qwertyuiopasdfgh",
        ] {
            assert_eq!(
                code(pw, "lan"),
                Some(UserErrorCode::PasswordTooCommon),
                "{pw}"
            );
        }
        assert!(
            is_common("baseball"),
            "8-character entries of the 10k list are kept"
        );
        assert_eq!(code("correct horse battery staple", "lan"), None);
    }

    #[test]
    fn the_list_is_normalised() {
        for line in COMMON_TEXT.lines() {
            assert_eq!(line, line.to_lowercase(), "{line:?}");
            assert_eq!(line, line.trim(), "{line:?}");
            assert!(!line.is_empty());
        }
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate("admin");
        let b = generate("admin");
        assert_ne!(a, b);
        assert_eq!(a.chars().count(), 24);
        assert!(a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert!(check(&a, "admin", "password").is_ok());
    }
}
