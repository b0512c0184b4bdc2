//! The language a request is answered in: Vietnamese unless `Accept-Language` prefers
//! English. The HTTP layer parses the header once and puts the [`Locale`] into the
//! request's data; resolvers read it with [`Locale::of`]. Kept small and separate so it can
//! be switched over to the message catalogue's own scope later.

use async_graphql::Context;

/// A language the API answers in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    /// Vietnamese, the default.
    #[default]
    Vi,
    En,
}

/// Header values longer than this are ignored (Vietnamese is answered).
const MAX_HEADER_BYTES: usize = 1024;
/// Language ranges of one header considered, at most.
const MAX_RANGES: usize = 32;

impl Locale {
    /// The request's language (Vietnamese when none was put into the context).
    pub fn of(ctx: &Context<'_>) -> Self {
        ctx.data_opt::<Self>().copied().unwrap_or_default()
    }

    /// Reads an `Accept-Language` value (RFC 9110 §12.5.4): the supported language with
    /// the highest q-value, the earlier one on a tie; `*` stands for Vietnamese; q=0 refuses
    /// a language. Anything unreadable, absent or unsupported gives Vietnamese.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header.filter(|h| h.len() <= MAX_HEADER_BYTES) else {
            return Self::default();
        };
        let mut best: Option<(u16, Self)> = None;
        for range in header.split(',').take(MAX_RANGES) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            let locale = if primary.eq_ignore_ascii_case("vi") || primary == "*" {
                Self::Vi
            } else if primary.eq_ignore_ascii_case("en") {
                Self::En
            } else {
                continue;
            };
            let mut q = Some(1000);
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = parse_q(v.trim());
                }
            }
            // An unreadable weight drops the range rather than guessing it.
            let Some(q) = q.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, locale));
            }
        }
        best.map_or_else(Self::default, |(_, l)| l)
    }
}

/// A q-value as thousandths: "0", "0.5", "1", "1.000"; None when it is not one.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn of(h: &str) -> Locale {
        Locale::from_accept_language(Some(h))
    }

    #[test]
    fn vietnamese_is_the_default() {
        assert_eq!(Locale::from_accept_language(None), Locale::Vi);
        assert_eq!(of(""), Locale::Vi);
        assert_eq!(of("fr-FR, de"), Locale::Vi);
        assert_eq!(of("*"), Locale::Vi);
        assert_eq!(of(&format!("en,{}", "x".repeat(2000))), Locale::Vi);
    }

    #[test]
    fn english_when_asked_for() {
        assert_eq!(of("en"), Locale::En);
        assert_eq!(of("EN-gb"), Locale::En);
        assert_eq!(of("en_US"), Locale::En);
        assert_eq!(of("fr, en;q=0.5"), Locale::En);
    }

    #[test]
    fn q_values_are_honoured() {
        assert_eq!(of("vi;q=0.4, en;q=0.8"), Locale::En);
        assert_eq!(of("en;q=0.4, vi;q=0.8"), Locale::Vi);
        assert_eq!(of("en;q=0, vi;q=0.1"), Locale::Vi);
        assert_eq!(of("en;q=0"), Locale::Vi);
        // A tie keeps the earlier one.
        assert_eq!(of("en, vi"), Locale::En);
        assert_eq!(of("vi-VN, en"), Locale::Vi);
        // An unreadable weight drops that range.
        assert_eq!(of("en;q=2, vi;q=0.1"), Locale::Vi);
        assert_eq!(of("en;q=abc"), Locale::Vi);
        assert_eq!(of("en;q=0.9999"), Locale::Vi);
        assert_eq!(of("en;q=1.000"), Locale::En);
        assert_eq!(of("vi;q=0.001, en;q=0.01"), Locale::En);
    }
}
