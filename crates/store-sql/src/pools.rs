//! The connection pools of a storage, and the timed ways to take a connection from them.

use crate::engine::{Db, Engine};
use magasin_domain::{PoolStats, StorageResult};
use sqlx::pool::PoolConnection;
use sqlx::{Pool, Transaction};
use std::time::Instant;

/// A pool and its name in metrics (`main`, `read`, `write`).
#[derive(Debug)]
pub struct NamedPool<E: Engine> {
    pub pool: Pool<Db<E>>,
    pub name: &'static str,
}

impl<E: Engine> Clone for NamedPool<E> {
    fn clone(&self) -> Self {
        Self { pool: self.pool.clone(), name: self.name }
    }
}

impl<E: Engine> NamedPool<E> {
    pub fn new(pool: Pool<Db<E>>, name: &'static str) -> Self {
        Self { pool, name }
    }

    /// Begins a transaction, recording the wait for its connection as
    /// `magasin_db_pool_wait_seconds{pool}`.
    pub async fn begin(&self) -> StorageResult<Transaction<'static, Db<E>>> {
        let started = Instant::now();
        let tx = self.pool.begin().await.map_err(E::map_error);
        self.record_wait(started);
        tx
    }

    /// Takes a connection, recording the wait like [`NamedPool::begin`].
    pub async fn acquire(&self) -> StorageResult<PoolConnection<Db<E>>> {
        let started = Instant::now();
        let conn = self.pool.acquire().await.map_err(E::map_error);
        self.record_wait(started);
        conn
    }

    fn record_wait(&self, started: Instant) {
        metrics::histogram!("magasin_db_pool_wait_seconds", "pool" => self.name)
            .record(started.elapsed().as_secs_f64());
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            pool: self.name,
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }
}
