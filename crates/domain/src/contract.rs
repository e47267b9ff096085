//! The conformance suite: every storage adapter must pass it, on the same fixture.
//!
//! An adapter's tests call `magasin_domain::storage_contract!(fresh_storage().await);`, which
//! generates one `#[tokio::test]` per rule below, each on its own fresh, empty database.

use crate::accounts::{NewUser, Role, StoreScope, UserChange};
use crate::adjustments::{AdjustmentQuery, AdjustmentReason, ShrinkageQuery, ValidAdjustment};
use crate::catalogue::{NewProduct, Product, ProductPatch};
use crate::error::StorageError;
use crate::ids::{ApiTokenId, ProductId, ReplenishmentId, SaleId, StoreId, UserId};
use crate::ledger::{LedgerQuery, LedgerReason, SourceDocument};
use crate::money::Money;
use crate::paging::{CursorRequest, Page, PageRequest};
use crate::receiving::{ReceiptLineRequest, ReceiptQuery, ValidReceipt};
use crate::replenishment::{ApprovalOutcome, ApprovalTerms, NewReplenishment, ReplenishmentQuery, ReplenishmentStatus};
use crate::reporting::ReportFilter;
use crate::sales::{IdempotencyKey, LineRequest, SaleQuery, SaleStatus, ValidSale};
use crate::seed::{Dataset, HistoricLine, HistoricSale};
use crate::stock::{Location, StockOrdering, StockQuery, StockThresholds, StoreStockRow};
use crate::storage::{Storage, WriteContext};
use crate::stores::Magasin;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// Generates one test per rule of the suite; `$make` builds a fresh, migrated, empty storage.
#[macro_export]
macro_rules! storage_contract {
    ($make:expr) => {
        $crate::storage_contract!(@rules $make;
            seeding_fills_an_empty_database,
            products_are_created_listed_and_updated,
            product_names_are_unique,
            an_opening_entry_is_written_for_a_non_zero_opening_stock_only,
            an_empty_patch_answers_the_product_unchanged,
            unknown_ids_are_not_found,
            a_sale_decrements_stock_and_appends_the_ledger,
            a_sale_names_the_products_it_left_below_their_automatic_minimum,
            a_sale_is_all_or_nothing,
            a_write_appends_its_movements_in_order_with_its_context,
            a_refused_sale_names_the_first_product_short_of_its_total,
            unit_price_is_the_price_at_the_moment_of_sale,
            a_sale_is_cancelled_once_and_restores_stock,
            an_idempotency_key_records_one_sale,
            an_idempotency_key_reused_for_another_sale_conflicts,
            concurrent_sales_never_oversell,
            approval_moves_stock_exactly_once,
            racing_approvals_decide_once,
            approval_without_warehouse_stock_refuses_the_request,
            rejection_marks_the_request_refused,
            requests_are_listed_by_status_and_store,
            report_follows_the_labs_definitions,
            report_and_dashboard_can_be_restricted,
            dashboard_counts_stock_outs_overstock_and_trends,
            stock_lists_filter_sort_and_page,
            a_store_list_counts_the_rows_its_restocks_create,
            a_store_list_filtered_by_name_follows_new_rows_and_renames,
            searches_with_control_characters_match_nothing,
            sales_are_listed_by_store_and_day_with_cursor,
            ledger_is_paged_newest_first,
            ledger_is_append_only_and_adds_up,
            history_import_keeps_aggregates_consistent,
            a_sale_totals_at_most_the_largest_price,
            users_are_created_with_their_stores_and_logins_are_unique,
            users_are_disabled_reset_and_given_another_role,
            api_tokens_are_found_by_hash_until_revoked,
            every_write_names_its_actor,
            a_receipt_raises_the_warehouse_once_per_key,
            adjustments_never_go_below_zero_and_keep_their_price,
        );
    };
    (@rules $make:expr; $($rule:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $rule() {
                let storage = $make;
                $crate::contract::seed_fixture(&*storage).await;
                $crate::contract::$rule(&*storage).await;
            }
        )*
    };
}

pub const CENTRE: StoreId = StoreId(1);
pub const NORD: StoreId = StoreId(2);
pub const CLAVIER: ProductId = ProductId(1);
pub const CAFE: ProductId = ProductId(2);
pub const SOURIS: ProductId = ProductId(3);

/// Two stores, three products; Nord has no row for Café, Centre has none of Souris left.
pub fn fixture() -> Dataset {
    let product = |id, nom: &str, categorie: &str, prix| Product {
        id: ProductId(id),
        nom: nom.into(),
        categorie: categorie.into(),
        prix: Money(prix),
        description: None,
        sku: None,
        code_barres: None,
    };
    Dataset {
        stores: vec![
            Magasin { id: CENTRE, nom: "Magasin Centre-Ville".into(), adresse: "123 Rue Principale".into() },
            Magasin { id: NORD, nom: "Magasin Nord".into(), adresse: "5 Boulevard Nord".into() },
        ],
        products: vec![
            product(1, "Clavier mécanique", "Informatique", 8999),
            product(2, "Café moulu", "Épicerie", 749),
            product(3, "Souris", "Informatique", 2500),
        ],
        warehouse: vec![(CLAVIER, 200), (CAFE, 100), (SOURIS, 5)],
        local: vec![(CENTRE, CLAVIER, 20), (CENTRE, CAFE, 10), (CENTRE, SOURIS, 0), (NORD, CLAVIER, 15)],
    }
}

pub async fn seed_fixture(s: &dyn Storage) {
    assert!(s.is_empty().await.expect("is_empty"), "the storage must start empty");
    s.load_dataset(&fixture(), &ctx()).await.expect("load fixture");
}

/// A fixed instant, so that days are predictable: 2026-03-10 14:00 UTC.
pub fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 14, 0, 0).single().expect("valid instant")
}

pub fn ctx() -> WriteContext {
    WriteContext { request_id: Some("req-contract".into()), at: noon(), actor: "contract".into() }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid day")
}

pub fn sale_at(store: StoreId, lines: &[(ProductId, i64)], at: DateTime<Utc>) -> ValidSale {
    ValidSale {
        magasin: store,
        lignes: lines.iter().map(|&(produit, quantite)| LineRequest { produit, quantite }).collect(),
        paiement: None,
        at,
        idempotency: None,
    }
}

pub fn sale(store: StoreId, lines: &[(ProductId, i64)]) -> ValidSale {
    sale_at(store, lines, noon())
}

async fn local_qty(s: &dyn Storage, store: StoreId, product: ProductId) -> Option<i64> {
    let stock = s.store_stock(store).await.expect("store stock");
    stock.iter().find(|i| i.produit_id == product).map(|i| i.quantite)
}

async fn warehouse_qty(s: &dyn Storage, product: ProductId) -> i64 {
    let page = s.warehouse_stock(&StockQuery::all(PageRequest::new(1, 100))).await.expect("warehouse");
    page.items.iter().find(|r| r.produit == product).map(|r| r.quantite).expect("warehouse row")
}

async fn assert_ledger_sound(s: &dyn Storage) {
    let bad = s.ledger_discrepancies().await.expect("ledger check");
    assert!(bad.is_empty(), "ledger does not add up: {bad:?}");
    let rows = s.stock_rows_discrepancies().await.expect("stock rows check");
    assert!(rows.is_empty(), "stores' numbers of stock rows do not match: {rows:?}");
}

fn request(store: StoreId, product: ProductId, quantite: i64) -> NewReplenishment {
    NewReplenishment::one(store, product, quantite, noon())
}

pub async fn seeding_fills_an_empty_database(s: &dyn Storage) {
    assert!(!s.is_empty().await.expect("is_empty"));
    let stores = s.list_stores().await.expect("stores");
    assert_eq!(stores, fixture().stores);
    assert_eq!(s.get_store(NORD).await.expect("store").nom, "Magasin Nord");
    assert_eq!(warehouse_qty(s, SOURIS).await, 5);
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(10));
    assert_eq!(local_qty(s, NORD, CAFE).await, None);
    s.ping().await.expect("ping");
    assert_ledger_sound(s).await;
}

pub async fn products_are_created_listed_and_updated(s: &dyn Storage) {
    let new = NewProduct {
        nom: "Thé vert".into(),
        categorie: "Épicerie".into(),
        prix: Money(499),
        description: Some("Sencha".into()),
        stock_initial: 40,
        sku: None,
        code_barres: None,
    };
    let created = s.create_product(&new, &ctx()).await.expect("create");
    assert!(created.id.0 > 3, "new ids follow the seeded ones");
    assert_eq!(warehouse_qty(s, created.id).await, 40);
    let fetched = s.get_product(created.id).await.expect("get");
    assert_eq!(fetched, created);

    let all = s.list_products(None, PageRequest::new(1, 2)).await.expect("list");
    assert_eq!(all.count, 4);
    assert_eq!(all.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![CLAVIER, CAFE]);
    let found = s.list_products(Some("épicerie"), PageRequest::new(1, 10)).await.expect("search");
    assert_eq!(found.items.iter().map(|p| p.nom.as_str()).collect::<Vec<_>>(), vec!["Café moulu", "Thé vert"]);
    let found = s.list_products(Some("café"), PageRequest::new(1, 10)).await.expect("search");
    assert_eq!(found.count, 1);

    let patch = ProductPatch { prix: Some(Money(550)), description: Some(None), ..Default::default() };
    let updated = s.update_product(created.id, &patch, &ctx()).await.expect("update");
    assert_eq!(updated.prix, Money(550));
    assert_eq!(updated.description, None);
    assert_eq!(updated.nom, "Thé vert");
    let renamed = s
        .update_product(created.id, &ProductPatch { nom: Some("Thé noir".into()), ..Default::default() }, &ctx())
        .await
        .expect("rename");
    assert_eq!(renamed.nom, "Thé noir");
    assert_eq!(s.list_products(Some("noir"), PageRequest::new(1, 10)).await.expect("search").count, 1);

    let ledger = ledger_of(s, Location::Warehouse, Some(created.id), 10).await;
    assert_eq!(ledger.items.len(), 1);
    assert_eq!(ledger.items[0].motif, LedgerReason::ProductCreated);
    assert_eq!(ledger.items[0].solde, 40);
    assert_ledger_sound(s).await;
}

pub async fn product_names_are_unique(s: &dyn Storage) {
    let dup = NewProduct {
        nom: "Souris".into(),
        categorie: "X".into(),
        prix: Money(1),
        description: None,
        stock_initial: 0,
        sku: None,
        code_barres: None,
    };
    assert!(matches!(s.create_product(&dup, &ctx()).await, Err(StorageError::Conflict(_))));
    let rename = ProductPatch { nom: Some("Souris".into()), ..Default::default() };
    assert!(matches!(s.update_product(CAFE, &rename, &ctx()).await, Err(StorageError::Conflict(_))));
    assert_eq!(s.get_product(CAFE).await.expect("get").nom, "Café moulu");
}

/// One rule on every engine: a product created with opening stock gets one opening entry;
/// created with none, it gets no entry; a negative opening stock is refused and writes nothing.
pub async fn an_opening_entry_is_written_for_a_non_zero_opening_stock_only(s: &dyn Storage) {
    let new = |nom: &str, stock_initial| NewProduct {
        nom: nom.into(),
        categorie: "Épicerie".into(),
        prix: Money(100),
        description: None,
        stock_initial,
        sku: None,
        code_barres: None,
    };
    let entries = |produit| async move {
        let query =
            LedgerQuery { location: Location::Warehouse, produit: Some(produit), cursor: CursorRequest::new(None, 10) };
        s.ledger(&query).await.expect("ledger").items
    };
    let empty = s.create_product(&new("Sel", 0), &ctx()).await.expect("create without stock");
    assert_eq!(warehouse_qty(s, empty.id).await, 0);
    assert!(entries(empty.id).await.is_empty(), "no opening entry without opening stock");
    let stocked = s.create_product(&new("Poivre", 3), &ctx()).await.expect("create with stock");
    let opening = entries(stocked.id).await;
    assert_eq!(opening.len(), 1);
    assert_eq!((opening[0].quantite, opening[0].solde, opening[0].motif), (3, 3, LedgerReason::ProductCreated));
    let before = s.list_products(None, PageRequest::new(1, 100)).await.expect("list").count;
    assert!(s.create_product(&new("Sucre", -1), &ctx()).await.is_err(), "a negative opening stock is refused");
    assert_eq!(s.list_products(None, PageRequest::new(1, 100)).await.expect("list").count, before);
    assert_ledger_sound(s).await;
}

/// A patch naming no field answers the product as it is, or not found.
pub async fn an_empty_patch_answers_the_product_unchanged(s: &dyn Storage) {
    let unchanged = s.update_product(CAFE, &ProductPatch::default(), &ctx()).await.expect("empty patch");
    assert_eq!(unchanged, s.get_product(CAFE).await.expect("get"));
    let missing = s.update_product(ProductId(99), &ProductPatch::default(), &ctx()).await;
    assert!(matches!(missing, Err(StorageError::NotFound { .. })), "{missing:?}");
}

pub async fn unknown_ids_are_not_found(s: &dyn Storage) {
    let missing = |r: Result<_, StorageError>| matches!(r, Err(StorageError::NotFound { .. }));
    assert!(missing(s.get_store(StoreId(99)).await.map(|_| ())));
    assert!(missing(s.get_product(ProductId(99)).await.map(|_| ())));
    assert!(missing(s.update_product(ProductId(99), &ProductPatch::default(), &ctx()).await.map(|_| ())));
    assert!(missing(s.store_stock(StoreId(99)).await.map(|_| ())));
    assert!(missing(s.get_sale(SaleId(99)).await.map(|_| ())));
    assert!(missing(s.cancel_sale(SaleId(99), &ctx()).await.map(|_| ())));
    assert!(missing(s.record_sale(&sale(StoreId(99), &[(CLAVIER, 1)]), &ctx()).await.map(|_| ())));
    assert!(missing(s.record_sale(&sale(CENTRE, &[(ProductId(99), 1)]), &ctx()).await.map(|_| ())));
    assert!(missing(s.create_replenishment(&request(StoreId(99), CLAVIER, 1), &ctx()).await.map(|_| ())));
    assert!(missing(s.create_replenishment(&request(CENTRE, ProductId(99), 1), &ctx()).await.map(|_| ())));
    assert!(missing(s.get_replenishment(ReplenishmentId(99)).await.map(|_| ())));
    assert!(missing(s.approve_replenishment(ReplenishmentId(99), &ApprovalTerms::lab(), &ctx()).await.map(|_| ())));
    assert!(missing(s.reject_replenishment(ReplenishmentId(99), &ctx()).await.map(|_| ())));
    let filter = ReportFilter { magasin: Some(StoreId(99)), ..Default::default() };
    assert!(missing(s.sales_report(&filter).await.map(|_| ())));
    assert!(missing(s.dashboard(&filter, StockThresholds::default(), noon().date_naive()).await.map(|_| ())));
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(20), "nothing was written");
}

/// The sale reads each product's automatic rule with its stock: it names the products it left
/// below their minimum (Centre: Clavier 20, Café 10), not those above it, manual rules' or a
/// replay's.
pub async fn a_sale_names_the_products_it_left_below_their_automatic_minimum(s: &dyn Storage) {
    use crate::reordering::{RuleChange, RuleMode, ValidRule};
    let rule = |produit, min, mode| ValidRule { produit, min, max: 50, multiple: 1, mode };
    let change = RuleChange {
        magasin: CENTRE,
        rules: vec![rule(CLAVIER, 19, RuleMode::Automatic), rule(CAFE, 9, RuleMode::Manual)],
        at: noon(),
    };
    s.set_rules(&change, &ctx()).await.expect("rules");
    let keyed = |key: &str| {
        let mut sale = sale(CENTRE, &[(CLAVIER, 1), (CAFE, 5)]);
        sale.idempotency = Some(IdempotencyKey { key: key.into(), fingerprint: "f".into() });
        sale
    };
    let first = s.record_sale(&keyed("k1"), &ctx()).await.expect("sale");
    assert_eq!(
        first.below_automatic_minimum,
        Vec::<ProductId>::new(),
        "Clavier 19 is not below 19; Café's rule is manual"
    );
    let second = s.record_sale(&keyed("k2"), &ctx()).await.expect("sale");
    assert_eq!(second.below_automatic_minimum, vec![CLAVIER], "Clavier 18 < 19");
    let replay = s.record_sale(&keyed("k2"), &ctx()).await.expect("replay");
    assert!(replay.replayed);
    assert!(replay.below_automatic_minimum.is_empty(), "a replay changes nothing");
}

pub async fn a_sale_decrements_stock_and_appends_the_ledger(s: &dyn Storage) {
    let recorded = s.record_sale(&sale(CENTRE, &[(CLAVIER, 2), (CAFE, 3)]), &ctx()).await.expect("sale");
    assert!(!recorded.replayed);
    let sold = recorded.sale;
    assert_eq!(sold.magasin, CENTRE);
    assert_eq!(sold.magasin_nom, "Magasin Centre-Ville");
    assert_eq!(sold.statut, SaleStatus::Recorded);
    assert_eq!(sold.date_vente, noon());
    assert_eq!(sold.total, Money(2 * 8999 + 3 * 749));
    assert_eq!(sold.lignes.len(), 2);
    assert_eq!(sold.lignes[0].produit_nom, "Clavier mécanique");
    assert_eq!(sold.lignes[1].prix_unitaire, Money(749));
    assert_eq!(s.get_sale(sold.id).await.expect("get"), sold);
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(18));
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(7));

    let entries = ledger_of(s, Location::Store(CENTRE), Some(CAFE), 10).await;
    let last = &entries.items[0];
    assert_eq!((last.quantite, last.solde, last.motif), (-3, 7, LedgerReason::Sale));
    assert_eq!(last.document, Some(SourceDocument::Sale(sold.id)));
    assert_eq!(last.request_id.as_deref(), Some("req-contract"));
    assert_eq!(last.location, Location::Store(CENTRE));
    assert_eq!(last.produit_nom, "Café moulu");
    assert_ledger_sound(s).await;
}

pub async fn a_sale_is_all_or_nothing(s: &dyn Storage) {
    let err = s.record_sale(&sale(CENTRE, &[(CLAVIER, 2), (CAFE, 11)]), &ctx()).await.expect_err("insufficient");
    match err {
        StorageError::InsufficientStock { product, product_name, requested, available } => {
            assert_eq!((product, requested, available), (CAFE, 11, 10));
            assert_eq!(product_name, "Café moulu");
        }
        other => panic!("expected InsufficientStock, got {other:?}"),
    }
    let err = s.record_sale(&sale(NORD, &[(CAFE, 1)]), &ctx()).await.expect_err("no row");
    assert!(matches!(err, StorageError::InsufficientStock { available: 0, .. }), "{err:?}");
    // The same product twice in one sale draws on the same stock; the refusal reports the
    // sale's total for it against the stock before the sale.
    let err = s.record_sale(&sale(CENTRE, &[(CAFE, 6), (CAFE, 5)]), &ctx()).await.expect_err("twice");
    assert!(matches!(err, StorageError::InsufficientStock { requested: 11, available: 10, .. }), "{err:?}");
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(20));
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(10));
    let all = SaleQuery { magasin: None, from: None, to: None, cursor: CursorRequest::new(None, 10) };
    assert!(s.list_sales(&all).await.expect("sales").items.is_empty());
    assert!(s.sales_report(&ReportFilter::default()).await.expect("report").iter().all(|r| r.total == Money::ZERO));
    let ok = s.record_sale(&sale(CENTRE, &[(CAFE, 6), (CAFE, 4)]), &ctx()).await.expect("exactly all");
    assert_eq!(ok.sale.total, Money(10 * 749));
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(0));
    assert_ledger_sound(s).await;
}

/// The movements of one write are appended in the order of its lines, each with the balance
/// after it, the write's request id and time, and the document that caused it.
pub async fn a_write_appends_its_movements_in_order_with_its_context(s: &dyn Storage) {
    let recorded = s.record_sale(&sale(CENTRE, &[(CLAVIER, 2), (CAFE, 1), (CLAVIER, 1)]), &ctx()).await.expect("sale");
    let query = LedgerQuery { location: Location::Store(CENTRE), produit: None, cursor: CursorRequest::new(None, 10) };
    let mut entries = s.ledger(&query).await.expect("ledger").items;
    entries.retain(|e| e.motif == LedgerReason::Sale);
    entries.reverse();
    let seen: Vec<(ProductId, i64, i64)> = entries.iter().map(|e| (e.produit, e.quantite, e.solde)).collect();
    assert_eq!(seen, vec![(CLAVIER, -2, 18), (CAFE, -1, 9), (CLAVIER, -1, 17)]);
    for entry in &entries {
        assert_eq!(entry.request_id.as_deref(), Some("req-contract"));
        assert_eq!(entry.date, noon());
        assert_eq!(entry.document, Some(SourceDocument::Sale(recorded.sale.id)));
    }
    assert_ledger_sound(s).await;
}

/// One rule on every engine (SQLite used to name the line where its running take failed): a
/// sale short on several products names the first of them, in the order of its lines, whose
/// total over the sale exceeds the stock, with that total and the stock before the sale.
pub async fn a_refused_sale_names_the_first_product_short_of_its_total(s: &dyn Storage) {
    let refused = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1), (CAFE, 100), (CLAVIER, 100)]), &ctx()).await;
    match refused {
        Err(StorageError::InsufficientStock { product, requested, available, .. }) => {
            assert_eq!((product, requested, available), (CLAVIER, 101, 20));
        }
        other => panic!("expected insufficient stock, got {other:?}"),
    }
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(20), "nothing written");
}

pub async fn unit_price_is_the_price_at_the_moment_of_sale(s: &dyn Storage) {
    let first = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1)]), &ctx()).await.expect("sale").sale;
    s.update_product(CLAVIER, &ProductPatch { prix: Some(Money(9999)), ..Default::default() }, &ctx())
        .await
        .expect("price");
    let second = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1)]), &ctx()).await.expect("sale").sale;
    assert_eq!(s.get_sale(first.id).await.expect("get").lignes[0].prix_unitaire, Money(8999));
    assert_eq!(second.lignes[0].prix_unitaire, Money(9999));
    let report = s.sales_report(&ReportFilter::default()).await.expect("report");
    assert_eq!(report[0].total, Money(8999 + 9999));
}

pub async fn a_sale_is_cancelled_once_and_restores_stock(s: &dyn Storage) {
    let sold = s.record_sale(&sale(CENTRE, &[(CLAVIER, 2), (CAFE, 10)]), &ctx()).await.expect("sale").sale;
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(0));
    let cancelled = s.cancel_sale(sold.id, &ctx()).await.expect("cancel");
    assert_eq!(cancelled.statut, SaleStatus::Cancelled);
    assert_eq!(cancelled.date_annulation, Some(noon()));
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(20));
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(10));
    assert!(matches!(s.cancel_sale(sold.id, &ctx()).await, Err(StorageError::Conflict(_))));
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(10), "a second cancel changes nothing");
    let report = s.sales_report(&ReportFilter::default()).await.expect("report");
    assert_eq!(report[0].total, Money::ZERO);
    assert!(report[0].produits_vendus.is_empty(), "{:?}", report[0].produits_vendus);
    let dash =
        s.dashboard(&ReportFilter::default(), StockThresholds::default(), noon().date_naive()).await.expect("dash");
    assert_eq!(dash[0].chiffre_affaires, Money::ZERO);
    assert!(dash[0].tendances.is_empty());
    let entries = ledger_of(s, Location::Store(CENTRE), Some(CAFE), 10).await;
    assert_eq!((entries.items[0].quantite, entries.items[0].motif), (10, LedgerReason::SaleCancelled));
    assert_ledger_sound(s).await;
}

fn with_key(mut sale: ValidSale, key: &str, fingerprint: &str) -> ValidSale {
    sale.idempotency = Some(IdempotencyKey { key: key.into(), fingerprint: fingerprint.into() });
    sale
}

pub async fn an_idempotency_key_records_one_sale(s: &dyn Storage) {
    let request = with_key(sale(CENTRE, &[(CLAVIER, 1)]), "till-7-0001", "fp-a");
    let first = s.record_sale(&request, &ctx()).await.expect("first");
    let again = s.record_sale(&request, &ctx()).await.expect("retry");
    assert!(!first.replayed);
    assert!(again.replayed);
    assert_eq!(first.sale, again.sale);
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(19));
    // Concurrent retries of one key still record a single sale.
    let other = with_key(sale(CENTRE, &[(CAFE, 1)]), "till-7-0002", "fp-b");
    let c = ctx();
    let results = futures::future::join_all((0..5).map(|_| s.record_sale(&other, &c))).await;
    let ids: Vec<SaleId> = results.into_iter().map(|r| r.expect("sale").sale.id).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(9));
}

pub async fn an_idempotency_key_reused_for_another_sale_conflicts(s: &dyn Storage) {
    s.record_sale(&with_key(sale(CENTRE, &[(CLAVIER, 1)]), "k1", "fp-a"), &ctx()).await.expect("first");
    let reused = s.record_sale(&with_key(sale(CENTRE, &[(CAFE, 1)]), "k1", "fp-b"), &ctx()).await;
    assert!(matches!(reused, Err(StorageError::Conflict(_))), "{reused:?}");
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(10));
    // A refused sale does not consume its key: the retry, once stock allows it, is recorded.
    let big = with_key(sale(CENTRE, &[(CAFE, 50)]), "k2", "fp-c");
    assert!(s.record_sale(&big, &ctx()).await.is_err());
    let small = with_key(sale(CENTRE, &[(CAFE, 5)]), "k2", "fp-d");
    assert!(!s.record_sale(&small, &ctx()).await.expect("recorded").replayed);
}

pub async fn concurrent_sales_never_oversell(s: &dyn Storage) {
    let one = sale(CENTRE, &[(CAFE, 1)]);
    let c = ctx();
    let results = futures::future::join_all((0..50).map(|_| s.record_sale(&one, &c))).await;
    let sold = results.iter().filter(|r| r.is_ok()).count();
    let refused = results.iter().filter(|r| matches!(r, Err(StorageError::InsufficientStock { .. }))).count();
    let other: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| !matches!(e, StorageError::InsufficientStock { .. }))
        .collect();
    assert!(other.is_empty(), "unexpected errors: {other:?}");
    assert_eq!((sold, refused), (10, 40));
    assert_eq!(local_qty(s, CENTRE, CAFE).await, Some(0));
    let report = s.sales_report(&ReportFilter { magasin: Some(CENTRE), ..Default::default() }).await.expect("report");
    assert_eq!(report[0].total, Money(10 * 749));
    assert_ledger_sound(s).await;
}

pub async fn approval_moves_stock_exactly_once(s: &dyn Storage) {
    let created = s.create_replenishment(&request(NORD, CAFE, 30), &ctx()).await.expect("create");
    assert_eq!(created.statut, ReplenishmentStatus::Pending);
    assert_eq!((created.produit_nom.as_str(), created.magasin_nom.as_str()), ("Café moulu", "Magasin Nord"));
    assert_eq!(s.pending_replenishments().await.expect("pending"), 1);
    let outcome = s.approve_replenishment(created.id, &ApprovalTerms::lab(), &ctx()).await.expect("approve");
    let ApprovalOutcome::Approved(approved) = outcome else { panic!("expected approval, got {outcome:?}") };
    assert_eq!(approved.statut, ReplenishmentStatus::Approved);
    assert_eq!(approved.date_decision, Some(noon()));
    assert_eq!(warehouse_qty(s, CAFE).await, 70);
    assert_eq!(local_qty(s, NORD, CAFE).await, Some(30), "the store's row is created when missing");
    assert!(matches!(
        s.approve_replenishment(created.id, &ApprovalTerms::lab(), &ctx()).await,
        Err(StorageError::Conflict(_))
    ));
    assert!(matches!(s.reject_replenishment(created.id, &ctx()).await, Err(StorageError::Conflict(_))));
    assert_eq!(warehouse_qty(s, CAFE).await, 70);
    assert_eq!(s.pending_replenishments().await.expect("pending"), 0);
    let out = ledger_of(s, Location::Warehouse, Some(CAFE), 10).await;
    assert_eq!((out.items[0].quantite, out.items[0].motif), (-30, LedgerReason::ReplenishmentOut));
    assert_eq!(out.items[0].document, Some(SourceDocument::Replenishment(created.id)));
    let into = ledger_of(s, Location::Store(NORD), Some(CAFE), 10).await;
    assert_eq!((into.items[0].quantite, into.items[0].solde), (30, 30));
    assert_ledger_sound(s).await;
}

pub async fn racing_approvals_decide_once(s: &dyn Storage) {
    let created = s.create_replenishment(&request(CENTRE, CLAVIER, 50), &ctx()).await.expect("create");
    let (c, lab) = (ctx(), ApprovalTerms::lab());
    let results = futures::future::join_all((0..8).map(|_| s.approve_replenishment(created.id, &lab, &c))).await;
    let approved = results.iter().filter(|r| matches!(r, Ok(ApprovalOutcome::Approved(_)))).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(StorageError::Conflict(_)))).count();
    assert_eq!((approved, conflicts), (1, 7), "{results:?}");
    assert_eq!(warehouse_qty(s, CLAVIER).await, 150);
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(70));
    assert_ledger_sound(s).await;
}

pub async fn approval_without_warehouse_stock_refuses_the_request(s: &dyn Storage) {
    let created = s.create_replenishment(&request(CENTRE, SOURIS, 8), &ctx()).await.expect("create");
    let outcome = s.approve_replenishment(created.id, &ApprovalTerms::lab(), &ctx()).await.expect("decided");
    let ApprovalOutcome::RefusedForLackOfStock { request: refused, available } = outcome else {
        panic!("expected refusal, got {outcome:?}")
    };
    assert_eq!(available, 5);
    assert_eq!(refused.statut, ReplenishmentStatus::Refused);
    assert_eq!(refused.motif.as_deref(), Some("Stock central insuffisant : 5 disponible(s), 8 demandé(s)."));
    assert_eq!(s.get_replenishment(created.id).await.expect("get"), refused);
    assert_eq!(warehouse_qty(s, SOURIS).await, 5);
    assert_eq!(local_qty(s, CENTRE, SOURIS).await, Some(0));
    assert!(matches!(
        s.approve_replenishment(created.id, &ApprovalTerms::lab(), &ctx()).await,
        Err(StorageError::Conflict(_))
    ));
}

pub async fn rejection_marks_the_request_refused(s: &dyn Storage) {
    let created = s.create_replenishment(&request(CENTRE, CAFE, 5), &ctx()).await.expect("create");
    let rejected = s.reject_replenishment(created.id, &ctx()).await.expect("reject");
    assert_eq!(rejected.statut, ReplenishmentStatus::Refused);
    assert!(rejected.motif.is_some());
    assert_eq!(warehouse_qty(s, CAFE).await, 100);
    assert!(matches!(
        s.approve_replenishment(created.id, &ApprovalTerms::lab(), &ctx()).await,
        Err(StorageError::Conflict(_))
    ));
}

pub async fn requests_are_listed_by_status_and_store(s: &dyn Storage) {
    let a = s.create_replenishment(&request(CENTRE, CAFE, 1), &ctx()).await.expect("a");
    let b = s.create_replenishment(&request(NORD, CAFE, 2), &ctx()).await.expect("b");
    let c = s.create_replenishment(&request(CENTRE, CLAVIER, 3), &ctx()).await.expect("c");
    s.reject_replenishment(b.id, &ctx()).await.expect("reject");
    let all = ReplenishmentQuery { magasin: None, statut: None, cursor: CursorRequest::new(None, 2) };
    let first = s.list_replenishments(&all).await.expect("list");
    assert_eq!(first.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c.id, b.id]);
    let rest = ReplenishmentQuery { cursor: CursorRequest::new(first.next, 2), ..all.clone() };
    let second = s.list_replenishments(&rest).await.expect("list");
    assert_eq!(second.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a.id]);
    assert_eq!(second.next, None);
    let pending_centre = ReplenishmentQuery {
        magasin: Some(CENTRE),
        statut: Some(ReplenishmentStatus::Pending),
        cursor: CursorRequest::new(None, 10),
    };
    let page = s.list_replenishments(&pending_centre).await.expect("list");
    assert_eq!(page.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c.id, a.id]);
    let refused = ReplenishmentQuery { statut: Some(ReplenishmentStatus::Refused), ..pending_centre.clone() };
    assert!(s.list_replenishments(&refused).await.expect("list").items.is_empty());
}

pub async fn report_follows_the_labs_definitions(s: &dyn Storage) {
    s.record_sale(&sale(CENTRE, &[(CLAVIER, 2), (CAFE, 1)]), &ctx()).await.expect("sale");
    s.record_sale(&sale(CENTRE, &[(CAFE, 3)]), &ctx()).await.expect("sale");
    let report = s.sales_report(&ReportFilter::default()).await.expect("report");
    assert_eq!(report.len(), 2);
    let centre = &report[0];
    assert_eq!(centre.magasin_nom, "Magasin Centre-Ville");
    assert_eq!(centre.total, Money(2 * 8999 + 4 * 749));
    let sold: Vec<(&str, i64)> = centre.produits_vendus.iter().map(|q| (q.nom.as_str(), q.quantite)).collect();
    assert_eq!(sold, vec![("Clavier mécanique", 2), ("Café moulu", 4)]);
    let stock: Vec<(&str, i64)> = centre.stock_local.iter().map(|q| (q.nom.as_str(), q.quantite)).collect();
    assert_eq!(stock, vec![("Clavier mécanique", 18), ("Café moulu", 6), ("Souris", 0)]);
    let nord = &report[1];
    assert_eq!(nord.total, Money::ZERO);
    assert!(nord.produits_vendus.is_empty());
    assert_eq!(nord.stock_local.len(), 1);
}

pub async fn report_and_dashboard_can_be_restricted(s: &dyn Storage) {
    let monday = noon() - Duration::days(1);
    s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 1)], monday), &ctx()).await.expect("sale");
    s.record_sale(&sale(CENTRE, &[(CAFE, 2)]), &ctx()).await.expect("sale");
    s.record_sale(&sale(NORD, &[(CLAVIER, 3)]), &ctx()).await.expect("sale");
    let today = noon().date_naive();
    let only_today = ReportFilter { magasin: None, from: Some(today), to: Some(today) };
    let report = s.sales_report(&only_today).await.expect("report");
    assert_eq!(report[0].total, Money(2 * 749));
    assert_eq!(report[1].total, Money(3 * 8999));
    let centre_yesterday = ReportFilter { magasin: Some(CENTRE), from: None, to: Some(day(2026, 3, 9)) };
    let report = s.sales_report(&centre_yesterday).await.expect("report");
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].total, Money(8999));
    assert_eq!(report[0].produits_vendus.len(), 1);
    let dash = s.dashboard(&only_today, StockThresholds::default(), today).await.expect("dash");
    assert_eq!(dash.iter().map(|d| d.chiffre_affaires).collect::<Vec<_>>(), vec![Money(2 * 749), Money(3 * 8999)]);
    let nord = ReportFilter { magasin: Some(NORD), ..Default::default() };
    let dash = s.dashboard(&nord, StockThresholds::default(), today).await.expect("dash");
    assert_eq!(dash.len(), 1);
    assert_eq!(dash[0].magasin_nom, "Magasin Nord");
}

pub async fn dashboard_counts_stock_outs_overstock_and_trends(s: &dyn Storage) {
    let long_ago = noon() - Duration::days(7);
    s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 9)], long_ago), &ctx()).await.expect("old sale");
    s.record_sale(&sale_at(CENTRE, &[(CAFE, 4), (CLAVIER, 1)], noon() - Duration::days(6)), &ctx())
        .await
        .expect("sale");
    s.record_sale(&sale(CENTRE, &[(CLAVIER, 2)]), &ctx()).await.expect("sale");
    let today = noon().date_naive();
    let dash = s.dashboard(&ReportFilter::default(), StockThresholds::default(), today).await.expect("dash");
    let centre = &dash[0];
    assert_eq!(centre.chiffre_affaires, Money(12 * 8999 + 4 * 749));
    // Centre: Clavier 8, Café 6, Souris 0 → one stock-out, no overstock.
    assert_eq!((centre.ruptures, centre.surstock), (1, 0));
    let trend: Vec<(&str, i64)> = centre.tendances.iter().map(|t| (t.nom.as_str(), t.quantite)).collect();
    assert_eq!(trend, vec![("Café moulu", 4), ("Clavier mécanique", 3)], "the sale 7 days ago is outside the window");
    let nord = &dash[1];
    assert_eq!((nord.ruptures, nord.surstock), (0, 1));
    assert!(nord.tendances.is_empty());
    let strict = StockThresholds::global(6, 7);
    let dash = s.dashboard(&ReportFilter::default(), strict, today).await.expect("dash");
    assert_eq!((dash[0].ruptures, dash[0].surstock), (2, 1));
}

/// A search text with a control character matches nothing, on every engine alike (PostgreSQL's
/// text cannot even hold NUL), whatever was stored before stored text was checked.
pub async fn searches_with_control_characters_match_nothing(s: &dyn Storage) {
    let new = NewProduct {
        nom: "Thé\u{1}vert".into(),
        categorie: "Épicerie\u{7}".into(),
        prix: Money(499),
        description: None,
        stock_initial: 1,
        sku: None,
        code_barres: None,
    };
    s.create_product(&new, &ctx()).await.expect("create");
    for needle in ["\u{0}", "\u{1}", "thé\u{1}", "\u{7}", "café\u{0}", "\u{7f}"] {
        let found = s.list_products(Some(needle), PageRequest::new(1, 10)).await.expect("search");
        assert_eq!((found.count, found.items.len()), (0, 0), "{needle:?}");
        let query = StockQuery { name_contains: Some(needle.into()), ..StockQuery::all(PageRequest::new(1, 10)) };
        let warehouse = s.warehouse_stock(&query).await.expect("warehouse");
        assert_eq!((warehouse.count, warehouse.items.len()), (0, 0), "{needle:?}");
        let store = s.store_stock_page(CENTRE, &query).await.expect("store");
        assert_eq!((store.count, store.items.len()), (0, 0), "{needle:?}");
    }
}

/// A store's list filtered by name (its search key) counts what it shows: a stock row created by a restock is
/// counted under its product's name, and a renamed product under its new name only, in every store.
pub async fn a_store_list_filtered_by_name_follows_new_rows_and_renames(s: &dyn Storage) {
    async fn named(s: &dyn Storage, store: StoreId, needle: &str) -> (u64, Vec<String>) {
        let query = StockQuery { name_contains: Some(needle.into()), ..StockQuery::all(PageRequest::new(1, 10)) };
        let page = s.store_stock_page(store, &query).await.expect("page");
        (page.count, page.items.into_iter().map(|r| r.produit_nom).collect())
    }
    assert_eq!(named(s, NORD, "café").await, (0, vec![]), "Nord holds no Café");
    let request = s.create_replenishment(&request(NORD, CAFE, 5), &ctx()).await.expect("create");
    s.approve_replenishment(request.id, &ApprovalTerms::lab(), &ctx()).await.expect("approve");
    assert_eq!(named(s, NORD, "café").await, (1, vec!["Café moulu".to_string()]));
    let rename = ProductPatch { nom: Some("Thé vert".into()), ..Default::default() };
    s.update_product(CAFE, &rename, &ctx()).await.expect("rename");
    for store in [CENTRE, NORD] {
        assert_eq!(named(s, store, "café").await, (0, vec![]), "{store:?}: the old name no longer matches");
        assert_eq!(named(s, store, "thé v").await, (1, vec!["Thé vert".to_string()]), "{store:?}");
    }
    let price = ProductPatch { prix: Some(Money(799)), ..Default::default() };
    s.update_product(CAFE, &price, &ctx()).await.expect("new price");
    assert_eq!(named(s, NORD, "vert").await.0, 1, "a patch without a name keeps the key");
}

/// A store's list counts every stock row without a filter as with one (`quantite >= 0` keeps
/// every row), after seeding and after restocks that create rows, racing ones included.
pub async fn a_store_list_counts_the_rows_its_restocks_create(s: &dyn Storage) {
    async fn counts(s: &dyn Storage, store: StoreId) -> (u64, u64, usize) {
        let page = PageRequest::new(1, 10);
        let all = s.store_stock_page(store, &StockQuery::all(page)).await.expect("page");
        let kept = StockQuery { quantite_gte: Some(0), ..StockQuery::all(page) };
        let filtered = s.store_stock_page(store, &kept).await.expect("page");
        (all.count, filtered.count, s.store_stock(store).await.expect("stock").len())
    }
    let (before, ..) = counts(s, NORD).await;
    assert_eq!(counts(s, NORD).await, (before, before, usize::try_from(before).expect("small")));
    assert_eq!(local_qty(s, NORD, CAFE).await, None, "the test needs a product the store lacks");
    let first = s.create_replenishment(&request(NORD, CAFE, 5), &ctx()).await.expect("create");
    let second = s.create_replenishment(&request(NORD, CAFE, 7), &ctx()).await.expect("create");
    let (c, lab) = (ctx(), ApprovalTerms::lab());
    let (a, b) =
        futures::join!(s.approve_replenishment(first.id, &lab, &c), s.approve_replenishment(second.id, &lab, &c));
    assert!(matches!((&a, &b), (Ok(ApprovalOutcome::Approved(_)), Ok(ApprovalOutcome::Approved(_)))), "{a:?} {b:?}");
    assert_eq!(local_qty(s, NORD, CAFE).await, Some(12));
    let after = before + 1;
    assert_eq!(counts(s, NORD).await, (after, after, usize::try_from(after).expect("small")), "one row created");
    let again = s.create_replenishment(&request(NORD, CAFE, 1), &ctx()).await.expect("create");
    s.approve_replenishment(again.id, &lab, &c).await.expect("approve");
    assert_eq!(counts(s, NORD).await.0, after, "a row added to is not counted again");
}

pub async fn stock_lists_filter_sort_and_page(s: &dyn Storage) {
    let q = |name: Option<&str>, ordering, page| StockQuery {
        name_contains: name.map(str::to_string),
        quantite: None,
        quantite_gte: None,
        quantite_lte: None,
        ordering,
        page,
    };
    let page =
        s.store_stock_page(CENTRE, &q(None, StockOrdering::NameAsc, PageRequest::new(1, 10))).await.expect("page");
    assert_eq!(page.count, 3);
    assert_eq!(
        page.items.iter().map(|r| r.produit_nom.as_str()).collect::<Vec<_>>(),
        vec!["Café moulu", "Clavier mécanique", "Souris"]
    );
    assert_eq!(page.items[0].magasin_nom, "Magasin Centre-Ville");
    assert_eq!(page.items[0].magasin, CENTRE);
    let desc =
        s.store_stock_page(CENTRE, &q(None, StockOrdering::QuantityDesc, PageRequest::new(1, 2))).await.expect("page");
    assert_eq!(desc.items.iter().map(|r| r.quantite).collect::<Vec<_>>(), vec![20, 10]);
    assert_eq!(desc.count, 3);
    let second =
        s.store_stock_page(CENTRE, &q(None, StockOrdering::QuantityDesc, PageRequest::new(2, 2))).await.expect("page");
    assert_eq!(second.items.iter().map(|r| r.quantite).collect::<Vec<_>>(), vec![0]);
    let cafe = s
        .store_stock_page(CENTRE, &q(Some("café"), StockOrdering::NameAsc, PageRequest::new(1, 10)))
        .await
        .expect("page");
    assert_eq!(cafe.count, 1);
    let none = s
        .store_stock_page(CENTRE, &q(Some("cafe"), StockOrdering::NameAsc, PageRequest::new(1, 10)))
        .await
        .expect("page");
    assert_eq!(none.count, 0, "accents matter");
    // Filtered by name, the page and its count come together (a window over the same rows).
    let names = |page: &Page<StoreStockRow>| page.items.iter().map(|r| r.produit_nom.clone()).collect::<Vec<_>>();
    let first = s
        .store_stock_page(CENTRE, &q(Some("c"), StockOrdering::QuantityDesc, PageRequest::new(1, 1)))
        .await
        .expect("page");
    assert_eq!((first.count, names(&first)), (2, vec!["Clavier mécanique".to_string()]));
    let second = s
        .store_stock_page(CENTRE, &q(Some("c"), StockOrdering::QuantityDesc, PageRequest::new(2, 1)))
        .await
        .expect("page");
    assert_eq!((second.count, names(&second)), (2, vec!["Café moulu".to_string()]));
    let by_name = s
        .store_stock_page(CENTRE, &q(Some("c"), StockOrdering::NameDesc, PageRequest::new(1, 10)))
        .await
        .expect("page");
    assert_eq!(names(&by_name), vec!["Clavier mécanique", "Café moulu"]);
    let past = s
        .store_stock_page(CENTRE, &q(Some("c"), StockOrdering::QuantityDesc, PageRequest::new(3, 1)))
        .await
        .expect("page");
    assert_eq!((past.count, past.items.len()), (2, 0), "past the end: the count, no rows");
    let past_all =
        s.store_stock_page(CENTRE, &q(None, StockOrdering::QuantityAsc, PageRequest::new(2, 3))).await.expect("page");
    assert_eq!((past_all.count, past_all.items.len()), (3, 0), "past the end of every row");
    let unknown_all =
        s.store_stock_page(StoreId(99), &q(None, StockOrdering::QuantityAsc, PageRequest::new(1, 10))).await;
    assert!(matches!(unknown_all, Err(StorageError::NotFound { entity: "store", .. })), "an unknown store");
    let unknown = s.store_stock_page(StoreId(99), &q(Some("c"), StockOrdering::NameAsc, PageRequest::new(1, 10))).await;
    assert!(matches!(unknown, Err(StorageError::NotFound { entity: "store", .. })), "an unknown store, filtered");
    let mut ranged = q(None, StockOrdering::NameDesc, PageRequest::new(1, 10));
    ranged.quantite_gte = Some(10);
    let page = s.store_stock_page(CENTRE, &ranged).await.expect("page");
    assert_eq!(
        page.items.iter().map(|r| r.produit_nom.as_str()).collect::<Vec<_>>(),
        vec!["Clavier mécanique", "Café moulu"]
    );
    ranged.quantite_lte = Some(15);
    assert_eq!(s.store_stock_page(CENTRE, &ranged).await.expect("page").count, 1);
    let mut exact = q(None, StockOrdering::NameAsc, PageRequest::new(1, 10));
    exact.quantite = Some(0);
    assert_eq!(s.store_stock_page(CENTRE, &exact).await.expect("page").items[0].produit, SOURIS);
    let warehouse =
        s.warehouse_stock(&q(Some("souris"), StockOrdering::NameAsc, PageRequest::new(1, 10))).await.expect("wh");
    assert_eq!(warehouse.items.iter().map(|r| (r.produit, r.quantite)).collect::<Vec<_>>(), vec![(SOURIS, 5)]);
    let items = s.store_stock(CENTRE).await.expect("stock");
    assert_eq!(items.iter().map(|i| i.produit_id).collect::<Vec<_>>(), vec![CLAVIER, CAFE, SOURIS]);
}

pub async fn sales_are_listed_by_store_and_day_with_cursor(s: &dyn Storage) {
    let mut ids = Vec::new();
    for d in 0..4 {
        let at = noon() - Duration::days(3 - d);
        ids.push(s.record_sale(&sale_at(CENTRE, &[(CLAVIER, 1)], at), &ctx()).await.expect("sale").sale.id);
    }
    s.record_sale(&sale(NORD, &[(CLAVIER, 1), (ProductId(1), 1)]), &ctx()).await.expect("nord");
    let query = SaleQuery { magasin: Some(CENTRE), from: None, to: None, cursor: CursorRequest::new(None, 3) };
    let first = s.list_sales(&query).await.expect("list");
    assert_eq!(first.items.iter().map(|v| v.id).collect::<Vec<_>>(), vec![ids[3], ids[2], ids[1]]);
    assert_eq!(first.items[0].lignes.len(), 1, "lines come with the page");
    let second =
        s.list_sales(&SaleQuery { cursor: CursorRequest::new(first.next, 3), ..query.clone() }).await.expect("list");
    assert_eq!(second.items.iter().map(|v| v.id).collect::<Vec<_>>(), vec![ids[0]]);
    assert_eq!(second.next, None);
    let ranged = SaleQuery {
        from: Some(day(2026, 3, 8)),
        to: Some(day(2026, 3, 9)),
        cursor: CursorRequest::new(None, 10),
        ..query
    };
    let page = s.list_sales(&ranged).await.expect("list");
    assert_eq!(page.items.iter().map(|v| v.id).collect::<Vec<_>>(), vec![ids[2], ids[1]]);
    let all = SaleQuery { magasin: None, from: None, to: None, cursor: CursorRequest::new(None, 10) };
    let everything = s.list_sales(&all).await.expect("list");
    assert_eq!(everything.items.len(), 5);
    assert_eq!(everything.items[0].lignes.len(), 2);
}

pub async fn ledger_is_paged_newest_first(s: &dyn Storage) {
    for _ in 0..3 {
        s.record_sale(&sale(CENTRE, &[(CAFE, 1)]), &ctx()).await.expect("sale");
    }
    let q = LedgerQuery { location: Location::Store(CENTRE), produit: Some(CAFE), cursor: CursorRequest::new(None, 2) };
    let first = s.ledger(&q).await.expect("ledger");
    assert_eq!(first.items.iter().map(|e| e.solde).collect::<Vec<_>>(), vec![7, 8]);
    let second =
        s.ledger(&LedgerQuery { cursor: CursorRequest::new(first.next, 2), ..q.clone() }).await.expect("ledger");
    assert_eq!(
        second.items.iter().map(|e| (e.solde, e.motif)).collect::<Vec<_>>(),
        vec![(9, LedgerReason::Sale), (10, LedgerReason::Opening)]
    );
    assert_eq!(second.next, None);
    let whole_store =
        LedgerQuery { location: Location::Store(CENTRE), produit: None, cursor: CursorRequest::new(None, 100) };
    // Opening rows exist only for non-zero quantities: Clavier 20, Café 10; then 3 sales.
    assert_eq!(s.ledger(&whole_store).await.expect("ledger").items.len(), 5);
    let nord = LedgerQuery { location: Location::Store(NORD), produit: None, cursor: CursorRequest::new(None, 100) };
    assert_eq!(s.ledger(&nord).await.expect("ledger").items.len(), 1);
}

pub async fn ledger_is_append_only_and_adds_up(s: &dyn Storage) {
    let sold = s.record_sale(&sale(CENTRE, &[(CLAVIER, 5), (CAFE, 2)]), &ctx()).await.expect("sale").sale;
    let r = s.create_replenishment(&request(NORD, SOURIS, 5), &ctx()).await.expect("request");
    s.approve_replenishment(r.id, &ApprovalTerms::lab(), &ctx()).await.expect("approve");
    s.cancel_sale(sold.id, &ctx()).await.expect("cancel");
    s.record_sale(&sale(NORD, &[(SOURIS, 5)]), &ctx()).await.expect("sale");
    assert_ledger_sound(s).await;
    let whole = LedgerQuery { location: Location::Warehouse, produit: None, cursor: CursorRequest::new(None, 100) };
    let warehouse = s.ledger(&whole).await.expect("ledger");
    assert_eq!(warehouse.items[0].solde, 0, "the last Souris left the warehouse");
}

pub async fn history_import_keeps_aggregates_consistent(s: &dyn Storage) {
    let at = noon() - Duration::days(2);
    let line = |produit, quantite, prix| HistoricLine { produit, quantite, prix_unitaire: Money(prix) };
    let history = vec![
        HistoricSale { magasin: CENTRE, date_vente: at, lignes: vec![line(CLAVIER, 2, 8000), line(CAFE, 1, 700)] },
        HistoricSale { magasin: NORD, date_vente: at, lignes: vec![line(CLAVIER, 1, 8000)] },
        HistoricSale { magasin: CENTRE, date_vente: noon(), lignes: vec![line(CAFE, 3, 700)] },
    ];
    assert_eq!(s.import_sales_history(&history).await.expect("import"), 4);
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(20), "history does not move stock");
    let live = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1)]), &ctx()).await.expect("live sale").sale;
    assert!(live.id.0 > 3, "live ids follow imported ones");
    let report = s.sales_report(&ReportFilter::default()).await.expect("report");
    assert_eq!(report[0].total, Money(16000 + 700 + 2100 + 8999));
    assert_eq!(report[1].total, Money(8000));
    let today = noon().date_naive();
    let only_today = ReportFilter { magasin: None, from: Some(today), to: Some(today) };
    let dash = s.dashboard(&only_today, StockThresholds::default(), today).await.expect("dash");
    assert_eq!(dash[0].chiffre_affaires, Money(2100 + 8999));
    let all = SaleQuery { magasin: None, from: None, to: None, cursor: CursorRequest::new(None, 10) };
    assert_eq!(s.list_sales(&all).await.expect("list").items.len(), 4);
    assert_ledger_sound(s).await;
}

/// One sale totals at most `MAX_SALE_TOTAL`, at the prices read in its transaction: above it
/// the sale (or an imported one) is refused as invalid, nothing written, and the figures stay
/// exact.
pub async fn a_sale_totals_at_most_the_largest_price(s: &dyn Storage) {
    use crate::sales::MAX_SALE_TOTAL;
    use crate::validation::{ValidationCode, ValidationErrors};
    let refused = ValidationErrors::single("lignes", ValidationCode::SaleTotalTooHigh { max: MAX_SALE_TOTAL });
    s.update_product(CLAVIER, &ProductPatch { prix: Some(MAX_SALE_TOTAL), ..Default::default() }, &ctx())
        .await
        .expect("price");
    let one = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1)]), &ctx()).await.expect("one unit at the largest price");
    assert_eq!(one.sale.total, MAX_SALE_TOTAL);
    for lines in [vec![(CLAVIER, 2)], vec![(CLAVIER, 1), (CAFE, 1)], vec![(CLAVIER, 10); 100]] {
        match s.record_sale(&sale(CENTRE, &lines), &ctx()).await {
            Err(StorageError::Invalid(errors)) => assert_eq!(errors, refused),
            other => panic!("{lines:?}: expected the total refused, got {other:?}"),
        }
    }
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(19), "nothing taken by refused sales");
    let at = noon() - Duration::days(1);
    let line = |produit, quantite, prix| HistoricLine { produit, quantite, prix_unitaire: prix };
    let history = vec![
        HistoricSale { magasin: CENTRE, date_vente: at, lignes: vec![line(CAFE, 1, Money(700))] },
        HistoricSale { magasin: CENTRE, date_vente: at, lignes: vec![line(CLAVIER, 3, MAX_SALE_TOTAL)] },
    ];
    match s.import_sales_history(&history).await {
        Err(StorageError::Invalid(errors)) => assert_eq!(errors, refused),
        other => panic!("expected the imported total refused, got {other:?}"),
    }
    let report = s.sales_report(&ReportFilter::default()).await.expect("report");
    assert_eq!(report[0].total, MAX_SALE_TOTAL, "nothing of the refused batch imported");
    let dash = s.dashboard(&ReportFilter::default(), StockThresholds::default(), noon().date_naive()).await;
    assert_eq!(dash.expect("dashboard")[0].chiffre_affaires, MAX_SALE_TOTAL);
    assert_ledger_sound(s).await;
}

fn new_user(login: &str, role: Role, stores: StoreScope) -> NewUser {
    NewUser { login: login.into(), display_name: format!("{login} (test)"), role, stores }
}

pub async fn users_are_created_with_their_stores_and_logins_are_unique(s: &dyn Storage) {
    let ctx = WriteContext::now();
    let both = StoreScope::Only([CENTRE, NORD].into_iter().collect());
    let ana = s.create_user(&new_user("ana", Role::Caissier, both.clone()), "hash-a", &ctx).await.expect("ana");
    assert_eq!((ana.login.as_str(), ana.role, &ana.stores, ana.disabled), ("ana", Role::Caissier, &both, false));
    let chef = s.create_user(&new_user("chef", Role::Siege, StoreScope::All), "hash-c", &ctx).await.expect("chef");
    assert_eq!(chef.stores, StoreScope::All);
    assert_eq!(s.get_user(ana.id).await.expect("read"), ana);
    let listed = s.list_users().await.expect("list");
    assert_eq!(listed, vec![ana.clone(), chef]);
    let credentials = s.user_credentials("ana").await.expect("credentials").expect("found");
    assert_eq!((credentials.user, credentials.password_hash.as_str()), (ana, "hash-a"));
    assert!(s.user_credentials("nobody").await.expect("lookup").is_none());

    let taken = s.create_user(&new_user("ana", Role::Admin, StoreScope::All), "h", &ctx).await;
    assert!(matches!(&taken, Err(StorageError::Conflict(m)) if m.contains("ana")), "{taken:?}");
    let unknown_store = StoreScope::Only([StoreId(99)].into_iter().collect());
    let refused = s.create_user(&new_user("zoe", Role::Gerant, unknown_store), "h", &ctx).await;
    assert!(matches!(refused, Err(StorageError::NotFound { entity: "store", id: 99 })), "{refused:?}");
    assert!(s.user_credentials("zoe").await.expect("lookup").is_none(), "nothing of a refused account is kept");
    assert!(matches!(s.get_user(UserId(999)).await, Err(StorageError::NotFound { entity: "user", .. })));
}

pub async fn users_are_disabled_reset_and_given_another_role(s: &dyn Storage) {
    let ctx = WriteContext::now();
    let centre = StoreScope::Only([CENTRE].into_iter().collect());
    let ana = s.create_user(&new_user("ana", Role::Caissier, centre), "old", &ctx).await.expect("ana");
    let disabled = s
        .update_user(ana.id, &UserChange { disabled: Some(true), ..UserChange::default() }, &ctx)
        .await
        .expect("disable");
    assert!(disabled.disabled);
    assert!(disabled.session_epoch > ana.session_epoch, "disabling ends sessions");
    let nord = StoreScope::Only([NORD].into_iter().collect());
    let change = UserChange {
        disabled: Some(false),
        password_hash: Some("new".into()),
        role: Some((Role::Gerant, nord.clone())),
    };
    let changed = s.update_user(ana.id, &change, &ctx).await.expect("change");
    assert_eq!((changed.disabled, changed.role, &changed.stores), (false, Role::Gerant, &nord));
    let credentials = s.user_credentials("ana").await.expect("read").expect("found");
    assert_eq!(credentials.password_hash, "new");
    let everywhere = UserChange { role: Some((Role::Gerant, StoreScope::All)), ..UserChange::default() };
    assert_eq!(s.update_user(ana.id, &everywhere, &ctx).await.expect("all").stores, StoreScope::All);
    assert!(changed.session_epoch > disabled.session_epoch, "a change of password, role or state ends sessions");
    let ended = s.end_sessions(ana.id).await.expect("sign-out");
    assert_eq!(ended.session_epoch, s.get_user(ana.id).await.expect("read").session_epoch);
    assert!(ended.session_epoch > changed.session_epoch);
    assert!(matches!(s.end_sessions(UserId(999)).await, Err(StorageError::NotFound { .. })));
    let missing = s.update_user(UserId(999), &UserChange::default(), &ctx).await;
    assert!(matches!(missing, Err(StorageError::NotFound { entity: "user", .. })), "{missing:?}");
}

pub async fn api_tokens_are_found_by_hash_until_revoked(s: &dyn Storage) {
    let ctx = WriteContext::now();
    let ana = s.create_user(&new_user("ana", Role::Admin, StoreScope::All), "h", &ctx).await.expect("ana");
    let bob = s.create_user(&new_user("bob", Role::Siege, StoreScope::All), "h", &ctx).await.expect("bob");
    let token = s.create_api_token(ana.id, "till 3", "hash-1", &ctx).await.expect("token");
    assert_eq!((token.user, token.name.as_str(), token.last_used_at, token.revoked_at), (ana.id, "till 3", None, None));
    let at = Utc::now();
    assert_eq!(s.api_token_holder("hash-1", at).await.expect("lookup"), Some(ana.clone()));
    assert_eq!(s.api_token_holder("hash-2", at).await.expect("lookup"), None);
    let listed = s.list_api_tokens(ana.id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "its use is recorded");
    assert!(s.list_api_tokens(bob.id).await.expect("list").is_empty());

    let foreign = s.revoke_api_token(bob.id, token.id, &ctx).await;
    assert!(matches!(foreign, Err(StorageError::NotFound { .. })), "another user's token: {foreign:?}");
    let revoked = s.revoke_api_token(ana.id, token.id, &ctx).await.expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(s.api_token_holder("hash-1", at).await.expect("lookup"), None, "a revoked token names nobody");
    let again = s.revoke_api_token(ana.id, token.id, &ctx).await.expect("revoke again");
    assert_eq!(again.revoked_at, revoked.revoked_at, "revoking again changes nothing");
    let unknown = s.revoke_api_token(ana.id, ApiTokenId(999), &ctx).await;
    assert!(matches!(unknown, Err(StorageError::NotFound { .. })));
    let duplicate = s.create_api_token(bob.id, "copy", "hash-1", &ctx).await;
    assert!(duplicate.is_err(), "two tokens never share a secret");
}

/// A write context of `actor`, in request `request_id`.
fn by(actor: &str, request_id: &str) -> WriteContext {
    WriteContext { request_id: Some(request_id.into()), at: noon(), actor: actor.into() }
}

pub async fn every_write_names_its_actor(s: &dyn Storage) {
    use crate::audit::{AuditAction, AuditQuery};
    let recorded = s.record_sale(&sale(CENTRE, &[(CLAVIER, 1)]), &by("ana", "r1")).await.expect("sale").sale;
    assert_eq!((recorded.acteur.as_str(), recorded.annulee_par.as_deref()), ("ana", None));
    let cancelled = s.cancel_sale(recorded.id, &by("chef", "r2")).await.expect("cancel");
    assert_eq!((cancelled.acteur.as_str(), cancelled.annulee_par.as_deref()), ("ana", Some("chef")));
    assert_eq!(s.get_sale(recorded.id).await.expect("read").annulee_par.as_deref(), Some("chef"));

    let asked = s.create_replenishment(&request(NORD, CAFE, 5), &by("gerant-nord", "r3")).await.expect("ask");
    assert_eq!((asked.demandeur.as_str(), asked.decideur.as_deref()), ("gerant-nord", None));
    let ApprovalOutcome::Approved(approved) =
        s.approve_replenishment(asked.id, &ApprovalTerms::lab(), &by("logistique", "r4")).await.expect("approve")
    else {
        panic!("the warehouse holds the goods")
    };
    assert_eq!(approved.decideur.as_deref(), Some("logistique"));
    let other = s.create_replenishment(&request(NORD, CAFE, 1), &by("gerant-nord", "r5")).await.expect("ask");
    let rejected = s.reject_replenishment(other.id, &by("logistique", "r6")).await.expect("reject");
    assert_eq!(rejected.decideur.as_deref(), Some("logistique"));

    let product = NewProduct {
        nom: "Tapis de souris".into(),
        categorie: "Accessoires".into(),
        prix: Money(990),
        description: None,
        stock_initial: 4,
        sku: None,
        code_barres: None,
    };
    let created = s.create_product(&product, &by("siege", "r7")).await.expect("create");
    let patch = ProductPatch { prix: Some(Money(1290)), ..Default::default() };
    s.update_product(created.id, &patch, &by("siege", "r8")).await.expect("update");

    let store_ledger = ledger_of(s, Location::Store(CENTRE), Some(CLAVIER), 10).await;
    let actors: Vec<&str> = store_ledger.items.iter().map(|e| e.acteur.as_str()).collect();
    assert_eq!(actors[..2], ["chef", "ana"], "the cancellation, then the sale");
    assert_eq!(actors.last().copied(), Some("contract"), "the opening balance, by the seeding's context");
    let warehouse = ledger_of(s, Location::Warehouse, Some(created.id), 10).await;
    assert_eq!(warehouse.items[0].acteur, "siege");

    let everything =
        AuditQuery { acteur: None, action: None, from: None, to: None, cursor: CursorRequest::new(None, 50) };
    let all = s.audit_log(&everything).await.expect("audit");
    let seen: Vec<(&str, AuditAction, Option<&str>)> =
        all.items.iter().map(|e| (e.acteur.as_str(), e.action, e.request_id.as_deref())).collect();
    assert_eq!(
        seen,
        [
            ("siege", AuditAction::ProductUpdated, Some("r8")),
            ("siege", AuditAction::ProductCreated, Some("r7")),
            ("logistique", AuditAction::ReplenishmentRejected, Some("r6")),
            ("gerant-nord", AuditAction::ReplenishmentRequested, Some("r5")),
            ("logistique", AuditAction::ReplenishmentApproved, Some("r4")),
            ("gerant-nord", AuditAction::ReplenishmentRequested, Some("r3")),
            ("chef", AuditAction::SaleCancelled, Some("r2")),
            ("ana", AuditAction::SaleRecorded, Some("r1")),
        ]
    );
    let change = &all.items[0];
    assert_eq!(change.entite_id, created.id.0);
    let (before, after) = (change.avant.as_deref().unwrap_or_default(), change.apres.as_deref().unwrap_or_default());
    assert!(before.contains("\"prix\":\"9.90\"") && after.contains("\"prix\":\"12.90\""), "{before} → {after}");

    let by_actor = AuditQuery { acteur: Some("logistique".into()), ..everything.clone() };
    let by_actor = s.audit_log(&by_actor).await.expect("audit");
    assert_eq!(by_actor.items.len(), 2);
    let by_action = AuditQuery { action: Some(AuditAction::SaleRecorded), ..everything.clone() };
    let by_action = s.audit_log(&by_action).await.expect("audit");
    assert_eq!(by_action.items.iter().map(|e| e.entite_id).collect::<Vec<_>>(), [recorded.id.0]);
    let day = noon().date_naive();
    let that_day =
        AuditQuery { acteur: None, action: None, from: Some(day), to: Some(day), cursor: CursorRequest::new(None, 50) };
    assert_eq!(s.audit_log(&that_day).await.expect("audit").items.len(), 8);
    let next_day = AuditQuery { from: day.succ_opt(), ..that_day };
    assert!(s.audit_log(&next_day).await.expect("audit").items.is_empty());
}

/// The newest `limit` ledger entries of `location`, optionally of one product.
async fn ledger_of(
    s: &dyn Storage,
    location: Location,
    produit: Option<ProductId>,
    limit: u32,
) -> crate::paging::CursorPage<crate::ledger::LedgerEntry> {
    s.ledger(&LedgerQuery { location, produit, cursor: CursorRequest::new(None, limit) }).await.expect("ledger")
}

fn receipt(lines: &[(ProductId, i64)], key: Option<(&str, &str)>) -> ValidReceipt {
    ValidReceipt {
        fournisseur: "Grossiste Rhône".into(),
        bon_livraison: "BL-2024-001".into(),
        lignes: lines.iter().map(|&(produit, quantite)| ReceiptLineRequest { produit, quantite }).collect(),
        commande: None,
        at: noon(),
        idempotency: key.map(|(k, f)| IdempotencyKey { key: k.into(), fingerprint: f.into() }),
    }
}

pub async fn a_receipt_raises_the_warehouse_once_per_key(s: &dyn Storage) {
    let (cafe, souris) = (warehouse_qty(s, CAFE).await, warehouse_qty(s, SOURIS).await);
    let lines = [(CAFE, 40), (SOURIS, 5), (CAFE, 2)];
    let first = s.record_receipt(&receipt(&lines, Some(("bl-1", "f1"))), &ctx()).await.expect("receipt");
    assert!(!first.replayed);
    let r = &first.receipt;
    assert_eq!((r.fournisseur.as_str(), r.bon_livraison.as_str(), r.date), ("Grossiste Rhône", "BL-2024-001", noon()));
    assert_eq!(r.acteur, ctx().actor);
    let got: Vec<_> = r.lignes.iter().map(|l| (l.produit, l.produit_nom.as_str(), l.quantite)).collect();
    assert_eq!(got, [(CAFE, "Café moulu", 40), (SOURIS, "Souris", 5), (CAFE, "Café moulu", 2)]);
    assert_eq!((warehouse_qty(s, CAFE).await, warehouse_qty(s, SOURIS).await), (cafe + 42, souris + 5));
    let ledger = ledger_of(s, Location::Warehouse, Some(CAFE), 10).await;
    let rows: Vec<_> = ledger.items.iter().take(2).map(|e| (e.quantite, e.solde, e.motif, e.document)).collect();
    let doc = Some(SourceDocument::Receipt(r.id));
    assert_eq!(rows, [(2, cafe + 42, LedgerReason::Receipt, doc), (40, cafe + 40, LedgerReason::Receipt, doc)]);

    let replay = s.record_receipt(&receipt(&lines, Some(("bl-1", "f1"))), &ctx()).await.expect("replay");
    assert!(replay.replayed);
    assert_eq!(replay.receipt, first.receipt);
    let reused = s.record_receipt(&receipt(&[(CAFE, 1)], Some(("bl-1", "f2"))), &ctx()).await;
    assert!(matches!(reused, Err(StorageError::Conflict(_))), "{reused:?}");
    let unknown = s.record_receipt(&receipt(&[(CAFE, 1), (ProductId(999), 1)], Some(("bl-2", "f3"))), &ctx()).await;
    assert!(matches!(unknown, Err(StorageError::NotFound { entity: "product", id: 999 })), "{unknown:?}");
    assert_eq!(warehouse_qty(s, CAFE).await, cafe + 42, "nothing written by a refused receipt");
    let retried =
        s.record_receipt(&receipt(&[(CAFE, 1)], Some(("bl-2", "f3"))), &ctx()).await.expect("the key is free");
    assert!(!retried.replayed);

    let all = |produit, from, to| ReceiptQuery { produit, from, to, cursor: CursorRequest::new(None, 10) };
    let listed = s.list_receipts(&all(None, None, None)).await.expect("list");
    assert_eq!(listed.items.iter().map(|r| r.id).collect::<Vec<_>>(), [retried.receipt.id, r.id], "newest first");
    let of_mice = s.list_receipts(&all(Some(SOURIS), None, None)).await.expect("by product");
    assert_eq!(of_mice.items.iter().map(|r| r.id).collect::<Vec<_>>(), [r.id]);
    let day = noon().date_naive();
    assert_eq!(s.list_receipts(&all(None, Some(day), Some(day))).await.expect("that day").items.len(), 2);
    let next = day.succ_opt().expect("a day");
    assert!(s.list_receipts(&all(None, Some(next), None)).await.expect("later").items.is_empty());
    assert_eq!(s.get_receipt(r.id).await.expect("detail"), first.receipt);
    assert!(matches!(s.get_receipt(crate::ReceiptId(999)).await, Err(StorageError::NotFound { .. })));
    assert_ledger_sound(s).await;
}

fn adjustment(
    location: Location,
    produit: ProductId,
    quantite: i64,
    motif: AdjustmentReason,
    key: Option<(&str, &str)>,
) -> ValidAdjustment {
    ValidAdjustment {
        location,
        produit,
        quantite,
        motif,
        note: "constaté".into(),
        at: noon(),
        idempotency: key.map(|(k, f)| IdempotencyKey { key: k.into(), fingerprint: f.into() }),
    }
}

pub async fn adjustments_never_go_below_zero_and_keep_their_price(s: &dyn Storage) {
    use AdjustmentReason::*;
    let centre = Location::Store(CENTRE);
    let broken = s.record_adjustment(&adjustment(centre, CLAVIER, -3, Broken, Some(("a-1", "f1"))), &ctx()).await;
    let broken = broken.expect("adjustment");
    let a = &broken.adjustment;
    assert_eq!((a.quantite, a.solde, a.motif, a.prix_unitaire), (-3, 17, Broken, Money(8999)));
    assert_eq!((a.location, a.produit_nom.as_str(), a.acteur.as_str()), (centre, "Clavier mécanique", "contract"));
    assert_eq!(local_qty(s, CENTRE, CLAVIER).await, Some(17));
    let ledger = ledger_of(s, centre, Some(CLAVIER), 1).await;
    let row = &ledger.items[0];
    assert_eq!((row.quantite, row.solde), (-3, 17));
    assert_eq!((row.motif, row.document), (LedgerReason::Adjustment(Broken), Some(SourceDocument::Adjustment(a.id))));
    let replay = s.record_adjustment(&adjustment(centre, CLAVIER, -3, Broken, Some(("a-1", "f1"))), &ctx()).await;
    assert_eq!(replay.expect("replay").adjustment, broken.adjustment);
    let reused = s.record_adjustment(&adjustment(centre, CLAVIER, -1, Broken, Some(("a-1", "f2"))), &ctx()).await;
    assert!(matches!(reused, Err(StorageError::Conflict(_))), "{reused:?}");

    // Never below zero: not with a row at 0 (Centre's Souris), nor without a row (Nord's Café).
    let none_left = s.record_adjustment(&adjustment(centre, SOURIS, -1, Theft, None), &ctx()).await;
    assert!(matches!(none_left, Err(StorageError::InsufficientStock { available: 0, requested: 1, .. })));
    let no_row = s.record_adjustment(&adjustment(Location::Store(NORD), CAFE, -1, Theft, None), &ctx()).await;
    assert!(matches!(no_row, Err(StorageError::InsufficientStock { available: 0, .. })), "{no_row:?}");
    let too_many = s.record_adjustment(&adjustment(Location::Warehouse, SOURIS, -6, Expired, None), &ctx()).await;
    assert!(matches!(too_many, Err(StorageError::InsufficientStock { available: 5, requested: 6, .. })));
    assert_eq!((local_qty(s, NORD, CAFE).await, warehouse_qty(s, SOURIS).await), (None, 5));
    let found = s.record_adjustment(&adjustment(Location::Store(NORD), CAFE, 2, EntryError, None), &ctx()).await;
    assert_eq!(found.expect("found goods").adjustment.solde, 2);
    assert_eq!(local_qty(s, NORD, CAFE).await, Some(2), "a row is created for goods found");
    let unknown = s.record_adjustment(&adjustment(centre, ProductId(999), 1, Theft, None), &ctx()).await;
    assert!(matches!(unknown, Err(StorageError::NotFound { entity: "product", .. })), "{unknown:?}");
    let nowhere = s.record_adjustment(&adjustment(Location::Store(StoreId(9)), CAFE, 1, Theft, None), &ctx()).await;
    assert!(matches!(nowhere, Err(StorageError::NotFound { entity: "store", .. })), "{nowhere:?}");

    // The report values each unit at the price of the moment, not today's.
    let dearer = ProductPatch { prix: Some(Money(9999)), ..Default::default() };
    s.update_product(CLAVIER, &dearer, &ctx()).await.expect("new price");
    s.record_adjustment(&adjustment(Location::Warehouse, CLAVIER, -1, Broken, None), &ctx()).await.expect("w");
    let everywhere = ShrinkageQuery { location: None, from: None, to: None };
    let report = s.shrinkage(&everywhere).await.expect("shrinkage");
    let casse = report.lines.iter().find(|l| l.motif == Broken).expect("casse");
    assert_eq!((casse.adjustments, casse.units_out, casse.value_out), (2, 4, Money(3 * 8999 + 9999)));
    let only_centre = ShrinkageQuery { location: Some(centre), ..everywhere };
    let centre_report = s.shrinkage(&only_centre).await.expect("centre");
    assert_eq!(centre_report.lines.iter().find(|l| l.motif == Broken).map(|l| l.units_out), Some(3));
    let listed = s
        .list_adjustments(&AdjustmentQuery {
            location: centre,
            produit: None,
            motif: Some(Broken),
            from: None,
            to: None,
            cursor: CursorRequest::new(None, 10),
        })
        .await
        .expect("list");
    assert_eq!(listed.items, [broken.adjustment]);
    assert_ledger_sound(s).await;
}
