//! Error vocabulary shared by every layer: what a client can switch on.

string_enum!(
    /// Codes for errors that are not the user's to fix in a form field; they travel in
    /// GraphQL `errors[].extensions.code`. Every code a client can see there is one of
    /// these, including the ones the HTTP layer answers before GraphQL runs.
    ErrorCode {
        Unauthenticated => "UNAUTHENTICATED",
        Forbidden => "FORBIDDEN",
        NotFound => "NOT_FOUND",
        Conflict => "CONFLICT",
        BadUserInput => "BAD_USER_INPUT",
        QueryTooComplex => "QUERY_TOO_COMPLEX",
        /// The document does not parse.
        GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
        /// The document does not validate against the schema.
        GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
        /// No stored query under an APQ hash: the client resends with the text.
        PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
        /// An APQ protocol version other than 1.
        PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
        /// The APQ hash is not the sha256 of the text sent with it.
        PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
        /// Only trusted documents run, and this is not one.
        PersistedQueryNotTrusted => "PERSISTED_QUERY_NOT_TRUSTED",
        /// An evidence file (or a multipart request) over the upload limit (HTTP 413).
        FileTooLarge => "FILE_TOO_LARGE",
        Internal => "INTERNAL",
        RateLimited => "RATE_LIMITED",
        /// More than one password-hashing field (`login`, `changePassword`,
        /// `resetPassword`) in a request (document or batch).
        TooManyLogins => "TOO_MANY_LOGINS",
        /// The request ran past its deadline (or a database statement past its timeout).
        Timeout => "TIMEOUT",
        /// The database cannot be reached; retry after the `Retry-After` delay (HTTP 503).
        ServiceUnavailable => "SERVICE_UNAVAILABLE",
        /// The account's password was reset: only `changePassword`, `logout`, `me` and
        /// `mySessions` run until the user sets a new one.
        PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
    }
);

impl ErrorCode {
    /// When a client sees the code: the README's table of codes is made from this.
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::Unauthenticated => {
                "No token on a protected field; failed login; an invalid or expired token on any request (HTTP 401, below)"
            }
            Self::Forbidden => "The caller's roles do not allow this on that unit",
            Self::NotFound => "A referenced object does not exist",
            Self::Conflict => "A stale `version` (someone else changed the object)",
            Self::BadUserInput => {
                "A bad argument to a query; also malformed requests, CSRF refusals, batch size and mutations over GET"
            }
            Self::QueryTooComplex => "A depth, complexity, alias or token limit was exceeded",
            Self::GraphqlParseFailed => "The document does not parse",
            Self::GraphqlValidationFailed => {
                "The document does not validate against the schema (or selects introspection while it is off)"
            }
            Self::PersistedQueryNotFound => {
                "No stored query under this hash: resend it with the text (see [Persisted queries](#persisted-queries))"
            }
            Self::PersistedQueryNotSupported => "A `persistedQuery` version other than 1",
            Self::PersistedQueryHashMismatch => {
                "The `sha256Hash` is not the hash of the text sent with it"
            }
            Self::PersistedQueryNotTrusted => {
                "Only trusted documents run on this server, and this operation is not one"
            }
            Self::FileTooLarge => {
                "An evidence file over the upload limit, or a multipart request over its body limit (HTTP 413)"
            }
            Self::Internal => {
                "Anything unexpected. The message is generic; the cause is logged with the request id"
            }
            Self::RateLimited => {
                "A budget is spent, sign-in is locked out after failures, no password-hashing slot freed up in time, or the process holds as many live connections (subscriptions) as it may (HTTP 503 with `Retry-After`); see [Rate limits](#rate-limits)"
            }
            Self::TooManyLogins => {
                "More than one `login`, `changePassword` or `resetPassword` in a request (aliases, fragments and batches count); refused before anything runs"
            }
            Self::Timeout => {
                "The request ran past its deadline, or a PostgreSQL statement past `statement_timeout`"
            }
            Self::ServiceUnavailable => {
                "The database cannot be reached: HTTP 503 with `Retry-After`, whatever the operation"
            }
            Self::PasswordChangeRequired => {
                "The password was reset by an administrator: every operation but `changePassword`, `logout`, `me` and `mySessions` is refused until it is changed (`/evidence` answers 403)"
            }
        }
    }
}

// The one list of user error codes. It is a macro so that the GraphQL layer can make its
// enum from the same list (`user_error_codes!(its_macro)`), and the names on the wire
// cannot drift from these.
/// Calls `$then! { UserErrorCode { Variant => "CODE", … } }` with every user error code.
#[macro_export]
macro_rules! user_error_codes {
    ($then:ident) => {
        $then! {
            /// Stable codes for errors a user can fix; returned in a mutation's `userErrors`.
            UserErrorCode {
                Required => "REQUIRED",
                TooLong => "TOO_LONG",
                InvalidFormat => "INVALID_FORMAT",
                OutOfRange => "OUT_OF_RANGE",
                NotPositive => "NOT_POSITIVE",
                EndBeforeStart => "END_BEFORE_START",
                Duplicate => "DUPLICATE",
                NotDraft => "NOT_DRAFT",
                NotLaunched => "NOT_LAUNCHED",
                NoConcreteCriterion => "NO_CONCRETE_CRITERION",
                AggregationNotAllowed => "AGGREGATION_NOT_ALLOWED",
                InvalidTransition => "INVALID_TRANSITION",
                AlreadyRegistered => "ALREADY_REGISTERED",
                NotRegistered => "NOT_REGISTERED",
                AlreadyCompleted => "ALREADY_COMPLETED",
                InvalidParent => "INVALID_PARENT",
                Inactive => "INACTIVE",
                UnknownReference => "UNKNOWN_REFERENCE",
                // Progress reports.
                NotANumber => "NOT_A_NUMBER",
                PercentOutOfRange => "PERCENT_OUT_OF_RANGE",
                InvalidCount => "INVALID_COUNT",
                NotYesNo => "NOT_YES_NO",
                UnknownCriterion => "UNKNOWN_CRITERION",
                DuplicateCriterion => "DUPLICATE_CRITERION",
                MissingCriterion => "MISSING_CRITERION",
                InvalidPeriod => "INVALID_PERIOD",
                PeriodOutsideCampaign => "PERIOD_OUTSIDE_CAMPAIGN",
                CampaignNotLaunched => "CAMPAIGN_NOT_LAUNCHED",
                NotParticipating => "NOT_PARTICIPATING",
                InvalidLocation => "INVALID_LOCATION",
                Conflict => "CONFLICT",
                Locked => "LOCKED",
                Forbidden => "FORBIDDEN",
                TooMany => "TOO_MANY",
                // Exemplary models.
                StageSkipped => "STAGE_SKIPPED",
                SelfReplication => "SELF_REPLICATION",
                // Evidence files.
                UnsupportedFileType => "UNSUPPORTED_FILE_TYPE",
                FileTooLarge => "FILE_TOO_LARGE",
                // Commendations.
                CampaignRequired => "CAMPAIGN_REQUIRED",
                RecipientKindMismatch => "RECIPIENT_KIND_MISMATCH",
                DuplicateDecisionNumber => "DUPLICATE_DECISION_NUMBER",
                TallyMismatch => "TALLY_MISMATCH",
                TallyExceedsMembers => "TALLY_EXCEEDS_MEMBERS",
                AwardNotInEffect => "AWARD_NOT_IN_EFFECT",
                /// The award is decided above the council's unit: propose it upward instead.
                OutsideAuthority => "OUTSIDE_AUTHORITY",
                /// The award is decided inside the province: it passes a council ballot.
                BallotRequired => "BALLOT_REQUIRED",
                /// Not stored for a reason that is not the input's (the database failed on
                /// this item alone): send the same item again later.
                TryAgain => "TRY_AGAIN",
                // One item of a batch refused for a request-level reason (see
                // `UserErrorCode::for_item`): the same code as the request-level error.
                NotFound => "NOT_FOUND",
                RateLimited => "RATE_LIMITED",
                Timeout => "TIMEOUT",
                ServiceUnavailable => "SERVICE_UNAVAILABLE",
                // Org units.
                SecondRoot => "SECOND_ROOT",
                // People and unit succession.
                /// Only a foreign-relations honour goes to a person outside the units.
                UnitRequired => "UNIT_REQUIRED",
                /// The unit already has a successor, or would succeed itself.
                InvalidSuccession => "INVALID_SUCCESSION",
                // Target definitions: a parameter the target's kind or comparator does not use.
                NotApplicable => "NOT_APPLICABLE",
                // Accounts and passwords.
                /// The new password is the username (or contains it).
                PasswordIsUsername => "PASSWORD_IS_USERNAME",
                /// The new password is in the list of most common passwords shipped with
                /// the server.
                PasswordTooCommon => "PASSWORD_TOO_COMMON",
                /// `changePassword`'s current password is wrong.
                WrongPassword => "WRONG_PASSWORD",
                /// The change would leave the caller (or the province) without an
                /// administrator: deactivating oneself, revoking one's own last admin role.
                SelfLockout => "SELF_LOCKOUT",
                // Machine clients.
                /// A scope this server does not know (see the README's scope table).
                UnknownScope => "UNKNOWN_SCOPE",
            }
        }
    };
}

user_error_codes!(string_enum);

impl UserErrorCode {
    /// The code of one batch item that failed for a request-level reason, so its
    /// neighbours can still be answered: the same code where one exists, else
    /// `TRY_AGAIN` (an internal failure is never shown as such).
    pub const fn for_item(code: ErrorCode) -> Self {
        match code {
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::Forbidden => Self::Forbidden,
            ErrorCode::Conflict => Self::Conflict,
            ErrorCode::RateLimited => Self::RateLimited,
            ErrorCode::Timeout => Self::Timeout,
            ErrorCode::ServiceUnavailable => Self::ServiceUnavailable,
            ErrorCode::Unauthenticated
            | ErrorCode::BadUserInput
            | ErrorCode::QueryTooComplex
            | ErrorCode::GraphqlParseFailed
            | ErrorCode::GraphqlValidationFailed
            | ErrorCode::PersistedQueryNotFound
            | ErrorCode::PersistedQueryNotSupported
            | ErrorCode::PersistedQueryHashMismatch
            | ErrorCode::PersistedQueryNotTrusted
            | ErrorCode::FileTooLarge
            | ErrorCode::Internal
            | ErrorCode::TooManyLogins
            | ErrorCode::PasswordChangeRequired => Self::TryAgain,
        }
    }
}

/// A user-facing message as plain data: an id in the message catalogue
/// (`crates/api/locales/{vi,en}/*.ftl`) and its named arguments. The API renders it in the
/// request's language; the domain never holds the text, so every message exists in every
/// language the catalogue has. Make one with [`msg!`](crate::msg).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, MessageArg)>,
}

/// One argument of a [`Message`]: numbers stay numbers so the catalogue can choose plural
/// forms; everything else (dates, ids, names) is text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageArg {
    Number(i64),
    Text(String),
    /// A word from a vocabulary message of the catalogue (`thing`, `campaign-status`…),
    /// chosen by `key` and rendered in the message's language.
    Word {
        vocabulary: &'static str,
        key: String,
    },
}

impl MessageArg {
    /// The word for `key` in `vocabulary`: `word("campaign-status", "LAUNCHED")`. Spaces in
    /// the key become `-`, as Fluent's variant keys need.
    pub fn word(vocabulary: &'static str, key: &str) -> Self {
        Self::Word {
            vocabulary,
            key: key.replace(' ', "-"),
        }
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {
        $(impl From<$t> for MessageArg {
            fn from(n: $t) -> Self {
                i64::try_from(n).map_or_else(|_| Self::Text(n.to_string()), Self::Number)
            }
        })*
    };
}
number_args!(i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl From<chrono::NaiveDate> for MessageArg {
    fn from(d: chrono::NaiveDate) -> Self {
        Self::Text(d.to_string())
    }
}

impl From<rust_decimal::Decimal> for MessageArg {
    fn from(d: rust_decimal::Decimal) -> Self {
        Self::Text(d.normalize().to_string())
    }
}

impl From<&str> for MessageArg {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for MessageArg {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&String> for MessageArg {
    fn from(s: &String) -> Self {
        Self::Text(s.clone())
    }
}

impl Message {
    /// The value of argument `name`, if given.
    pub fn arg(&self, name: &str) -> Option<&MessageArg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Shown in logs only: the id and the arguments, never a translation.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)?;
        for (i, (name, value)) in self.args.iter().enumerate() {
            f.write_str(if i == 0 { "(" } else { ", " })?;
            match value {
                MessageArg::Number(n) => write!(f, "{name}={n}")?,
                MessageArg::Text(t) => write!(f, "{name}={t:?}")?,
                MessageArg::Word { vocabulary, key } => write!(f, "{name}={vocabulary}:{key}")?,
            }
        }
        if !self.args.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A catalogue message: `msg!("too-long", max = 200)`. The id is a string literal so a test
/// can find every id the code uses; each argument is anything [`MessageArg`] converts from
/// (`Display` values go through `.to_string()`).
#[macro_export]
macro_rules! msg {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::error::Message {
            id: $id,
            args: vec![$((stringify!($name), $crate::error::MessageArg::from($value))),*],
        }
    };
}

/// A user-fixable error tied to an input field (`field` is the GraphQL input path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub code: UserErrorCode,
    pub message: Message,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: UserErrorCode, message: Message) -> Self {
        Self {
            field: field.into(),
            code,
            message,
        }
    }

    /// Re-roots the error under a parent input field, e.g. `title` → `criteria.0.title`.
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's list of codes, as made from the enums (see `the_readme_lists_every_code`).
    fn readme_codes() -> String {
        let mut s = String::from("`userErrors[].code` (the enum `UserErrorCode`):\n\n");
        let mut line = String::new();
        let last = UserErrorCode::ALL.len() - 1;
        for (i, c) in UserErrorCode::ALL.iter().enumerate() {
            let item = format!("`{c}`{}", if i == last { "." } else { "," });
            if !line.is_empty() && line.len() + 1 + item.len() > 100 {
                s.push_str(&line);
                s.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&item);
        }
        s.push_str(&line);
        s.push_str("\n\n`errors[].extensions.code`:\n\n| code | when |\n| --- | --- |\n");
        for c in ErrorCode::ALL {
            s.push_str(&format!("| `{c}` | {} |\n", c.meaning()));
        }
        s
    }

    const BEGIN: &str = "<!-- error codes: begin (made from crates/domain/src/error.rs) -->";
    const END: &str = "<!-- error codes: end -->";

    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../../../README.md");
        let listed = readme
            .split_once(BEGIN)
            .and_then(|(_, rest)| rest.split_once(END))
            .map(|(section, _)| section.trim())
            .expect("README.md has the marked error-code section");
        let expected = readme_codes();
        assert!(
            listed == expected.trim(),
            "README.md's error codes differ from the enums; put this between the markers:\n{expected}"
        );
    }

    #[test]
    fn codes_parse_back_and_are_unique() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
            assert!(!c.meaning().is_empty());
        }
        for c in UserErrorCode::ALL {
            assert_eq!(UserErrorCode::parse(c.as_str()), Some(*c));
        }
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn a_failed_batch_item_keeps_its_code_or_asks_for_a_retry() {
        assert_eq!(
            UserErrorCode::for_item(ErrorCode::NotFound).as_str(),
            ErrorCode::NotFound.as_str()
        );
        assert_eq!(
            UserErrorCode::for_item(ErrorCode::ServiceUnavailable).as_str(),
            ErrorCode::ServiceUnavailable.as_str()
        );
        assert_eq!(
            UserErrorCode::for_item(ErrorCode::Internal),
            UserErrorCode::TryAgain
        );
    }
}
