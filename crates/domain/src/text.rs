//! Human text: titles, names, codes, and the folding that makes "thi dua" find "thi đua".

use crate::error::Message;
use crate::msg;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::{FieldError, UserErrorCode};

/// Normalises to NFC and trims; Vietnamese typed on different keyboards arrives in
/// different normal forms and must compare equal.
pub fn nfc_trim(raw: &str) -> String {
    raw.trim().nfc().collect()
}

/// Normalises like [`nfc_trim`] and refuses what no column can hold faithfully: NUL and
/// every other control character except tab and newline. A carriage return is taken as a
/// line break (CRLF and lone CR become LF), so text typed on any platform is stored, hashed
/// and returned the same way.
pub fn clean(raw: &str) -> Result<String, FieldError> {
    let s = nfc_trim(raw);
    let s = if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s
    };
    check_no_controls(&s)?;
    Ok(s)
}

/// Refuses NUL and control characters other than tab and newline (INVALID_FORMAT).
pub fn check_no_controls(s: &str) -> Result<(), FieldError> {
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(
            "",
            UserErrorCode::InvalidFormat,
            msg!("control-characters"),
        ));
    }
    Ok(())
}

/// Lowercase, diacritic-free form for accent-insensitive search.
pub fn fold_for_search(raw: &str) -> String {
    raw.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A parsed `search` argument: the distinct folded words (see [`fold_for_search`]) that
/// must all appear, in any order, in a row's folded `search_text`. Bounded so one request
/// cannot ask for hundreds of pattern scans; blank input is no search at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(Vec<String>);

impl SearchQuery {
    pub const MAX_CHARS: usize = 200;
    pub const MAX_WORDS: usize = 8;

    /// `Ok(None)` for blank input; TOO_LONG past [`Self::MAX_CHARS`], INVALID_FORMAT for any
    /// control character (tab and newline included: a search box sends neither), TOO_MANY
    /// past [`Self::MAX_WORDS`] distinct words.
    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        if raw.len() > Self::MAX_CHARS * 4 || raw.chars().count() > Self::MAX_CHARS {
            return Err(too_long(Self::MAX_CHARS));
        }
        if raw.chars().any(char::is_control) {
            return Err(FieldError::new(
                "",
                UserErrorCode::InvalidFormat,
                msg!("control-characters"),
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for w in fold_for_search(raw).split(' ').filter(|w| !w.is_empty()) {
            if !words.iter().any(|k| k == w) {
                words.push(w.to_owned());
            }
        }
        if words.len() > Self::MAX_WORDS {
            return Err(FieldError::new(
                "",
                UserErrorCode::TooMany,
                msg!("text-search-most-words", max = Self::MAX_WORDS),
            ));
        }
        Ok((!words.is_empty()).then_some(Self(words)))
    }

    /// The folded words, each non-empty and free of spaces.
    pub fn words(&self) -> &[String] {
        &self.0
    }
}

/// Required, bounded, single-paragraph-or-more human text (titles, names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 300;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_bounded(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Optional longer text (summaries, pledges, notes); empty becomes `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongText(String);

impl LongText {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        if raw.is_some_and(|r| r.len() > Self::MAX_CHARS * 4 + 64) {
            return Err(too_long(Self::MAX_CHARS));
        }
        match raw.map(clean).transpose()? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) if s.chars().count() > Self::MAX_CHARS => Err(too_long(Self::MAX_CHARS)),
            Some(s) => Ok(Some(Self(s))),
        }
    }

    /// Like [`parse_optional`](Self::parse_optional), but empty is REQUIRED with `why` as
    /// the message (a reason for a refusal, a correction, a withdrawal).
    pub fn parse_required(raw: &str, why: Message) -> Result<Self, FieldError> {
        Self::parse_optional(Some(raw))?
            .ok_or_else(|| FieldError::new("", UserErrorCode::Required, why))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

fn parse_bounded(raw: &str, max: usize) -> Result<String, FieldError> {
    // Check the raw length first so a megabyte of input is refused before normalising it.
    if raw.len() > max * 4 + 64 {
        return Err(too_long(max));
    }
    let s = clean(raw)?;
    if s.is_empty() {
        return Err(FieldError::new(
            "",
            UserErrorCode::Required,
            msg!("required"),
        ));
    }
    if s.chars().count() > max {
        return Err(too_long(max));
    }
    Ok(s)
}

fn too_long(max: usize) -> FieldError {
    FieldError::new("", UserErrorCode::TooLong, msg!("too-long", max = max))
}

/// Machine code of a campaign, unit or field: `A-Z`, `0-9`, `-`, `_`, `.`; 2–40 chars,
/// stored upper-case so codes compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_uppercase();
        let ok_len = (2..=40).contains(&s.len());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if s.is_empty() {
            return Err(FieldError::new(
                "",
                UserErrorCode::Required,
                msg!("required"),
            ));
        }
        if !ok_len || !ok_chars {
            return Err(FieldError::new(
                "",
                UserErrorCode::InvalidFormat,
                msg!("code-format"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_required_text_is_refused_when_blank() {
        assert_eq!(
            LongText::parse_required("  ", msg!("required"))
                .unwrap_err()
                .code,
            UserErrorCode::Required
        );
        assert_eq!(
            LongText::parse_required(" Lý do ", msg!("required")).map(LongText::into_inner),
            Ok("Lý do".to_owned())
        );
    }

    #[test]
    fn folding_makes_unaccented_query_match_vietnamese() {
        assert_eq!(fold_for_search("Thi Đua Yêu Nước"), "thi dua yeu nuoc");
        assert!(fold_for_search("Phong trào thi đua").contains(&fold_for_search("thi dua")));
    }

    #[test]
    fn a_search_folds_case_marks_and_d_and_keeps_distinct_words() {
        let q = |raw| SearchQuery::parse(raw).unwrap().unwrap().words().to_vec();
        assert_eq!(q("  Hạ   LONG hạ "), ["ha", "long"]);
        assert_eq!(q("ĐOÀN Đức"), ["doan", "duc"]);
        // NFD input (combining marks typed separately) folds the same as NFC.
        let nfd: String = "Hạ Long".nfd().collect();
        assert_eq!(q(&nfd), ["ha", "long"]);
        // Pattern characters are kept as typed: the SQL layer escapes them.
        assert_eq!(q("50% a_b c\\d"), ["50%", "a_b", "c\\d"]);
    }

    #[test]
    fn a_blank_search_is_no_search() {
        assert_eq!(SearchQuery::parse(""), Ok(None));
        assert_eq!(SearchQuery::parse(" \u{3000} "), Ok(None));
    }

    #[test]
    fn hostile_searches_are_refused_with_codes() {
        let code = |raw: &str| SearchQuery::parse(raw).unwrap_err().code;
        assert_eq!(code(&"a".repeat(201)), UserErrorCode::TooLong);
        assert_eq!(code(&"ă".repeat(201)), UserErrorCode::TooLong);
        assert!(SearchQuery::parse(&"ă".repeat(200)).is_ok());
        for bad in ["a\0b", "a\tb", "a\nb", "a\u{1b}[31m", "a\u{85}"] {
            assert_eq!(code(bad), UserErrorCode::InvalidFormat, "{bad:?}");
        }
        assert_eq!(code("a b c d e f g h i"), UserErrorCode::TooMany);
        // Repeated words count once.
        assert!(SearchQuery::parse("a b c d e f g h a b").is_ok());
    }

    #[test]
    fn nfd_input_is_stored_as_nfc() {
        let nfd: String = "Quảng Ninh".nfd().collect();
        let t = Title::parse(&nfd).unwrap();
        assert_eq!(t.as_str(), "Quảng Ninh");
    }

    #[test]
    fn empty_and_huge_titles_are_refused_with_codes() {
        assert_eq!(
            Title::parse("   ").unwrap_err().code,
            UserErrorCode::Required
        );
        let huge = "a".repeat(1_000_000);
        assert_eq!(
            Title::parse(&huge).unwrap_err().code,
            UserErrorCode::TooLong
        );
        assert_eq!(
            Title::parse(&"ă".repeat(301)).unwrap_err().code,
            UserErrorCode::TooLong
        );
        assert!(Title::parse(&"ă".repeat(300)).is_ok());
    }

    #[test]
    fn nul_and_control_characters_are_refused_in_every_text() {
        for bad in ["a\0b", "a\u{1}b", "a\u{7f}b", "a\u{85}b", "a\u{1b}[31m"] {
            assert_eq!(
                Title::parse(bad).unwrap_err().code,
                UserErrorCode::InvalidFormat,
                "{bad:?}"
            );
            assert_eq!(
                LongText::parse_optional(Some(bad)).unwrap_err().code,
                UserErrorCode::InvalidFormat,
                "{bad:?}"
            );
        }
        assert_eq!(
            LongText::parse_optional(Some("a\tb\nc"))
                .unwrap()
                .unwrap()
                .as_str(),
            "a\tb\nc"
        );
    }

    #[test]
    fn carriage_returns_become_newlines() {
        assert_eq!(clean("a\r\nb\rc").unwrap(), "a\nb\nc");
        assert_eq!(Title::parse("x\r\ny").unwrap().as_str(), "x\ny");
    }

    #[test]
    fn codes_are_upper_cased_and_restricted() {
        assert_eq!(Code::parse(" ktx-2025 ").unwrap().as_str(), "KTX-2025");
        assert_eq!(
            Code::parse("a b").unwrap_err().code,
            UserErrorCode::InvalidFormat
        );
        assert_eq!(Code::parse("").unwrap_err().code, UserErrorCode::Required);
    }
}
