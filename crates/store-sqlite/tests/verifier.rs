//! The ledger's verifier on SQLite (the same test runs on PostgreSQL in `store-postgres`).

use magasin_domain::contract::seed_fixture;
use magasin_store_sql::testing::the_verifier_catches_what_was_changed_behind_its_back;

#[tokio::test]
async fn the_verifier_catches_a_balance_and_an_aggregate_changed_behind_its_back() {
    let storage = magasin_store_sqlite::testing::fresh().await;
    seed_fixture(&*storage).await;
    the_verifier_catches_what_was_changed_behind_its_back(&storage).await;
}
