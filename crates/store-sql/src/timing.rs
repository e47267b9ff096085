//! Every storage operation timed by name, and its database errors counted.

use magasin_domain::{StorageError, StorageResult};
use std::future::Future;
use std::time::Instant;

/// Runs `operation`, recording `magasin_db_query_duration_seconds{query}` and, when the database
/// failed it, `magasin_db_errors_total{query,kind}` (business refusals are not errors).
pub async fn timed<T>(query: &'static str, operation: impl Future<Output = StorageResult<T>>) -> StorageResult<T> {
    let started = Instant::now();
    let result = operation.await;
    metrics::histogram!("magasin_db_query_duration_seconds", "query" => query).record(started.elapsed().as_secs_f64());
    let kind = match &result {
        Err(StorageError::Unavailable(_)) => Some("unavailable"),
        Err(StorageError::Other(_)) => Some("other"),
        _ => None,
    };
    if let Some(kind) = kind {
        metrics::counter!("magasin_db_errors_total", "query" => query, "kind" => kind).increment(1);
    }
    result
}
