//! Idempotency keys, claimed inside the write's transaction: the first request with a key claims
//! it (a concurrent one waits on the claim); the write then links the key to what it recorded. A
//! later request with the same key and the same fingerprint replays that record; with another
//! fingerprint it is a conflict.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::statement::Statement;
use magasin_domain::sales::IdempotencyKey;
use magasin_domain::{StorageError, StorageResult, WriteContext};

/// The keys of one kind of write: their table, the column naming the record, what it is.
pub(crate) struct KeyTable {
    pub table: &'static str,
    pub record: &'static str,
    pub what: &'static str,
}

pub(crate) const SALE_KEYS: KeyTable = KeyTable { table: "sale_idempotency_keys", record: "vente_id", what: "sale" };
pub(crate) const RECEIPT_KEYS: KeyTable =
    KeyTable { table: "receipt_idempotency_keys", record: "reception_id", what: "receipt" };
pub(crate) const RETURN_KEYS: KeyTable =
    KeyTable { table: "return_idempotency_keys", record: "retour_id", what: "return" };
pub(crate) const ADJUSTMENT_KEYS: KeyTable =
    KeyTable { table: "adjustment_idempotency_keys", record: "ajustement_id", what: "adjustment" };

/// The statement linking a claimed key to the record its write made.
pub(crate) fn key_link(keys: &KeyTable, key: &IdempotencyKey, record: i64) -> Statement {
    Statement::new(&format!("UPDATE {} SET {} = $1 WHERE cle = $2", keys.table, keys.record))
        .value(record)
        .value(key.key.as_str())
}

impl<E: Engine> SqlStorage<E> {
    /// `None` when this transaction claimed the key; the id of the record to replay otherwise.
    pub(crate) async fn claim_key(
        conn: &mut Connection<E>,
        keys: &KeyTable,
        key: &IdempotencyKey,
        ctx: &WriteContext,
    ) -> StorageResult<Option<i64>> {
        let claim = Statement::new(&format!(
            "INSERT INTO {} (cle, empreinte, date) VALUES ($1, $2, $3) ON CONFLICT (cle) DO NOTHING RETURNING cle",
            keys.table
        ))
        .value(key.key.as_str())
        .value(key.fingerprint.as_str())
        .value(ctx.at);
        let claimed: Option<(String,)> = Self::optional(conn, &claim).await?;
        if claimed.is_some() {
            return Ok(None);
        }
        let select = Statement::new(&format!("SELECT {}, empreinte FROM {} WHERE cle = $1", keys.record, keys.table))
            .value(key.key.as_str());
        let (record, empreinte): (Option<i64>, String) = Self::one(conn, &select).await?;
        match record {
            Some(id) if empreinte == key.fingerprint => Ok(Some(id)),
            _ => Err(StorageError::Conflict(format!(
                "Idempotency-Key {:?} was already used for a different {}.",
                key.key, keys.what
            ))),
        }
    }

    /// Links the claimed key to the record the write made.
    pub(crate) async fn link_key(
        conn: &mut Connection<E>,
        keys: &KeyTable,
        key: &IdempotencyKey,
        record: i64,
    ) -> StorageResult<()> {
        Self::execute(conn, &key_link(keys, key, record)).await
    }
}
