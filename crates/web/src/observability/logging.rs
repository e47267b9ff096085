//! Logs: one JSON object per line (or text for humans), levels from `RUST_LOG`. Request lines
//! carry the request span (`request_id`, `method`, `route`, `instance`); tokens never appear.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Default levels when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// A subscriber writing to `writer`: JSON lines with the current span's fields, or text.
pub fn subscriber<W>(json: bool, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(colours);
    if json {
        Box::new(builder.json().flatten_event(true).with_current_span(true).with_span_list(false).finish())
    } else {
        Box::new(builder.finish())
    }
}

/// Keeps the log writer's thread alive; logs are flushed when it is dropped (at exit).
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

/// Installs the process-wide subscriber on stdout. Lines are written by a background thread,
/// so a request never waits for a `write(2)`; when its buffer is full the request waits rather
/// than a line being dropped.
pub fn init(json: bool) -> LogGuard {
    let (writer, guard) =
        tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(std::io::stdout());
    let _ = tracing::subscriber::set_global_default(subscriber(json, writer));
    guard
}
