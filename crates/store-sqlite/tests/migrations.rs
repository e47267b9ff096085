//! Migrations applied to a database that already holds data: the ledger's rebuild (SQLite cannot
//! drop a CHECK) keeps every row and id, its indexes, and its append-only guard; the columns and
//! indexes added after it (the adjustment, the return and the shipment of each row) land on the
//! rebuilt table.

use magasin_store_sql::migrations::{self, Dialect};
use magasin_store_sqlite::testing::TempDatabase;
use sqlx::sqlite::SqlitePoolOptions;

/// The migrations before the ledger's rebuild.
const BEFORE_RECEIPTS: usize = 4;

#[tokio::test]
async fn rebuilding_the_ledger_keeps_its_rows_ids_and_append_only_guard() {
    let database = TempDatabase::new();
    let pool = SqlitePoolOptions::new().max_connections(1).connect(&format!("{}?mode=rwc", database.url())).await;
    let pool = pool.expect("open the database");
    let all = migrations::migrator(Dialect::Sqlite);
    assert!(all.migrations.len() > BEFORE_RECEIPTS);
    let mut before = migrations::migrator(Dialect::Sqlite);
    before.migrations = all.migrations[..BEFORE_RECEIPTS].to_vec().into();
    before.run(&pool).await.expect("the migrations before receipts");
    for statement in [
        "INSERT INTO stores (id, nom) VALUES (1, 'Centre')",
        "INSERT INTO products (id, nom, nom_key, categorie, categorie_key, prix_cents) VALUES (7, 'Café', 'café', 'Épicerie', 'épicerie', 450)",
        "INSERT INTO stock_ledger (id, magasin_id, produit_id, quantite, solde, motif, request_id, date, acteur)
         VALUES (41, NULL, 7, 10, 10, 'ouverture', 'r-1', '2026-01-02T03:04:05Z', 'system'),
                (42, 1, 7, 3, 3, 'reapprovisionnement_entree', 'r-2', '2026-01-03T03:04:05Z', 'alice')",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    all.run(&pool).await.expect("every migration");

    type LedgerRow = (i64, Option<i64>, i64, String, String, Option<i64>);
    let rows: Vec<LedgerRow> =
        sqlx::query_as("SELECT id, magasin_id, solde, motif, acteur, ajustement_id FROM stock_ledger ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("ledger");
    assert_eq!(
        rows,
        [
            (41, None, 10, "ouverture".to_string(), "system".to_string(), None),
            (42, Some(1), 3, "reapprovisionnement_entree".to_string(), "alice".to_string(), None)
        ]
    );
    let transit: Vec<(bool,)> =
        sqlx::query_as("SELECT en_transit FROM stock_ledger ORDER BY id").fetch_all(&pool).await.expect("transit");
    assert_eq!(transit, [(false,), (false,)], "earlier rows are of stock, not of goods in transit");
    let update = sqlx::query("UPDATE stock_ledger SET solde = 11 WHERE id = 41").execute(&pool).await;
    assert!(update.expect_err("update refused").to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM stock_ledger").execute(&pool).await;
    assert!(delete.expect_err("delete refused").to_string().contains("append-only"));
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'stock_ledger' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    let names: Vec<&str> = indexes.iter().map(|(n,)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "stock_ledger_adjustment",
            "stock_ledger_location",
            "stock_ledger_receipt",
            "stock_ledger_request",
            "stock_ledger_return",
            "stock_ledger_sale",
            "stock_ledger_shipment",
            "stock_ledger_store"
        ]
    );
    let empty =
        sqlx::query("INSERT INTO stock_ledger (produit_id, quantite, solde, motif, date) VALUES (7, 1, 11, '', 'x')")
            .execute(&pool)
            .await;
    assert!(empty.is_err(), "a reason is still required");
}
