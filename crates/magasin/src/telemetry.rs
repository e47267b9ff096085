//! Logs for the binary: the web crate's format on stdout.

use crate::cli::LogFormat;

/// Keep the returned guard until the process exits: dropping it flushes the last lines.
pub fn init(format: LogFormat) -> magasin_web::observability::logging::LogGuard {
    magasin_web::observability::logging::init(format == LogFormat::Json)
}
