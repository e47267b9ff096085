//! What the conformance suite cannot see from the trait: the PostgreSQL tables themselves,
//! triggers, sequences, lock order under concurrency, and error mapping.

use chrono::{Duration, TimeZone, Utc};
use magasin_domain::catalogue::NewProduct;
use magasin_domain::contract::{CAFE, CENTRE, CLAVIER, NORD, SOURIS, ctx, noon, sale, sale_at, seed_fixture};
use magasin_domain::ledger::{LedgerQuery, LedgerReason};
use magasin_domain::paging::CursorRequest;
use magasin_domain::replenishment::{ApprovalTerms, NewReplenishment};
use magasin_domain::seed::{HistoricLine, HistoricSale};
use magasin_domain::stock::Location;
use magasin_domain::{Money, ProductId, Storage, StorageError, StoreId};
use magasin_store_postgres::PgStorage;
use magasin_store_postgres::testing::{fresh, fresh_with_statement_timeout};
use magasin_store_sql::testing::TestStorage;
use sqlx::postgres::PgPoolOptions;

async fn seeded() -> TestStorage<PgStorage> {
    let storage = fresh().await;
    seed_fixture(&*storage).await;
    storage
}

fn line(produit: ProductId, quantite: i64, prix: i64) -> HistoricLine {
    HistoricLine { produit, quantite, prix_unitaire: Money(prix) }
}

/// Rows of `sales_totals` and `sales_daily` that differ from the sums over the recorded
/// (not cancelled) sale lines, and sales whose total differs from their lines.
async fn aggregate_mismatches(s: &PgStorage) -> i64 {
    sqlx::query_scalar(
        "WITH lines AS (
             SELECT v.magasin_id, v.jour, l.produit_id, l.quantite, l.quantite * l.prix_unitaire_cents AS montant
             FROM sale_lines l JOIN sales v ON v.id = l.vente_id WHERE v.statut = 'validée'),
         totals AS (SELECT magasin_id, produit_id, SUM(quantite) AS q, SUM(montant) AS a FROM lines GROUP BY 1, 2),
         daily AS (SELECT magasin_id, jour, produit_id, SUM(quantite) AS q, SUM(montant) AS a FROM lines GROUP BY 1, 2, 3)
         SELECT
             (SELECT COUNT(*) FROM sales_totals t FULL JOIN totals x USING (magasin_id, produit_id)
              WHERE COALESCE(t.quantite, 0) <> COALESCE(x.q, 0) OR COALESCE(t.montant_cents, 0) <> COALESCE(x.a, 0))
           + (SELECT COUNT(*) FROM sales_daily d FULL JOIN daily x USING (magasin_id, jour, produit_id)
              WHERE COALESCE(d.quantite, 0) <> COALESCE(x.q, 0) OR COALESCE(d.montant_cents, 0) <> COALESCE(x.a, 0))
           + (SELECT COUNT(*) FROM sales v WHERE v.total_cents <> (
                  SELECT COALESCE(SUM(quantite * prix_unitaire_cents), 0) FROM sale_lines WHERE vente_id = v.id))",
    )
    .fetch_one(s.writer())
    .await
    .expect("aggregate check")
}

async fn assert_ledger_sound(s: &PgStorage) {
    let bad = s.ledger_discrepancies().await.expect("ledger check");
    assert!(bad.is_empty(), "ledger does not add up: {bad:?}");
}

#[tokio::test]
async fn imported_history_keeps_the_aggregates_equal_to_the_lines() {
    let s = seeded().await;
    let day1 = noon() - Duration::days(3);
    let day2 = noon() - Duration::days(2);
    let first = vec![
        HistoricSale { magasin: CENTRE, date_vente: day1, lignes: vec![line(CLAVIER, 2, 8000), line(CAFE, 1, 700)] },
        HistoricSale {
            magasin: CENTRE,
            date_vente: day1,
            lignes: vec![line(CLAVIER, 1, 8500), line(CLAVIER, 4, 8000)],
        },
        HistoricSale { magasin: NORD, date_vente: day2, lignes: vec![line(SOURIS, 3, 2500)] },
    ];
    let second = vec![
        HistoricSale { magasin: CENTRE, date_vente: day1, lignes: vec![line(CAFE, 5, 650)] },
        HistoricSale { magasin: NORD, date_vente: day2, lignes: vec![line(SOURIS, 1, 2400), line(CAFE, 2, 700)] },
    ];
    assert_eq!(s.import_sales_history(&first).await.expect("first batch"), 5);
    assert_eq!(s.import_sales_history(&second).await.expect("second batch"), 3);
    assert_eq!(s.import_sales_history(&[]).await.expect("empty batch"), 0);
    let live = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1), (CAFE, 2)]), &ctx()).await.expect("live sale").sale;
    assert_eq!(live.id.0, 6, "live sales follow the imported ids");
    let cancelled = s.record_sale(&sale(NORD, &[(CLAVIER, 3)]), &ctx()).await.expect("sale").sale;
    s.cancel_sale(cancelled.id, &ctx()).await.expect("cancel");
    assert_eq!(aggregate_mismatches(&s).await, 0);
    let (statuses, ledger_rows): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sales WHERE statut = 'validée' AND id <= 5),
                (SELECT COUNT(*) FROM stock_ledger WHERE vente_id <= 5)",
    )
    .fetch_one(s.writer())
    .await
    .expect("history rows");
    assert_eq!((statuses, ledger_rows), (5, 0), "history is recorded, and moves no stock");
    let imported = s.get_sale(magasin_domain::SaleId(2)).await.expect("imported sale");
    assert_eq!(imported.total, Money(8500 + 4 * 8000));
    assert_eq!(imported.date_vente, day1);
    assert_ledger_sound(&s).await;
}

#[tokio::test]
async fn importing_an_unknown_product_or_store_is_not_found_and_writes_nothing() {
    let s = seeded().await;
    let unknown_product =
        vec![HistoricSale { magasin: CENTRE, date_vente: noon(), lignes: vec![line(ProductId(99), 1, 100)] }];
    let err = s.import_sales_history(&unknown_product).await.expect_err("unknown product");
    assert!(matches!(err, StorageError::NotFound { entity: "product", id: 99 }), "{err:?}");
    let unknown_store =
        vec![HistoricSale { magasin: StoreId(42), date_vente: noon(), lignes: vec![line(CAFE, 1, 100)] }];
    let err = s.import_sales_history(&unknown_store).await.expect_err("unknown store");
    assert!(matches!(err, StorageError::NotFound { entity: "store", id: 42 }), "{err:?}");
    let sales: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales").fetch_one(s.writer()).await.expect("count");
    assert_eq!(sales, 0);
}

#[tokio::test]
async fn the_ledger_refuses_update_and_delete() {
    let s = seeded().await;
    let update = sqlx::query("UPDATE stock_ledger SET quantite = quantite + 1").execute(s.writer()).await;
    let message = update.expect_err("update refused").to_string();
    assert!(message.contains("append-only"), "{message}");
    let delete = sqlx::query("DELETE FROM stock_ledger").execute(s.writer()).await;
    assert!(delete.expect_err("delete refused").to_string().contains("append-only"));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock_ledger").fetch_one(s.writer()).await.expect("count");
    assert_eq!(rows, 6, "one opening row per non-zero opening quantity");
}

#[tokio::test]
async fn seeded_ids_are_followed_by_new_ones() {
    let s = seeded().await;
    let product = NewProduct {
        nom: "Tapis".into(),
        categorie: "Maison".into(),
        prix: Money(1500),
        description: None,
        stock_initial: 0,
        sku: None,
        code_barres: None,
    };
    assert_eq!(s.create_product(&product, &ctx()).await.expect("create").id, ProductId(4));
    let request = NewReplenishment::one(NORD, CAFE, 1, noon());
    assert_eq!(s.create_replenishment(&request, &ctx()).await.expect("request").id.0, 1);
    assert_eq!(s.record_sale(&sale(CENTRE, &[(CAFE, 1)]), &ctx()).await.expect("sale").sale.id.0, 1);
}

#[tokio::test]
async fn sales_in_opposite_line_orders_neither_deadlock_nor_oversell() {
    let s = seeded().await;
    let forward = sale(CENTRE, &[(CLAVIER, 1), (CAFE, 1)]);
    let backward = sale(CENTRE, &[(CAFE, 1), (CLAVIER, 1)]);
    let c = ctx();
    let results =
        futures::future::join_all((0..40).map(|i| s.record_sale(if i % 2 == 0 { &forward } else { &backward }, &c)))
            .await;
    let unexpected: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| !matches!(e, StorageError::InsufficientStock { .. }))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    let sold: Vec<_> = results.into_iter().filter_map(Result::ok).collect();
    assert_eq!(sold.len(), 10, "Café (10 in stock) limits the sales");

    // Cancellations, approvals and sales touching the same rows, all at once.
    let r = NewReplenishment::one(CENTRE, CAFE, 5, noon());
    let mut requests = Vec::new();
    for _ in 0..4 {
        requests.push(s.create_replenishment(&r, &ctx()).await.expect("request").id);
    }
    let cancels = futures::future::join_all(sold.iter().map(|v| s.cancel_sale(v.sale.id, &c)));
    let lab = ApprovalTerms::lab();
    let approvals = futures::future::join_all(requests.iter().map(|id| s.approve_replenishment(*id, &lab, &c)));
    let more = futures::future::join_all((0..10).map(|_| s.record_sale(&backward, &c)));
    let (cancels, approvals, more) = tokio::join!(cancels, approvals, more);
    assert!(cancels.iter().all(Result::is_ok), "{cancels:?}");
    assert!(approvals.iter().all(Result::is_ok), "{approvals:?}");
    assert!(more.iter().all(|r| r.is_ok() || matches!(r, Err(StorageError::InsufficientStock { .. }))), "{more:?}");
    assert_ledger_sound(&s).await;
    assert_eq!(aggregate_mismatches(&s).await, 0);
}

#[tokio::test]
async fn a_product_on_two_lines_is_checked_on_its_sum() {
    let s = seeded().await;
    let err = s.record_sale(&sale(CENTRE, &[(CAFE, 6), (CAFE, 5)]), &ctx()).await.expect_err("11 of 10");
    match err {
        StorageError::InsufficientStock { product, requested, available, .. } => {
            assert_eq!((product, requested, available), (CAFE, 11, 10));
        }
        other => panic!("expected InsufficientStock, got {other:?}"),
    }
    let sold = s.record_sale(&sale(CENTRE, &[(CAFE, 6), (CLAVIER, 1), (CAFE, 4)]), &ctx()).await.expect("10 of 10");
    assert_eq!(sold.sale.lignes.iter().map(|l| l.quantite).collect::<Vec<_>>(), vec![6, 1, 4]);
    assert_eq!(s.get_sale(sold.sale.id).await.expect("get"), sold.sale, "lines keep their order");
    s.cancel_sale(sold.sale.id, &ctx()).await.expect("cancel");
    let q =
        LedgerQuery { location: Location::Store(CENTRE), produit: Some(CAFE), cursor: CursorRequest::new(None, 10) };
    let entries = s.ledger(&q).await.expect("ledger");
    let moves: Vec<(i64, i64, LedgerReason)> = entries.items.iter().map(|e| (e.quantite, e.solde, e.motif)).collect();
    assert_eq!(
        moves,
        vec![
            (4, 10, LedgerReason::SaleCancelled),
            (6, 6, LedgerReason::SaleCancelled),
            (-4, 0, LedgerReason::Sale),
            (-6, 4, LedgerReason::Sale),
            (10, 10, LedgerReason::Opening),
        ]
    );
    assert_eq!(aggregate_mismatches(&s).await, 0);
    assert_ledger_sound(&s).await;
}

#[tokio::test]
async fn a_recorded_sale_answers_what_was_stored() {
    let s = seeded().await;
    let at = Utc.timestamp_opt(1_773_151_200, 123_456_789).single().expect("instant");
    let recorded = s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 1)], at), &ctx()).await.expect("sale").sale;
    assert_eq!(recorded.date_vente.timestamp_subsec_micros(), 123_456);
    assert_eq!(s.get_sale(recorded.id).await.expect("get"), recorded);
}

#[tokio::test]
async fn a_taken_product_name_is_named_in_the_conflict() {
    let s = seeded().await;
    let dup = NewProduct {
        nom: "Souris".into(),
        categorie: "X".into(),
        prix: Money(1),
        description: None,
        stock_initial: 0,
        sku: None,
        code_barres: None,
    };
    match s.create_product(&dup, &ctx()).await {
        Err(StorageError::Conflict(message)) => assert!(message.contains("\"Souris\""), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn ping_requires_every_migration() {
    let s = seeded().await;
    s.ping().await.expect("ping");
    sqlx::query("DELETE FROM _sqlx_migrations").execute(s.writer()).await.expect("forget migrations");
    assert!(matches!(s.ping().await, Err(StorageError::Unavailable(_))));
}

#[tokio::test]
async fn a_worker_storage_opens_its_own_connections_when_needed_on_the_same_database() {
    let s = seeded().await;
    let worker = magasin_store_postgres::worker_storage(&s, 3);
    let stats = worker.pool_stats();
    assert_eq!((stats[0].size, stats[0].max), (0, 3), "nothing opened before the first use");
    assert_eq!(worker.get_store(NORD).await.expect("the store, through the worker's pool").id, NORD);
    s.record_sale(&sale(NORD, &[(CLAVIER, 1)]), &ctx()).await.expect("a sale through the main pool");
    let stock = worker.store_stock(NORD).await.expect("stock through the worker's pool");
    let stock_main = s.store_stock(NORD).await.expect("stock through the main pool");
    assert_eq!(stock, stock_main, "both pools see the same database");
    let stats = worker.pool_stats();
    assert!((1..=3).contains(&stats[0].size), "{stats:?}");
    assert!(worker.writer().connect_options().get_database() == s.writer().connect_options().get_database());
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable() {
    let pool = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/magasin")
        .expect("valid URL");
    let err = magasin_store_postgres::from_pool(pool).ping().await.expect_err("nothing listens");
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn discrepancies_include_stock_without_ledger_and_ledger_without_stock() {
    let s = seeded().await;
    sqlx::query("INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES (2, 3, 4)")
        .execute(s.writer())
        .await
        .expect("stock row without ledger");
    sqlx::query(
        "INSERT INTO stock_ledger (magasin_id, produit_id, quantite, solde, motif, date)
         VALUES (2, 2, 7, 7, 'ouverture', now()), (NULL, 1, 1, 201, 'ouverture', now())",
    )
    .execute(s.writer())
    .await
    .expect("ledger rows without stock");
    let found: Vec<(Location, ProductId, i64, i64)> = s
        .ledger_discrepancies()
        .await
        .expect("check")
        .into_iter()
        .map(|d| (d.location, d.produit, d.quantite, d.ledger_sum))
        .collect();
    assert_eq!(
        found,
        vec![
            (Location::Warehouse, CLAVIER, 200, 201),
            (Location::Store(NORD), CAFE, 0, 7),
            (Location::Store(NORD), SOURIS, 4, 0),
        ]
    );
}

async fn stock_rows(s: &PgStorage) -> Vec<(i64, i64, i64)> {
    sqlx::query_as("SELECT magasin_id, produit_id, quantite FROM store_stock ORDER BY 1, 2")
        .fetch_all(s.writer())
        .await
        .expect("stock")
}

/// A statement that runs past the statement timeout (here: waiting for a stock row another
/// connection holds) is cancelled: the sale is `Unavailable` (503) and nothing of it is written.
#[tokio::test]
async fn a_sale_past_the_statement_timeout_is_unavailable_and_writes_nothing() {
    let s = fresh_with_statement_timeout(Some(std::time::Duration::from_millis(300))).await;
    seed_fixture(&*s).await;
    let stock_before = stock_rows(&s).await;
    let mut holder = s.writer().begin().await.expect("begin");
    sqlx::query("SELECT quantite FROM store_stock WHERE magasin_id = $1 AND produit_id = $2 FOR UPDATE")
        .bind(CENTRE.0)
        .bind(CAFE.0)
        .fetch_one(&mut *holder)
        .await
        .expect("lock the row");
    let refused = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.record_sale(&sale(CENTRE, &[(CLAVIER, 1), (CAFE, 1)]), &ctx()),
    )
    .await
    .expect("the statement is cancelled");
    assert!(matches!(refused, Err(StorageError::Unavailable(_))), "{refused:?}");
    holder.rollback().await.expect("release");
    let sales: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales").fetch_one(s.writer()).await.expect("count");
    assert_eq!(sales, 0);
    assert_eq!(stock_rows(&s).await, stock_before);
    assert_ledger_sound(&s).await;
    assert_eq!(aggregate_mismatches(&s).await, 0);
}

#[tokio::test]
async fn the_verifier_catches_a_balance_and_an_aggregate_changed_behind_its_back() {
    let s = seeded().await;
    magasin_store_sql::testing::the_verifier_catches_what_was_changed_behind_its_back(&s).await;
}

#[tokio::test]
async fn one_instance_at_a_time_runs_the_verifier() {
    let s = seeded().await;
    let mut other = s.writer().begin().await.expect("another instance's transaction");
    sqlx::query("SELECT pg_advisory_xact_lock(72026010)").execute(&mut *other).await.expect("its lock");
    let now = chrono::Utc::now();
    assert_eq!(s.verify_ledger(now, now).await.expect("pass"), None, "skipped while another pass runs");
    other.rollback().await.expect("its end");
    assert!(s.verify_ledger(now, now).await.expect("pass").is_some_and(|r| r.is_sound()));
}

/// Sales, receipts, approvals, adjustments and a count, all at once on PostgreSQL: afterwards
/// every balance equals its ledger, every sales aggregate its lines, the verifier agrees, and
/// the count — counted between two waves of traffic, validated during the second — found no
/// variance, since there was none.
#[tokio::test]
async fn every_flow_at_once_keeps_the_ledger_whole_and_the_count_invents_no_variance() {
    use futures::future::{BoxFuture, join_all};
    use magasin_domain::WriteContext;
    use magasin_domain::adjustments::{AdjustmentQuery, AdjustmentReason, ValidAdjustment};
    use magasin_domain::counts::{CountEntry, NewCount};
    use magasin_domain::receiving::{ReceiptLineRequest, ValidReceipt};
    use magasin_domain::returns::{ItemCondition, ReturnWindow, ValidReturn, ValidReturnLine};

    let storage = seeded().await;
    let s: &PgStorage = &storage;
    let now = || WriteContext { at: Utc::now(), ..ctx() };
    let centre = Location::Store(CENTRE);
    let mut requests = Vec::new();
    for _ in 0..10 {
        let request = NewReplenishment::one(CENTRE, CAFE, 2, Utc::now());
        requests.push(s.create_replenishment(&request, &now()).await.expect("request").id);
    }
    // Sales whose goods come back during the waves: two returned, one cancelled while returned.
    let mut sold = Vec::new();
    for _ in 0..6 {
        let sale = s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 1)], Utc::now()), &now()).await;
        sold.push(sale.expect("sale").sale.id);
    }
    let count = s.open_count(&NewCount { location: centre, categorie: None, at: Utc::now() }, &now()).await;
    let count = count.expect("count opened");
    let give_back = |vente, etat| ValidReturn {
        vente,
        lignes: vec![ValidReturnLine { ligne: 1, quantite: 1, etat }],
        note: String::new(),
        at: Utc::now(),
        window: ReturnWindow::default(),
        idempotency: None,
    };
    let give_back = &give_back;
    let cancelled_or_returned = std::sync::atomic::AtomicUsize::new(0);
    let raced = &cancelled_or_returned;

    let wave =
        |requests: &[magasin_domain::ReplenishmentId], sales: &[magasin_domain::SaleId]| -> Vec<BoxFuture<'_, ()>> {
            let mut ops: Vec<BoxFuture<'_, ()>> = Vec::new();
            for (i, &vente) in sales.iter().enumerate() {
                let etat = if i == 0 { ItemCondition::Resellable } else { ItemCondition::Damaged };
                ops.push(Box::pin(async move {
                    let returned = s.record_return(&give_back(vente, etat), &now()).await;
                    if i == 2 {
                        assert!(matches!(returned, Ok(_) | Err(StorageError::Conflict(_))), "{returned:?}");
                        raced.fetch_add(usize::from(returned.is_ok()), std::sync::atomic::Ordering::SeqCst);
                    } else {
                        returned.expect("returned");
                    }
                }));
                if i == 2 {
                    // The same sale cancelled at once: one of the two wins, the other is refused.
                    ops.push(Box::pin(async move {
                        let cancelled = s.cancel_sale(vente, &now()).await;
                        assert!(matches!(cancelled, Ok(_) | Err(StorageError::Conflict(_))), "{cancelled:?}");
                        raced.fetch_add(usize::from(cancelled.is_ok()), std::sync::atomic::Ordering::SeqCst);
                    }));
                }
            }
            for i in 0..20 {
                let product = if i % 2 == 0 { CAFE } else { CLAVIER };
                ops.push(Box::pin(async move {
                    let sold = s.record_sale(&sale_at(CENTRE, &[(product, 1)], Utc::now()), &now()).await;
                    assert!(matches!(sold, Ok(_) | Err(StorageError::InsufficientStock { .. })), "{sold:?}");
                }));
            }
            for _ in 0..5 {
                ops.push(Box::pin(async move {
                    let lines = vec![
                        ReceiptLineRequest { produit: CAFE, quantite: 2 },
                        ReceiptLineRequest { produit: CLAVIER, quantite: 1 },
                    ];
                    let receipt = ValidReceipt {
                        fournisseur: "Grossiste".into(),
                        bon_livraison: "BL".into(),
                        lignes: lines,
                        commande: None,
                        at: Utc::now(),
                        idempotency: None,
                    };
                    s.record_receipt(&receipt, &now()).await.expect("receipt");
                }));
            }
            for &id in requests {
                ops.push(Box::pin(async move {
                    s.approve_replenishment(id, &ApprovalTerms::lab(), &now()).await.expect("decided");
                }));
            }
            for (location, product, delta) in
                [(centre, CLAVIER, -1), (centre, CAFE, 1), (Location::Warehouse, CAFE, -1), (centre, SOURIS, 2)]
            {
                ops.push(Box::pin(async move {
                    let adjustment = ValidAdjustment {
                        location,
                        produit: product,
                        quantite: delta,
                        motif: AdjustmentReason::Broken,
                        note: String::new(),
                        at: Utc::now(),
                        idempotency: None,
                    };
                    let adjusted = s.record_adjustment(&adjustment, &now()).await;
                    assert!(matches!(adjusted, Ok(_) | Err(StorageError::InsufficientStock { .. })), "{adjusted:?}");
                }));
            }
            ops
        };
    join_all(wave(&requests[..5], &sold[..3])).await;

    // Between the waves the shelves hold exactly what the stock says: that is what is counted.
    let shelves = s.store_stock(CENTRE).await.expect("stock");
    let entries: Vec<CountEntry> =
        shelves.iter().map(|i| CountEntry { produit: i.produit_id, compte: i.quantite }).collect();
    s.enter_count(count.id, &entries, &now()).await.expect("counted");

    let mut second = wave(&requests[5..], &sold[3..]);
    second.push(Box::pin(async {
        s.close_count(count.id, true, &now()).await.expect("validated");
    }));
    join_all(second).await;

    let validated = s.get_count(count.id).await.expect("count");
    let variances: Vec<_> =
        validated.lignes.iter().filter(|l| l.counted.is_some()).map(|l| (l.produit, l.variance)).collect();
    assert!(!variances.is_empty() && variances.iter().all(|(_, v)| *v == Some(0)), "{variances:?}");
    let query = AdjustmentQuery {
        location: centre,
        produit: None,
        motif: Some(AdjustmentReason::CountVariance),
        from: None,
        to: None,
        cursor: CursorRequest::new(None, 10),
    };
    assert!(s.list_adjustments(&query).await.expect("adjustments").items.is_empty(), "no variance invented");
    assert_eq!(s.ledger_discrepancies().await.expect("ledger"), vec![]);
    assert_eq!(s.aggregate_discrepancies().await.expect("aggregates"), vec![]);
    let pass = s.verify_ledger(Utc::now(), Utc::now() + Duration::hours(1)).await.expect("pass").expect("not busy");
    assert!(pass.is_sound(), "{pass:?}");
    assert_eq!(raced.load(std::sync::atomic::Ordering::SeqCst), 2, "per wave, a cancel or a return of the raced sale");
    for (i, &vente) in sold.iter().enumerate() {
        let returns = s.sale_returns(vente).await.expect("returns");
        let cancelled = s.get_sale(vente).await.expect("sale").statut == magasin_domain::sales::SaleStatus::Cancelled;
        assert!(returns.is_empty() == cancelled, "sale {i}: returned or cancelled, never both ({returns:?})");
    }
}

/// Deliveries of one purchase order recorded at once: the order's row is taken first, so they
/// take turns, and together they never receive more than the line ordered.
#[tokio::test]
async fn concurrent_deliveries_of_one_order_never_receive_more_than_it_ordered() {
    use futures::future::join_all;
    use magasin_domain::purchasing::{OrderChange, OrderLineRequest, ValidOrder};
    use magasin_domain::receiving::{ReceiptLineRequest, ValidReceipt};
    let storage = seeded().await;
    let s: &PgStorage = &storage;
    let order = ValidOrder {
        fournisseur: "Grossiste".into(),
        lignes: vec![OrderLineRequest { produit: CAFE, quantite: 10 }],
        tolerance_pct: 0,
        at: Utc::now(),
    };
    let id = s.create_purchase_order(&order, &ctx()).await.expect("order").id;
    s.change_purchase_order(id, OrderChange::Send, &ctx()).await.expect("sent");
    let before = s
        .warehouse_stock(&magasin_domain::stock::StockQuery::all(magasin_domain::paging::PageRequest::new(1, 100)))
        .await
        .expect("stock");
    let before = before.items.iter().find(|r| r.produit == CAFE).map(|r| r.quantite).expect("row");
    let deliveries = (0..6).map(|i| async move {
        let receipt = ValidReceipt {
            fournisseur: "Grossiste".into(),
            bon_livraison: format!("BL-{i}"),
            lignes: vec![ReceiptLineRequest { produit: CAFE, quantite: 3 }],
            commande: Some(id),
            at: Utc::now(),
            idempotency: None,
        };
        s.record_receipt(&receipt, &ctx()).await
    });
    let outcomes = join_all(deliveries).await;
    let received = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(received, 3, "3 × 3 fit in 10, a fourth would not: {outcomes:?}");
    assert!(outcomes.iter().all(|o| matches!(o, Ok(_) | Err(StorageError::Conflict(_)))), "{outcomes:?}");
    let order = s.get_purchase_order(id).await.expect("order");
    assert_eq!((order.lignes[0].recue, order.statut.as_str()), (9, "partiellement_recue"));
    let after = s
        .warehouse_stock(&magasin_domain::stock::StockQuery::all(magasin_domain::paging::PageRequest::new(1, 100)))
        .await
        .expect("stock");
    let after = after.items.iter().find(|r| r.produit == CAFE).map(|r| (r.quantite, r.attendu)).expect("row");
    assert_eq!(after, (before + 9, 1), "the warehouse holds what was received; 1 is still due");
    assert_eq!(s.ledger_discrepancies().await.expect("ledger"), vec![]);
}

/// The first session found waiting for a lock the session `holder` (a backend's pid) holds,
/// within 5 s (none: the test's assertions then tell what went wrong).
async fn wait_until_someone_waits_for(s: &PgStorage, holder: i32) -> Option<i32> {
    let blocked = "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) LIMIT 1";
    for _ in 0..500 {
        let waiter: Option<i32> =
            sqlx::query_scalar(blocked).bind(holder).fetch_optional(s.writer()).await.expect("activity");
        if waiter.is_some() {
            return waiter;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    None
}

/// A count whose validation creates a store's stock row, then waits for another row of the
/// store that a restock holds, no longer holds the store's row meanwhile: the restock adding
/// its created rows to the store's count goes through instead of deadlocking (PostgreSQL would
/// abort one of the two after a second), then the count goes on and counts every row it created.
#[tokio::test]
async fn a_count_creating_stock_rows_does_not_deadlock_with_a_restock_of_the_store() {
    use magasin_domain::counts::{CountEntry, NewCount};
    let s = seeded().await;
    let nord = Location::Store(NORD);
    // Nord holds no row for Café nor for Souris: the count's validation creates both, in order.
    let count = s.open_count(&NewCount { location: nord, categorie: None, at: Utc::now() }, &ctx()).await;
    let count = count.expect("count opened");
    let entries = [
        CountEntry { produit: CLAVIER, compte: 15 },
        CountEntry { produit: CAFE, compte: 4 },
        CountEntry { produit: SOURIS, compte: 1 },
    ];
    s.enter_count(count.id, &entries, &ctx()).await.expect("entered");
    // Another writer (a delivery, say) is creating Nord's Souris row.
    let mut restock = s.writer().begin().await.expect("begin");
    sqlx::query("INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES ($1, $2, 0)")
        .bind(NORD.0)
        .bind(SOURIS.0)
        .execute(&mut *restock)
        .await
        .expect("its row");
    let holder: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *restock).await.expect("pid");
    let validation = tokio::spawn({
        let s = s.shared();
        async move { s.close_count(count.id, true, &ctx()).await }
    });
    // The validation has created Café's row and now waits for Souris's.
    wait_until_someone_waits_for(&s, holder).await.expect("the validation waits for the restock");
    let counted = sqlx::query("UPDATE stores SET stock_rows = stock_rows + 1 WHERE id = $1")
        .bind(NORD.0)
        .execute(&mut *restock)
        .await;
    assert!(counted.is_ok(), "the restock waited for the count's lock on the store: {counted:?}");
    restock.commit().await.expect("the restock commits");
    let validated = validation.await.expect("joined");
    assert!(validated.is_ok(), "{validated:?}");
    let (rows, counted): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM store_stock WHERE magasin_id = $1), (SELECT stock_rows FROM stores WHERE id = $1)",
    )
    .bind(NORD.0)
    .fetch_one(s.writer())
    .await
    .expect("counts");
    assert_eq!((rows, counted), (3, 3));
    let levels: Vec<(i64, i64)> =
        sqlx::query_as("SELECT produit_id, quantite FROM store_stock WHERE magasin_id = $1 ORDER BY 1")
            .bind(NORD.0)
            .fetch_all(s.writer())
            .await
            .expect("levels");
    assert_eq!(levels, vec![(CLAVIER.0, 15), (CAFE.0, 4), (SOURIS.0, 1)]);
    assert_ledger_sound(&s).await;
}

/// A transaction PostgreSQL rolls back to break a deadlock is `Unavailable` (a 503 the client
/// may retry), not an internal error.
#[tokio::test]
async fn a_deadlock_is_unavailable_not_an_internal_error() {
    let s = seeded().await;
    let lock = "UPDATE store_stock SET quantite = quantite WHERE magasin_id = $1 AND produit_id = $2";
    let mut first = s.writer().begin().await.expect("begin");
    let mut second = s.writer().begin().await.expect("begin");
    sqlx::query(lock).bind(CENTRE.0).bind(CLAVIER.0).execute(&mut *first).await.expect("first's row");
    sqlx::query(lock).bind(CENTRE.0).bind(CAFE.0).execute(&mut *second).await.expect("second's row");
    let (a, b) = tokio::join!(
        sqlx::query(lock).bind(CENTRE.0).bind(CAFE.0).execute(&mut *first),
        sqlx::query(lock).bind(CENTRE.0).bind(CLAVIER.0).execute(&mut *second),
    );
    let refused = a.err().or(b.err()).expect("PostgreSQL breaks the deadlock");
    let mapped = magasin_store_postgres::map_error(refused);
    assert!(matches!(&mapped, StorageError::Unavailable(reason) if reason.contains("try again")), "{mapped:?}");
}

/// Renames Café "Café en grains" on a task of its own.
fn rename_cafe_in_the_background(
    s: &TestStorage<PgStorage>,
) -> tokio::task::JoinHandle<Result<magasin_domain::catalogue::Product, StorageError>> {
    let s = s.shared();
    tokio::spawn(async move {
        let patch =
            magasin_domain::catalogue::ProductPatch { nom: Some("Café en grains".into()), ..Default::default() };
        s.update_product(CAFE, &patch, &ctx()).await
    })
}

/// A rename updates the product's stock rows (their copy of its name key): it locks them before
/// the product, the order a sale takes them in (its stock rows, then the product `FOR KEY SHARE`
/// through its lines' foreign key). A sale holding a row of the product while the rename waits
/// then goes on, instead of deadlocking with it.
#[tokio::test]
async fn a_rename_waits_for_a_sale_of_the_product_instead_of_deadlocking_with_it() {
    let s = seeded().await;
    let mut sale = s.writer().begin().await.expect("begin");
    sqlx::query("SELECT quantite FROM store_stock WHERE magasin_id = $1 AND produit_id = $2 FOR UPDATE")
        .bind(CENTRE.0)
        .bind(CAFE.0)
        .fetch_one(&mut *sale)
        .await
        .expect("the sale's stock row");
    let holder: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *sale).await.expect("pid");
    let rename = rename_cafe_in_the_background(&s);
    wait_until_someone_waits_for(&s, holder).await.expect("the rename waits for the sale");
    let line = sqlx::query("SELECT id FROM products WHERE id = $1 FOR KEY SHARE").bind(CAFE.0).fetch_one(&mut *sale);
    let line = tokio::time::timeout(std::time::Duration::from_secs(5), line).await.expect("not left waiting");
    assert!(line.is_ok(), "the sale waited for the rename: {line:?}");
    sale.commit().await.expect("the sale commits");
    let renamed = rename.await.expect("joined");
    assert!(renamed.is_ok(), "{renamed:?}");
    let keys: Vec<String> = sqlx::query_scalar("SELECT nom_key FROM store_stock WHERE produit_id = $1")
        .bind(CAFE.0)
        .fetch_all(s.writer())
        .await
        .expect("keys");
    assert_eq!(keys, vec!["café en grains".to_string()]);
}

/// A restock of a stock row that exists (here an approval) waits for a rename holding that row
/// without holding the product meanwhile: the rename, waiting for the product behind a sale's
/// line, then goes on once the sale commits, and so does the restock. (Reading the product's key
/// before each proposed row, the restock held the product and deadlocked with the rename.)
#[tokio::test]
async fn a_restock_of_an_existing_row_waits_for_a_rename_instead_of_deadlocking_with_it() {
    let s = seeded().await;
    let request = s.create_replenishment(&NewReplenishment::one(CENTRE, CAFE, 2, Utc::now()), &ctx()).await;
    let request = request.expect("request");
    // A sale's line holds the product `FOR KEY SHARE` (its foreign key) until the sale commits.
    let mut sale = s.writer().begin().await.expect("begin");
    sqlx::query("SELECT id FROM products WHERE id = $1 FOR KEY SHARE")
        .bind(CAFE.0)
        .fetch_one(&mut *sale)
        .await
        .expect("the sale's line");
    let holder: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *sale).await.expect("pid");
    let rename = rename_cafe_in_the_background(&s);
    // The rename holds Centre's Café row and waits for the product.
    let renaming = wait_until_someone_waits_for(&s, holder).await.expect("the rename waits for the sale");
    let approval = tokio::spawn({
        let s = s.shared();
        async move { s.approve_replenishment(request.id, &ApprovalTerms::lab(), &ctx()).await }
    });
    wait_until_someone_waits_for(&s, renaming).await.expect("the approval waits for the rename");
    sale.commit().await.expect("the sale commits");
    let renamed = rename.await.expect("joined");
    assert!(renamed.is_ok(), "{renamed:?}");
    let approved = approval.await.expect("joined");
    assert!(approved.is_ok(), "{approved:?}");
    let row: (i64, String) =
        sqlx::query_as("SELECT quantite, nom_key FROM store_stock WHERE magasin_id = $1 AND produit_id = $2")
            .bind(CENTRE.0)
            .bind(CAFE.0)
            .fetch_one(s.writer())
            .await
            .expect("row");
    assert_eq!(row, (12, "café en grains".to_string()));
}
