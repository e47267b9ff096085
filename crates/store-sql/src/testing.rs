//! Test support shared by both engines: a storage removed after its test ([`TestStorage`]), and
//! [`on_both_engines!`](crate::on_both_engines), which runs a suite of tests on a fresh storage
//! of each engine. Each engine crate's `testing::fresh()` makes the storage.

use magasin_domain::Storage;
use std::ops::Deref;
use std::sync::Arc;

/// A fresh storage for one test; what it created (a file, a schema) is removed when it drops.
pub struct TestStorage<S: ?Sized> {
    storage: Arc<S>,
    cleanup: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl<S: Storage> TestStorage<S> {
    /// `storage`, with what removes it once the test is over.
    pub fn new(storage: S, cleanup: impl FnOnce() + Send + Sync + 'static) -> Self {
        Self { storage: Arc::new(storage), cleanup: Some(Box::new(cleanup)) }
    }

    /// The same storage behind the port, as the service layer takes it.
    pub fn into_dyn(mut self) -> TestStorage<dyn Storage> {
        let storage: Arc<dyn Storage> = self.storage.clone();
        TestStorage { storage, cleanup: self.cleanup.take() }
    }
}

impl<S: ?Sized> TestStorage<S> {
    /// A handle on the storage (it is removed when this `TestStorage` drops, not the handle).
    pub fn shared(&self) -> Arc<S> {
        Arc::clone(&self.storage)
    }
}

impl<S: ?Sized> Deref for TestStorage<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.storage
    }
}

impl<S: ?Sized> Drop for TestStorage<S> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// Runs each named test once on a fresh SQLite storage and once on a fresh PostgreSQL one
/// (`TEST_DATABASE_URL`; without it the PostgreSQL half fails, never skips). `$setup` turns the
/// storage (a `TestStorage<dyn Storage>`) into what the tests take, and each test is an
/// `async fn` of that:
///
/// ```ignore
/// magasin_store_sql::on_both_engines!(TestApp::start; a_sale_is_recorded, a_sale_is_cancelled);
/// ```
///
/// The crate using it needs `magasin-store-sqlite` and `magasin-store-postgres` with their
/// `testing` feature, and `tokio`.
#[macro_export]
macro_rules! on_both_engines {
    ($setup:path; $($test:ident),* $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    let storage = ::magasin_store_sqlite::testing::fresh().await.into_dyn();
                    super::$test($setup(storage).await).await
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    let storage = ::magasin_store_postgres::testing::fresh().await.into_dyn();
                    super::$test($setup(storage).await).await
                }
            )*
        }
    };
}

/// Runs `sql` on the storage's database, behind its back: for tests of what catches a database
/// changed by something else than magasin.
pub async fn tamper<E: crate::engine::Engine>(storage: &crate::SqlStorage<E>, sql: &str) {
    let mut conn = storage.writer.acquire().await.unwrap_or_else(|e| panic!("a connection: {e}"));
    crate::SqlStorage::<E>::execute(&mut conn, &crate::statement::Statement::new(sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The ledger's verifier on a seeded storage (the conformance fixture): a sound ledger passes;
/// a balance changed behind the storage's back, then a kept aggregate, then a store's number of
/// stock rows, are found by the next pass, which only adds the ledger rows written since; the
/// last pass is kept for every instance to read; once repaired, the next pass is sound again.
pub async fn the_verifier_catches_what_was_changed_behind_its_back<E: crate::engine::Engine>(s: &crate::SqlStorage<E>) {
    use chrono::{Duration, Utc};
    use magasin_domain::Storage;
    use magasin_domain::contract::{CAFE, CENTRE, CLAVIER, ctx, sale_at};
    use magasin_domain::returns::{ItemCondition, ReturnWindow, ValidReturn, ValidReturnLine};
    use magasin_domain::stock::Location;
    use magasin_domain::verification::AggregateKind;
    let all_settled = || (Utc::now(), Utc::now() + Duration::hours(1));
    let (now, settled) = all_settled();
    let first = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    assert!(first.is_sound(), "{first:?}");
    assert!(first.ledger_through > 0, "the opening rows are summed");
    assert_eq!(s.last_verification().await.expect("last"), Some(first.clone()));

    tamper(s, "UPDATE store_stock SET quantite = quantite + 5 WHERE magasin_id = 1 AND produit_id = 1").await;
    let (now, settled) = all_settled();
    let second = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    assert_eq!((second.stock_count, second.aggregate_count), (1, 0), "{second:?}");
    let d = &second.stock[0];
    assert_eq!((d.location, d.produit, d.quantite, d.ledger_sum), (Location::Store(CENTRE), CLAVIER, 25, 20));
    assert_eq!(second.ledger_through, first.ledger_through, "no new ledger row");
    let kept = s.last_verification().await.expect("last").expect("a pass");
    assert_eq!((kept.stock_count, kept.stock.clone()), (1, second.stock.clone()), "the details are kept");
    tamper(s, "UPDATE store_stock SET quantite = quantite - 5 WHERE magasin_id = 1 AND produit_id = 1").await;

    // A sale touches its day: the day's kept aggregate, changed behind the storage's back, is
    // found (and so is the all-time total it no longer adds up to).
    let at = Utc::now();
    s.record_sale(&sale_at(CENTRE, &[(CAFE, 2)], at), &ctx()).await.expect("sale");
    tamper(s, "UPDATE sales_daily SET quantite = quantite + 1 WHERE magasin_id = 1 AND produit_id = 2").await;
    let (now, settled) = all_settled();
    let third = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    assert_eq!(third.stock_count, 0, "{third:?}");
    assert!(third.ledger_through > first.ledger_through, "the sale's rows are summed");
    let found: Vec<_> = third.aggregates.iter().map(|a| (a.magasin, a.jour, a.produit, a.kept_quantite)).collect();
    assert_eq!(found, [(CENTRE, Some(at.date_naive()), CAFE, 3), (CENTRE, None, CAFE, 2)], "{third:?}");
    tamper(s, "UPDATE sales_daily SET quantite = quantite - 1 WHERE magasin_id = 1 AND produit_id = 2").await;

    // Rows newer than `settled` are checked on the fly, not kept: they are summed next time.
    let just_now = magasin_domain::WriteContext { at: Utc::now(), ..ctx() };
    s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 1)], just_now.at), &just_now).await.expect("sale");
    let now = Utc::now();
    let fourth = s.verify_ledger(now, now - Duration::hours(1)).await.expect("pass").expect("not busy");
    assert!(fourth.is_sound(), "{fourth:?}");
    assert_eq!(fourth.ledger_through, third.ledger_through, "the new rows are not kept yet");
    let (now, settled) = all_settled();
    let fifth = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    assert!(fifth.is_sound() && fifth.ledger_through > third.ledger_through, "{fifth:?}");
    assert!(s.ledger_discrepancies().await.expect("full check").is_empty());

    // A return touches its day's returns aggregates: changed behind the storage's back, they are
    // found as returns' (the sales' still add up), by the next pass and by the full check.
    let sold = s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 2)], Utc::now()), &ctx()).await.expect("sale");
    let retour = ValidReturn {
        vente: sold.sale.id,
        lignes: vec![ValidReturnLine { ligne: 1, quantite: 1, etat: ItemCondition::Damaged }],
        note: String::new(),
        at: Utc::now(),
        window: ReturnWindow::default(),
        idempotency: None,
    };
    s.record_return(&retour, &ctx()).await.expect("return");
    let (now, settled) = all_settled();
    let sixth = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    assert!(sixth.is_sound(), "{sixth:?}");
    tamper(s, "UPDATE returns_daily SET montant_cents = montant_cents + 7 WHERE produit_id = 1").await;
    let another = ValidReturn { at: Utc::now(), ..retour };
    s.record_return(&another, &ctx()).await.expect("a second return, the same day");
    let (now, settled) = all_settled();
    let seventh = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    let found: Vec<_> = seventh.aggregates.iter().map(|a| (a.kind, a.jour.is_some(), a.produit)).collect();
    assert_eq!(
        found,
        [(AggregateKind::Returns, true, CLAVIER), (AggregateKind::Returns, false, CLAVIER)],
        "{seventh:?}"
    );
    let full = s.aggregate_discrepancies().await.expect("full check");
    assert_eq!(full.len(), 2, "{full:?}");
    tamper(s, "UPDATE returns_daily SET montant_cents = montant_cents - 7 WHERE produit_id = 1").await;
    assert!(s.aggregate_discrepancies().await.expect("full check").is_empty());
    let (now, settled) = all_settled();
    assert!(s.verify_ledger(now, settled).await.expect("pass").expect("not busy").is_sound());

    // A store's kept number of stock rows (its unfiltered list's count), changed behind the
    // storage's back, is found by the next pass and by the full check; the stock still adds up.
    tamper(s, "UPDATE stores SET stock_rows = stock_rows + 3 WHERE id = 1").await;
    let (now, settled) = all_settled();
    let eighth = s.verify_ledger(now, settled).await.expect("pass").expect("not busy");
    assert_eq!((eighth.stock_count, eighth.aggregate_count, eighth.stock_rows_count), (0, 0, 1), "{eighth:?}");
    let d = &eighth.stock_rows[0];
    assert_eq!((d.magasin, d.kept - d.counted), (CENTRE, 3), "{eighth:?}");
    assert!(d.counted > 0, "the store holds stock rows: {eighth:?}");
    assert!(!eighth.is_sound());
    let kept = s.last_verification().await.expect("last").expect("a pass");
    assert_eq!(
        (kept.stock_rows_count, kept.stock_rows.clone()),
        (1, eighth.stock_rows.clone()),
        "the details are kept"
    );
    assert_eq!(s.stock_rows_discrepancies().await.expect("full check"), eighth.stock_rows);
    tamper(s, "UPDATE stores SET stock_rows = stock_rows - 3 WHERE id = 1").await;
    assert!(s.stock_rows_discrepancies().await.expect("full check").is_empty());
    let (now, settled) = all_settled();
    assert!(s.verify_ledger(now, settled).await.expect("pass").expect("not busy").is_sound());
}
