//! What seeding does PostgreSQL's own way: sequences moved past explicit ids, and history
//! streamed with `COPY`.

use crate::errors::map_error;
use magasin_domain::sales::SaleStatus;
use magasin_domain::seed::HistoricSale;
use magasin_domain::{StorageError, StorageResult};
use sqlx::PgConnection;
use sqlx::postgres::PgCopyIn;
use std::fmt::Write as _;

/// Moves the identity sequences of the tables seeded with explicit ids past those ids, so that
/// later inserts do not collide with them.
pub async fn reset_sequences(conn: &mut PgConnection) -> StorageResult<()> {
    for table in ["stores", "products"] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)
             FROM {table}"
        ))
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
    }
    Ok(())
}

/// Sends the COPY text in pieces of about this many bytes, so memory stays bounded.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// A `COPY … FROM STDIN` in text format, fed row by row and sent in bounded pieces.
struct CopyStream<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    buffer: String,
}

impl<'c> CopyStream<'c> {
    async fn begin(conn: &'c mut PgConnection, statement: &str) -> StorageResult<Self> {
        let copy = conn.copy_in_raw(statement).await.map_err(map_error)?;
        Ok(Self { copy, buffer: String::with_capacity(COPY_CHUNK_BYTES + 1024) })
    }

    /// Where the next rows are written (tab-separated fields, one row per line).
    fn rows(&mut self) -> &mut String {
        &mut self.buffer
    }

    /// Sends what was written once it reaches the chunk size.
    async fn flush_when_full(&mut self) -> StorageResult<()> {
        if self.buffer.len() >= COPY_CHUNK_BYTES {
            self.copy.send(self.buffer.as_bytes()).await.map_err(map_error)?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Sends the rest and ends the copy; returns the number of rows copied.
    async fn finish(mut self) -> StorageResult<u64> {
        if !self.buffer.is_empty() {
            self.copy.send(self.buffer.as_bytes()).await.map_err(map_error)?;
        }
        self.copy.finish().await.map_err(map_error)
    }
}

fn amount_too_large() -> StorageError {
    StorageError::Conflict("An imported sale's amount is too large.".into())
}

/// Sale ids drawn from the sequence (so live sales never collide with them), sales and lines
/// streamed with `COPY`. Returns the number of lines.
pub async fn copy_history(conn: &mut PgConnection, sales: &[HistoricSale], totals: &[i64]) -> StorageResult<u64> {
    let count = i64::try_from(sales.len()).map_err(|_| amount_too_large())?;
    let sale_ids: Vec<i64> =
        sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('sales', 'id')) FROM generate_series(1, $1)")
            .bind(count)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_error)?;

    let mut copy =
        CopyStream::begin(&mut *conn, "COPY sales (id, magasin_id, date_vente, jour, total_cents, statut) FROM STDIN")
            .await?;
    for ((sale, id), total) in sales.iter().zip(&sale_ids).zip(totals) {
        let _ = writeln!(
            copy.rows(),
            "{id}\t{}\t{}\t{}\t{total}\t{}",
            sale.magasin.0,
            sale.date_vente.format("%Y-%m-%d %H:%M:%S%.6f+00"),
            sale.date_vente.date_naive().format("%Y-%m-%d"),
            SaleStatus::Recorded.as_str(),
        );
        copy.flush_when_full().await?;
    }
    copy.finish().await?;

    let mut copy = CopyStream::begin(
        &mut *conn,
        "COPY sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents) FROM STDIN",
    )
    .await?;
    for (sale, id) in sales.iter().zip(&sale_ids) {
        for line in &sale.lignes {
            let _ = writeln!(copy.rows(), "{id}\t{}\t{}\t{}", line.produit.0, line.quantite, line.prix_unitaire.0);
        }
        copy.flush_when_full().await?;
    }
    copy.finish().await
}
