//! The ledger checking itself while running: [`Services::verify_ledger`] runs one pass (see the
//! storage's `verify_ledger`) and exports what the last pass found, whichever instance ran it.

use crate::{ServiceResult, Services};
use magasin_domain::verification::VerificationReport;

/// How old a ledger row must be before a pass adds it to the kept sums: longer than any write
/// transaction lasts (statements and connection waits are bounded to a few seconds), so that
/// no row with a lower id can still be uncommitted. Newer rows are checked too, on the fly.
pub const SETTLE: chrono::Duration = chrono::Duration::seconds(60);

impl Services {
    /// One pass of the verifier, rows older than `settle` kept in the sums; then the metrics
    /// say what the last pass (this one, or another instance's) found.
    #[tracing::instrument(skip_all)]
    pub async fn verify_ledger(&self, settle: chrono::Duration) -> ServiceResult<Option<VerificationReport>> {
        let now = Self::now();
        let ran = self.storage.verify_ledger(now, now - settle).await?;
        match &ran {
            Some(report) if !report.is_sound() => tracing::error!(
                stock = report.stock_count,
                aggregates = report.aggregate_count,
                stock_rows = report.stock_rows_count,
                first_stock = ?report.stock.first(),
                first_aggregate = ?report.aggregates.first(),
                first_stock_rows = ?report.stock_rows.first(),
                "ledger verification found invariant violations"
            ),
            Some(report) => {
                tracing::debug!(through = report.ledger_through, ms = report.duration_ms, "ledger verified")
            }
            None => tracing::debug!("another instance is verifying the ledger"),
        }
        let last = match &ran {
            Some(report) => Some(report.clone()),
            None => self.storage.last_verification().await?,
        };
        if let Some(last) = &last {
            export(last);
        }
        Ok(ran)
    }

    /// The last pass of the verifier, whichever instance ran it.
    pub async fn last_verification(&self) -> ServiceResult<Option<VerificationReport>> {
        Ok(self.storage.last_verification().await?)
    }
}

fn export(report: &VerificationReport) {
    metrics::gauge!("magasin_invariant_violations", "kind" => "stock").set(report.stock_count as f64);
    metrics::gauge!("magasin_invariant_violations", "kind" => "aggregate").set(report.aggregate_count as f64);
    metrics::gauge!("magasin_invariant_violations", "kind" => "stock_rows").set(report.stock_rows_count as f64);
    metrics::gauge!("magasin_ledger_verification_last_pass_timestamp_seconds").set(report.at.timestamp() as f64);
    metrics::gauge!("magasin_ledger_verification_duration_seconds").set(report.duration_ms as f64 / 1000.0);
}
