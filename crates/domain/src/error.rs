//! Error vocabulary shared by every layer: what a client can switch on.

use std::fmt;

/// Codes for errors that are not the user's to fix in a form field; they travel in
/// GraphQL `errors[].extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    BadUserInput,
    QueryTooComplex,
    RateLimited,
    Internal,
    /// The request ran past its deadline (or a database statement past its timeout).
    Timeout,
    /// The database cannot be reached; retry after the `Retry-After` delay (HTTP 503).
    ServiceUnavailable,
    /// More than one `login` in a request (document or batch).
    TooManyLogins,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
            Self::Timeout => "TIMEOUT",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::TooManyLogins => "TOO_MANY_LOGINS",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable codes for errors a user can fix; returned in a mutation's `userErrors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserErrorCode {
    Required,
    TooLong,
    InvalidFormat,
    OutOfRange,
    NotPositive,
    EndBeforeStart,
    Duplicate,
    NotDraft,
    NotLaunched,
    NoConcreteCriterion,
    InvalidTransition,
    AlreadyRegistered,
    NotRegistered,
    AlreadyCompleted,
    InvalidParent,
    Inactive,
    UnknownReference,
    // Progress reports.
    NotANumber,
    PercentOutOfRange,
    InvalidCount,
    NotYesNo,
    UnknownCriterion,
    DuplicateCriterion,
    MissingCriterion,
    InvalidPeriod,
    PeriodOutsideCampaign,
    CampaignNotLaunched,
    NotParticipating,
    InvalidLocation,
    Conflict,
    Locked,
    Forbidden,
    TooMany,
    // Exemplary models.
    StageSkipped,
    SelfReplication,
    // Evidence files.
    UnsupportedFileType,
    FileTooLarge,
    // Commendations.
    CampaignRequired,
    RecipientKindMismatch,
    DuplicateDecisionNumber,
    TallyMismatch,
    TallyExceedsMembers,
    AwardNotInEffect,
    /// Not stored for a reason that is not the input's (the database failed on this item
    /// alone): send the same item again later.
    TryAgain,
    // Org units.
    SecondRoot,
}

impl UserErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Required => "REQUIRED",
            Self::TooLong => "TOO_LONG",
            Self::InvalidFormat => "INVALID_FORMAT",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::NotPositive => "NOT_POSITIVE",
            Self::EndBeforeStart => "END_BEFORE_START",
            Self::Duplicate => "DUPLICATE",
            Self::NotDraft => "NOT_DRAFT",
            Self::NotLaunched => "NOT_LAUNCHED",
            Self::NoConcreteCriterion => "NO_CONCRETE_CRITERION",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::AlreadyRegistered => "ALREADY_REGISTERED",
            Self::NotRegistered => "NOT_REGISTERED",
            Self::AlreadyCompleted => "ALREADY_COMPLETED",
            Self::InvalidParent => "INVALID_PARENT",
            Self::Inactive => "INACTIVE",
            Self::UnknownReference => "UNKNOWN_REFERENCE",
            Self::NotANumber => "NOT_A_NUMBER",
            Self::PercentOutOfRange => "PERCENT_OUT_OF_RANGE",
            Self::InvalidCount => "INVALID_COUNT",
            Self::NotYesNo => "NOT_YES_NO",
            Self::UnknownCriterion => "UNKNOWN_CRITERION",
            Self::DuplicateCriterion => "DUPLICATE_CRITERION",
            Self::MissingCriterion => "MISSING_CRITERION",
            Self::InvalidPeriod => "INVALID_PERIOD",
            Self::PeriodOutsideCampaign => "PERIOD_OUTSIDE_CAMPAIGN",
            Self::CampaignNotLaunched => "CAMPAIGN_NOT_LAUNCHED",
            Self::NotParticipating => "NOT_PARTICIPATING",
            Self::InvalidLocation => "INVALID_LOCATION",
            Self::Conflict => "CONFLICT",
            Self::Locked => "LOCKED",
            Self::Forbidden => "FORBIDDEN",
            Self::TooMany => "TOO_MANY",
            Self::StageSkipped => "STAGE_SKIPPED",
            Self::SelfReplication => "SELF_REPLICATION",
            Self::UnsupportedFileType => "UNSUPPORTED_FILE_TYPE",
            Self::FileTooLarge => "FILE_TOO_LARGE",
            Self::CampaignRequired => "CAMPAIGN_REQUIRED",
            Self::RecipientKindMismatch => "RECIPIENT_KIND_MISMATCH",
            Self::DuplicateDecisionNumber => "DUPLICATE_DECISION_NUMBER",
            Self::TallyMismatch => "TALLY_MISMATCH",
            Self::TallyExceedsMembers => "TALLY_EXCEEDS_MEMBERS",
            Self::AwardNotInEffect => "AWARD_NOT_IN_EFFECT",
            Self::TryAgain => "TRY_AGAIN",
            Self::SecondRoot => "SECOND_ROOT",
        }
    }
}

/// A user-fixable error tied to an input field (`field` is the GraphQL input path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub code: UserErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
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
