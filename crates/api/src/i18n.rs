//! The message catalogue: every user-facing text lives in `crates/api/locales/<lang>/*.ftl`
//! (Fluent), one file per topic, in Vietnamese (the default) and English. Code names a
//! message by id with its arguments ([`thidua_domain::msg!`]); it is rendered here in the
//! request's language, which the HTTP layer negotiates from `Accept-Language` and sets for
//! the whole request with [`scope`].

use std::future::Future;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use thidua_domain::{Message, MessageArg};

/// A language the catalogue has. Vietnamese first: it answers whenever the client asks for
/// nothing, for a language the catalogue lacks, or sends a header that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Locale {
    #[default]
    Vi,
    En,
}

/// Longest `Accept-Language` value read, and most entries looked at: a header is a hint,
/// so anything beyond is ignored rather than refused.
const MAX_HEADER_BYTES: usize = 512;
const MAX_ENTRIES: usize = 16;

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Vi, Locale::En];

    /// The BCP 47 tag, as sent in `Content-Language`.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// The language a primary subtag names, if the catalogue has it.
    fn from_primary(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("vi") {
            Some(Self::Vi)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else if primary == "*" {
            Some(Self::Vi)
        } else {
            None
        }
    }

    /// Picks the language from an `Accept-Language` value (RFC 9110 §12.5.4): the known
    /// language with the highest q-value, the earlier one on a tie; `q=0` refuses one.
    /// Malformed entries are skipped; nothing usable gives Vietnamese.
    pub fn negotiate(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::default();
        };
        let header = match header.char_indices().nth(MAX_HEADER_BYTES) {
            Some((cut, _)) => &header[..cut],
            None => header,
        };
        let mut best: Option<(u16, Self)> = None;
        for entry in header.split(',').take(MAX_ENTRIES) {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let Some(locale) = Self::from_primary(tag) else {
                continue;
            };
            let mut q = Some(1000);
            for param in parts {
                if let Some((name, value)) = param.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    q = parse_q(value.trim());
                }
            }
            let Some(q) = q.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// A q-value in thousandths (`0`, `0.5`, `1.000`), or `None` when malformed.
fn parse_q(raw: &str) -> Option<u16> {
    let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

macro_rules! catalogue {
    ($($topic:literal),+ $(,)?) => {
        /// Every `.ftl` file, as (topic, Vietnamese text, English text). A topic file missing
        /// in one language does not compile.
        pub(crate) const FILES: &[(&str, &str, &str)] = &[$((
            $topic,
            include_str!(concat!("../locales/vi/", $topic, ".ftl")),
            include_str!(concat!("../locales/en/", $topic, ".ftl")),
        )),+];
    };
}

catalogue!(
    "common",
    "campaign",
    "report",
    "commendation",
    "org",
    "exemplar",
    "programme",
    "evidence",
    "request",
    "issue10",
    "sessions",
    "accounts",
    "passwords",
    "exports",
    "webhooks",
    "stats",
    "compliance",
    "progress",
    "clients",
);

type Bundle = FluentBundle<FluentResource>;

fn build(locale: Locale) -> Bundle {
    let lang = locale.tag().parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks around arguments: the texts are plain JSON strings.
    bundle.set_use_isolating(false);
    for (topic, vi, en) in FILES {
        let text = match locale {
            Locale::Vi => vi,
            Locale::En => en,
        };
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, errs)| {
            tracing::error!(
                topic,
                lang = locale.tag(),
                ?errs,
                "a message file has syntax errors"
            );
            r
        });
        if let Err(errs) = bundle.add_resource(resource) {
            tracing::error!(
                topic,
                lang = locale.tag(),
                ?errs,
                "a message file repeats an id"
            );
        }
    }
    bundle
}

static VI: LazyLock<Bundle> = LazyLock::new(|| build(Locale::Vi));
static EN: LazyLock<Bundle> = LazyLock::new(|| build(Locale::En));

fn bundle(locale: Locale) -> &'static Bundle {
    match locale {
        Locale::Vi => &VI,
        Locale::En => &EN,
    }
}

/// The text of `message` in `locale`; a message missing there falls back to Vietnamese,
/// then to its id (the catalogue test keeps both from happening).
pub fn render(locale: Locale, message: &Message) -> String {
    let mut args = FluentArgs::new();
    for (name, value) in &message.args {
        let value = match value {
            MessageArg::Number(n) => FluentValue::from(*n),
            MessageArg::Text(t) => FluentValue::from(t.as_str()),
            MessageArg::Word { vocabulary, key } => {
                FluentValue::from(word(locale, vocabulary, key))
            }
        };
        args.set(*name, value);
    }
    format(locale, message.id, &args).unwrap_or_else(|| {
        tracing::error!(id = message.id, "a message id is not in the catalogue");
        message.id.to_owned()
    })
}

/// The word for `key` in a vocabulary message (a select on `$key`).
fn word(locale: Locale, vocabulary: &str, key: &str) -> String {
    let mut args = FluentArgs::new();
    args.set("key", FluentValue::from(key));
    format(locale, vocabulary, &args).unwrap_or_else(|| key.to_owned())
}

/// Message `id` with `args` in `locale`, else in Vietnamese, else `None`.
fn format(locale: Locale, id: &str, args: &FluentArgs) -> Option<String> {
    for locale in [locale, Locale::Vi] {
        let bundle = bundle(locale);
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = vec![];
            let text = bundle.format_pattern(pattern, Some(args), &mut errors);
            if !errors.is_empty() {
                tracing::warn!(id, ?errors, "a message rendered with errors");
            }
            return Some(text.into_owned());
        }
    }
    None
}

tokio::task_local! {
    static LOCALE: Locale;
}

/// Runs `fut` with `locale` as the language of every message rendered inside it.
pub async fn scope<F: Future>(locale: Locale, fut: F) -> F::Output {
    LOCALE.scope(locale, fut).await
}

/// The language of the request being served (Vietnamese outside one).
pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or_default()
}

/// `message` in the language of the request being served.
pub fn text(message: &Message) -> String {
    render(current(), message)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The ids (messages and `-terms`) a file defines: entries start at the line start.
    fn ids(ftl: &str) -> Vec<String> {
        ftl.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t', '}', '[', '*']) && !l.is_empty())
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    /// Every `msg!("id"` and `word("vocabulary"` in the workspace's sources (tests included).
    fn ids_used_in_code() -> BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if path.file_name().is_some_and(|n| n != "target") {
                        walk(&path, out);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let src = std::fs::read_to_string(&path).unwrap_or_default();
                    let pieces = src.split("msg!(").skip(1);
                    for piece in pieces.chain(src.split("word(").skip(1)) {
                        let piece = piece.trim_start();
                        if let Some(rest) = piece.strip_prefix('"')
                            && let Some((id, _)) = rest.split_once('"')
                            && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                        {
                            out.insert(id.to_owned());
                        }
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = BTreeSet::new();
        for dir in ["crates", "tests"] {
            walk(&root.join(dir), &mut out);
        }
        // The docs' own examples.
        out.remove("id");
        out.remove("vocabulary");
        out
    }

    #[test]
    fn both_languages_have_the_same_ids_in_the_same_files() {
        for (topic, vi, en) in FILES {
            let (vi_ids, en_ids): (BTreeSet<_>, BTreeSet<_>) =
                (ids(vi).into_iter().collect(), ids(en).into_iter().collect());
            let only_vi: Vec<_> = vi_ids.difference(&en_ids).collect();
            let only_en: Vec<_> = en_ids.difference(&vi_ids).collect();
            assert!(
                only_vi.is_empty() && only_en.is_empty(),
                "{topic}.ftl: only in vi: {only_vi:?}; only in en: {only_en:?}"
            );
            assert_eq!(
                ids(vi).len(),
                vi_ids.len(),
                "{topic}.ftl (vi) repeats an id"
            );
        }
    }

    #[test]
    fn every_file_parses_and_no_id_is_defined_twice() {
        for (topic, vi, en) in FILES {
            for text in [vi, en] {
                if let Err((_, errs)) = FluentResource::try_new((*text).to_owned()) {
                    panic!("{topic}.ftl does not parse: {errs:?}");
                }
            }
        }
        let all: Vec<String> = FILES.iter().flat_map(|(_, vi, _)| ids(vi)).collect();
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!(
            all.len(),
            unique.len(),
            "an id is defined in two topic files"
        );
    }

    #[test]
    fn every_id_the_code_uses_is_in_both_languages() {
        let used = ids_used_in_code();
        assert!(used.len() > 50, "the source scan found only {used:?}");
        for locale in Locale::ALL {
            let missing: Vec<_> = used
                .iter()
                .filter(|id| bundle(locale).get_message(id).is_none())
                .collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }

    #[test]
    fn vietnamese_is_nfc() {
        for (topic, vi, _) in FILES {
            for line in vi.lines() {
                let nfc = thidua_domain::text::nfc_trim(line);
                assert!(nfc == line.trim(), "{topic}.ftl (vi) is not in NFC: {line}");
            }
        }
    }

    #[test]
    fn a_message_renders_with_its_arguments_in_each_language() {
        let m = thidua_domain::msg!("too-long", max = 200);
        assert_eq!(
            render(Locale::Vi, &m),
            "Vượt quá độ dài cho phép (tối đa 200 ký tự)"
        );
        assert_eq!(render(Locale::En, &m), "must be at most 200 characters");
        let s = thidua_domain::msg!(
            "campaign-not-draft",
            status = thidua_domain::MessageArg::word("campaign-status", "LAUNCHED")
        );
        assert!(render(Locale::Vi, &s).contains("đang triển khai"));
        assert!(render(Locale::En, &s).contains("launched"));
    }

    #[test]
    fn every_state_has_its_word_in_both_languages() {
        use thidua_domain::award::RecipientKind;
        use thidua_domain::campaign::CampaignStatus;
        use thidua_domain::commendation::CommendationStatus;
        use thidua_domain::exemplar::ExemplarStage;
        use thidua_domain::report::ReportStatus;
        let vocabularies: [(&str, Vec<&str>); 5] = [
            (
                "campaign-status",
                CampaignStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "report-status",
                ReportStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "commendation-status",
                CommendationStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "exemplar-stage",
                ExemplarStage::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "recipient-kind",
                RecipientKind::ALL.iter().map(|s| s.as_str()).collect(),
            ),
        ];
        for (vocabulary, keys) in vocabularies {
            for key in keys {
                for locale in Locale::ALL {
                    assert_ne!(
                        word(locale, vocabulary, key),
                        key,
                        "{vocabulary} {locale:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn accept_language_picks_the_best_known_language_and_defaults_to_vietnamese() {
        let cases = [
            (None, Locale::Vi),
            (Some(""), Locale::Vi),
            (Some("en"), Locale::En),
            (Some("EN-us"), Locale::En),
            (Some("vi-VN,vi;q=0.9,en;q=0.8"), Locale::Vi),
            (Some("fr-FR, en;q=0.5"), Locale::En),
            (Some("fr, de"), Locale::Vi),
            (Some("en;q=0.3, vi;q=0.7"), Locale::Vi),
            (Some("vi;q=0.2, en;q=0.9"), Locale::En),
            (Some("en;q=0"), Locale::Vi),
            (Some("en;q=2"), Locale::Vi),
            (Some("en;q=abc, vi"), Locale::Vi),
            (Some("en;q=0.5, vi;q=0.5"), Locale::En),
            (Some("*"), Locale::Vi),
            (Some(";;;,,,=q"), Locale::Vi),
        ];
        for (header, want) in cases {
            assert_eq!(Locale::negotiate(header), want, "{header:?}");
        }
        let long = format!("{}en", "x,".repeat(10_000));
        assert_eq!(Locale::negotiate(Some(&long)), Locale::Vi);
    }

    #[tokio::test]
    async fn the_scope_sets_the_language_of_rendered_messages() {
        let m = thidua_domain::msg!("required");
        assert_eq!(text(&m), "Không được để trống");
        let en = scope(Locale::En, async { text(&m) }).await;
        assert_eq!(en, "must not be empty");
    }
}
