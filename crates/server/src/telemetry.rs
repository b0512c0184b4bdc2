//! Logging through `tracing`: human-readable by default, JSON for log shippers.

use tracing_subscriber::fmt::MakeWriter;

use crate::config::{LogFilter, LogFormat};

/// Installs the global subscriber once; later calls (e.g. from several tests) are no-ops.
/// The filter was checked when the settings were read, so nothing falls back here.
pub fn init<W>(filter: &LogFilter, format: LogFormat, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter.env_filter())
        .with_writer(sink);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
