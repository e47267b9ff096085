//! `magasin simulate`: plays the same deterministic demand twice against fresh databases, once
//! with hand-made replenishment and once with automatic rules, through magasin's own use cases,
//! and compares them in a table and a chart.

mod demand;
mod play;
mod report;

use crate::cli::SimulateArgs;
use anyhow::{Context, Result, bail};
use demand::Demand;
use indicatif::{ProgressBar, ProgressStyle};
use magasin_domain::Storage;
use magasin_service::{Services, Settings};
use play::{Behaviour, Outcome};
use report::RunInfo;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Largest sizes accepted: a year, a chain of 100 stores, 10,000 products.
const MAX_DAYS: u32 = 365;
const MAX_STORES: u32 = 100;
const MAX_PRODUCTS: u32 = 10_000;

/// A fresh SQLite database in `dir` for `behaviour`; any earlier one there is removed first.
async fn fresh_database(dir: &Path, name: &str) -> Result<(Arc<dyn Storage>, PathBuf)> {
    let file = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let url = format!("sqlite://{}", file.display());
    let storage = magasin_store_sqlite::connect(&url).await.with_context(|| format!("creating {}", file.display()))?;
    Ok((Arc::new(storage), file))
}

fn remove_database(file: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

pub async fn run(args: &SimulateArgs) -> Result<(Outcome, Outcome)> {
    if !(1..=MAX_DAYS).contains(&args.days)
        || !(1..=MAX_STORES).contains(&args.stores)
        || !(1..=MAX_PRODUCTS).contains(&args.products)
    {
        bail!("--days must be 1 to {MAX_DAYS}, --stores 1 to {MAX_STORES}, --products 1 to {MAX_PRODUCTS}");
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let began = Instant::now();
    let demand = Demand::new(args.seed, args.stores as usize, args.products as usize);
    let bar = ProgressBar::new(2 * u64::from(args.days) * u64::from(args.stores));
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {msg} — day × store {pos}/{len} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut outcomes = Vec::new();
    for behaviour in [Behaviour::HandMade, Behaviour::Rules] {
        bar.set_message(behaviour.label());
        let name = match behaviour {
            Behaviour::HandMade => "simulation-hand-made",
            Behaviour::Rules => "simulation-rules",
        };
        let (storage, file) = fresh_database(&args.out, name).await?;
        let services = Services::new(storage.clone(), Settings::default());
        let outcome = play::play(storage.as_ref(), &services, &demand, behaviour, args.days, &bar).await;
        drop(services);
        drop(storage);
        if !args.keep_databases {
            remove_database(&file);
        }
        outcomes.push(outcome?);
    }
    bar.finish_and_clear();
    let rules = outcomes.pop().context("the rules' outcome")?;
    let hand = outcomes.pop().context("the hand-made outcome")?;
    let info =
        RunInfo { days: args.days, stores: args.stores as usize, products: args.products as usize, seed: args.seed };
    let table = report::table(&info, &hand, &rules);
    println!("{table}");
    let (md, svg) = (args.out.join("simulation.md"), args.out.join("simulation.svg"));
    std::fs::write(&md, &table).with_context(|| format!("writing {}", md.display()))?;
    std::fs::write(&svg, report::chart(&info, &hand, &rules)).with_context(|| format!("writing {}", svg.display()))?;
    eprintln!("simulated in {:.1?}; wrote {} and {}", began.elapsed(), md.display(), svg.display());
    Ok((hand, rules))
}
