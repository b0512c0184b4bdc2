//! Which exports exist, and what an export link may be minted for: one known export path
//! and a bounded query string, kept byte for byte so the link fits exactly one request.

use crate::error::{FieldError, UserErrorCode};
use crate::msg;

/// The exports, by file name (`GET /exports/<name>`).
pub const EXPORTS: &[&str] = &[
    "commendations.csv",
    "commendations.xlsx",
    "exemplars.csv",
    "exemplars.xlsx",
    "reports.csv",
    "reports.xlsx",
    "reportingCompliance.csv",
    "reportingCompliance.xlsx",
    "criterionProgress.csv",
    "criterionProgress.xlsx",
    "commendationStats.csv",
    "commendationStats.xlsx",
    "exemplarStats.csv",
    "exemplarStats.xlsx",
];

/// Where the exports are served.
pub const PREFIX: &str = "/exports/";

/// The query-string parameter carrying an export link's token.
pub const LINK_PARAM: &str = "link";

/// Longest query string a link is minted for (the export routes take 16 short parameters).
pub const MAX_LINK_QUERY: usize = 2000;

/// A known export's path, `/exports/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPath(String);

impl ExportPath {
    /// `/exports/<name>` (or the bare `<name>`) of a known export; else UNKNOWN_REFERENCE.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.strip_prefix(PREFIX).unwrap_or(raw);
        match EXPORTS.iter().find(|e| **e == name) {
            Some(e) => Ok(Self(format!("{PREFIX}{e}"))),
            None => Err(FieldError::new(
                "path",
                UserErrorCode::UnknownReference,
                msg!("export-link-unknown-export", known = EXPORTS.join(", ")),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A query string a link is bound to: without the leading `?`, at most
/// [`MAX_LINK_QUERY`] bytes of printable ASCII (as a URL carries it, percent-encoded),
/// without a fragment and without a `link` parameter of its own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkQuery(String);

impl LinkQuery {
    pub fn parse(raw: Option<&str>) -> Result<Self, FieldError> {
        let raw = raw.unwrap_or_default();
        let q = raw.strip_prefix('?').unwrap_or(raw);
        let invalid = |code| {
            FieldError::new(
                "query",
                code,
                msg!("export-link-query-invalid", max = MAX_LINK_QUERY),
            )
        };
        if q.len() > MAX_LINK_QUERY {
            return Err(invalid(UserErrorCode::TooLong));
        }
        let printable = q.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
        if !printable || q.split('&').any(|p| param_name(p) == LINK_PARAM) {
            return Err(invalid(UserErrorCode::InvalidFormat));
        }
        Ok(Self(q.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn param_name(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(k, _)| k)
}

/// Splits a request's raw query string into the query the link was minted for and the
/// link's token: the `link` parameter must appear once and the rest keeps its order. None
/// without exactly one `link`.
pub fn split_link(raw: &str) -> Option<(String, String)> {
    let mut token = None;
    let mut rest = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((LINK_PARAM, t)) if token.is_none() => token = Some(t.to_owned()),
            _ if param_name(pair) == LINK_PARAM => return None,
            _ => rest.push(pair),
        }
    }
    token.map(|t| (rest.join("&"), t))
}

/// The URL of a link: the path, the query it binds, then the token.
pub fn link_url(path: &ExportPath, query: &LinkQuery, token: &str) -> String {
    if query.as_str().is_empty() {
        format!("{}?{LINK_PARAM}={token}", path.as_str())
    } else {
        format!("{}?{}&{LINK_PARAM}={token}", path.as_str(), query.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_exports_get_links() {
        assert_eq!(
            ExportPath::parse("/exports/reports.csv").unwrap().as_str(),
            "/exports/reports.csv"
        );
        assert_eq!(
            ExportPath::parse("exemplarStats.xlsx").unwrap().as_str(),
            "/exports/exemplarStats.xlsx"
        );
        for bad in ["/exports/secrets.csv", "/graphql", "", "/exports/../x.csv"] {
            let e = ExportPath::parse(bad).unwrap_err();
            assert_eq!(e.code, UserErrorCode::UnknownReference, "{bad}");
        }
    }

    #[test]
    fn link_queries_are_bounded_printable_and_carry_no_link() {
        assert_eq!(LinkQuery::parse(None).unwrap().as_str(), "");
        assert_eq!(
            LinkQuery::parse(Some("?a=1&b=%C3%A1")).unwrap().as_str(),
            "a=1&b=%C3%A1"
        );
        let long = "a".repeat(MAX_LINK_QUERY + 1);
        assert_eq!(
            LinkQuery::parse(Some(&long)).unwrap_err().code,
            UserErrorCode::TooLong
        );
        for bad in ["a=1 2", "a=\u{0}", "a=á", "a=1#x", "link=x", "a=1&link"] {
            assert_eq!(
                LinkQuery::parse(Some(bad)).unwrap_err().code,
                UserErrorCode::InvalidFormat,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_request_splits_into_the_bound_query_and_the_token() {
        assert_eq!(
            split_link("a=1&b=2&link=T"),
            Some(("a=1&b=2".into(), "T".into()))
        );
        assert_eq!(split_link("link=T"), Some((String::new(), "T".into())));
        assert_eq!(split_link("a=1"), None);
        assert_eq!(split_link("link=T&link=U"), None);
        let p = ExportPath::parse("reports.csv").unwrap();
        let q = LinkQuery::parse(Some("status=APPROVED")).unwrap();
        assert_eq!(
            link_url(&p, &q, "T"),
            "/exports/reports.csv?status=APPROVED&link=T"
        );
        let url = link_url(&p, &LinkQuery::default(), "T");
        assert_eq!(url, "/exports/reports.csv?link=T");
        let (_, query) = url.split_once('?').unwrap();
        assert_eq!(split_link(query), Some((String::new(), "T".into())));
    }
}
