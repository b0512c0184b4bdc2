//! The `tracing` filter (`THIDUA_LOG`), parsed when the settings are read: a typo stops
//! the start with a message instead of silently logging at some other level.

use std::fmt;
use std::str::FromStr;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{Directive, LevelFilter};

/// A valid `tracing` filter such as `info` or `thidua=debug,sqlx=warn`, kept as its
/// directives (parsed once) and its text (for display).
#[derive(Clone, Debug)]
pub struct LogFilter {
    text: String,
    directives: Vec<Directive>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a tracing filter (THIDUA_LOG / --log), e.g. `info` or `thidua=debug,sqlx=warn`: {0}")]
pub struct InvalidLogFilter(#[from] tracing_subscriber::filter::ParseError);

impl LogFilter {
    /// The subscriber's filter. Directives are parsed as `EnvFilter::try_new` parses them
    /// (comma-separated, empty ones skipped), so nothing can be dropped here.
    pub fn env_filter(&self) -> EnvFilter {
        self.directives
            .iter()
            .cloned()
            .fold(EnvFilter::default(), EnvFilter::add_directive)
    }
}

impl FromStr for LogFilter {
    type Err = InvalidLogFilter;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let directives = text
            .split(',')
            .filter(|d| !d.is_empty())
            .map(Directive::from_str)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            text: text.to_owned(),
            directives,
        })
    }
}

/// `info`, the default of `THIDUA_LOG`.
impl Default for LogFilter {
    fn default() -> Self {
        Self {
            text: "info".to_owned(),
            directives: vec![LevelFilter::INFO.into()],
        }
    }
}

impl fmt::Display for LogFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_filters_are_refused_with_the_variable_named() {
        for bad in ["garbage[", "thidua=loud", "=info", "[{"] {
            let err = bad.parse::<LogFilter>().expect_err(bad);
            let msg = err.to_string();
            assert!(msg.contains("THIDUA_LOG"), "{msg}");
        }
    }

    #[test]
    fn valid_filters_keep_their_text() {
        for good in [
            "info",
            "thidua=debug,sqlx=warn",
            "warn,thidua_server[request]=debug",
        ] {
            let f: LogFilter = good.parse().expect(good);
            assert_eq!(f.to_string(), good);
            assert_eq!(
                f.env_filter().to_string(),
                EnvFilter::try_new(good).unwrap().to_string()
            );
        }
        assert_eq!(LogFilter::default().to_string(), "info");
        assert_eq!(
            LogFilter::default().env_filter().to_string(),
            EnvFilter::new("info").to_string()
        );
    }
}
