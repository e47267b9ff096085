//! A large deterministic data set: stores, products, stock, and a sales history over N days.

use crate::cli::SyntheticArgs;
use anyhow::{Result, bail};
use chrono::{DateTime, Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use magasin_domain::catalogue::{Product, house_barcode, house_sku};
use magasin_domain::seed::{Dataset, HistoricLine, HistoricSale};
use magasin_domain::stores::Magasin;
use magasin_domain::{Money, ProductId, Storage, StoreId, WriteContext};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const CATEGORIES: [&str; 8] =
    ["Informatique", "Épicerie", "Maison", "Jardin", "Papeterie", "Sport", "Hygiène", "Jouets"];

/// Stores, products (prices 1.00 to 500.00) and opening stock: every store holds every product.
pub fn catalogue(args: &SyntheticArgs, rng: &mut ChaCha8Rng) -> Dataset {
    let stores = (1..=i64::from(args.stores))
        .map(|i| Magasin { id: StoreId(i), nom: format!("Magasin {i:03}"), adresse: format!("{i} Rue du Commerce") })
        .collect();
    let products: Vec<Product> = (1..=i64::from(args.products))
        .map(|i| Product {
            id: ProductId(i),
            nom: format!("Produit {i:05}"),
            categorie: CATEGORIES[(i as usize) % CATEGORIES.len()].to_string(),
            prix: Money(rng.random_range(100..=50_000)),
            description: None,
            sku: Some(house_sku(ProductId(i))),
            code_barres: Some(house_barcode(ProductId(i))),
        })
        .collect();
    let warehouse = products.iter().map(|p| (p.id, rng.random_range(0..=1_000))).collect();
    let mut local = Vec::with_capacity(args.stores as usize * products.len());
    for s in 1..=i64::from(args.stores) {
        for p in &products {
            local.push((StoreId(s), p.id, rng.random_range(0..=30)));
        }
    }
    Dataset { stores, products, warehouse, local }
}

/// Sale `index` of the history: times grow with the index, so ids follow dates.
fn sale(
    index: u64,
    args: &SyntheticArgs,
    start: DateTime<Utc>,
    step_ms: f64,
    prices: &[Money],
    rng: &mut ChaCha8Rng,
) -> HistoricSale {
    let at = start + Duration::milliseconds((index as f64 * step_ms) as i64);
    let magasin = StoreId(rng.random_range(1..=i64::from(args.stores)));
    let count = rng.random_range(1..=3);
    let lignes = (0..count)
        .map(|_| {
            let p = rng.random_range(0..prices.len());
            HistoricLine {
                produit: ProductId(p as i64 + 1),
                quantite: rng.random_range(1..=5),
                prix_unitaire: prices[p],
            }
        })
        .collect();
    HistoricSale { magasin, date_vente: at, lignes }
}

pub async fn run(storage: &dyn Storage, args: &SyntheticArgs) -> Result<()> {
    if args.stores == 0 || args.products == 0 || args.days == 0 || args.batch == 0 {
        bail!("--stores, --products, --days and --batch must be at least 1");
    }
    if !storage.is_empty().await? {
        bail!("the database already holds data: synthetic seeding needs an empty database");
    }
    let began = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let dataset = catalogue(args, &mut rng);
    let prices: Vec<Money> = dataset.products.iter().map(|p| p.prix).collect();
    storage.load_dataset(&dataset, &WriteContext::now()).await?;
    drop(dataset);
    eprintln!("catalogue: {} stores, {} products, stock loaded in {:.1?}", args.stores, args.products, began.elapsed());

    let end = Utc::now();
    let start = end - Duration::days(i64::from(args.days));
    let step_ms = (end - start).num_milliseconds() as f64 / args.sales.max(1) as f64;
    let bar = ProgressBar::new(args.sales);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} sales ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut lines = 0u64;
    let mut index = 0u64;
    while index < args.sales {
        let size = (args.sales - index).min(args.batch as u64);
        let batch: Vec<HistoricSale> =
            (index..index + size).map(|i| sale(i, args, start, step_ms, &prices, &mut rng)).collect();
        lines += storage.import_sales_history(&batch).await?;
        index += size;
        bar.set_position(index);
        if bar.is_hidden() {
            eprintln!("{index}/{} sales, {lines} lines", args.sales);
        }
    }
    bar.finish();
    let elapsed = began.elapsed();
    eprintln!(
        "synthetic data set: {} sales, {lines} sale lines in {:.1?} ({:.0} lines/s)",
        args.sales,
        elapsed,
        lines as f64 / elapsed.as_secs_f64().max(0.001)
    );
    Ok(())
}
