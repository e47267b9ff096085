//! The `magasin` binary: parse the command line, start telemetry, run the command.

mod backup;
mod cli;
mod session_secret;
mod simulation;
mod startup_checks;
mod storage;
mod synthetic;
mod telemetry;
mod users;

use anyhow::{Context, Result, bail};
use clap::Parser;
use cli::{AccessLogMode, CacheMode, Cli, Command, SeedCommand, ServeArgs};
use magasin_domain::Storage;
use magasin_domain::returns::ReturnWindow;
use magasin_domain::stock::StockThresholds;
use magasin_domain::verification::AggregateKind;
use magasin_service::cache::{Cache, CacheConfig};
use magasin_service::{Services, Settings};
use magasin_web::auth::ApiToken;
use magasin_web::forwarded::TrustedProxies;
use magasin_web::observability::request_log::AccessLog;
use magasin_web::{AppState, ServerLimits, build_app};
use std::sync::Arc;
use std::time::Duration;

/// mimalloc rather than glibc's allocator: a request allocates and frees many small buffers, and
/// glibc's malloc and free were a sixth of a cached read's time (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            let spec = magasin_web::openapi::spec().to_pretty_json().context("rendering the OpenAPI spec")?;
            println!("{spec}");
            Ok(())
        }
        Command::Serve(args) => {
            let _logs = telemetry::init(cli.log.log_format);
            serve(*args).await
        }
        Command::Migrate(db) => {
            storage::open(&db).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Seed(SeedCommand::Demo(db)) => {
            let storage = storage::open(&db).await?;
            load_demo(storage).await
        }
        Command::Seed(SeedCommand::Synthetic(args)) => {
            let storage = storage::open(&args.db).await?;
            synthetic::run(storage.as_ref(), &args).await
        }
        Command::User(command) => users::run(command).await,
        Command::Backup(args) => backup::backup(&args).await,
        Command::Restore(args) => backup::restore(&args).await,
        Command::Simulate(args) => simulation::run(&args).await.map(|_| ()),
        Command::CheckLedger(db) => {
            let storage = storage::open(&db).await?;
            let bad = storage.ledger_discrepancies().await?;
            let aggregates = storage.aggregate_discrepancies().await?;
            let stock_rows = storage.stock_rows_discrepancies().await?;
            for d in &bad {
                let transit = if d.en_transit { " (goods in transit to it)" } else { "" };
                eprintln!(
                    "{:?}{transit} product {}: quantity {}, ledger sum {}",
                    d.location, d.produit, d.quantite, d.ledger_sum
                );
            }
            for a in &aggregates {
                let day = a.jour.map_or_else(|| "all time".to_string(), |d| d.to_string());
                let lines = match a.kind {
                    AggregateKind::Sales => "sale lines",
                    AggregateKind::Returns => "return lines",
                };
                eprintln!(
                    "store {} product {} ({day}): kept {} units / {} cents, {lines} {} units / {} cents",
                    a.magasin, a.produit, a.kept_quantite, a.kept_montant, a.summed_quantite, a.summed_montant
                );
            }
            for r in &stock_rows {
                eprintln!("store {}: kept number of stock rows {}, rows counted {}", r.magasin, r.kept, r.counted);
            }
            match (bad.len(), aggregates.len(), stock_rows.len()) {
                (0, 0, 0) => {
                    eprintln!(
                        "stock ledger: every location and product adds up; sales and returns aggregates: every one adds up; \
                         stores' numbers of stock rows: every one matches"
                    );
                    Ok(())
                }
                (stock, kept, rows) => bail!(
                    "{stock} stock balances do not match their ledger; {kept} sales or returns aggregates do not match their lines; \
                     {rows} stores' numbers of stock rows do not match their rows"
                ),
            }
        }
    }
}

async fn load_demo(storage: Arc<dyn Storage>) -> Result<()> {
    let services = Services::new(storage, Settings::default());
    if !services.load_demo_if_empty().await? {
        bail!("the database already holds data: the demo data goes into an empty database");
    }
    eprintln!("demo data loaded: 5 stores, 15 products, warehouse and store stock");
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<()> {
    let token = startup_checks::api_token(args.api_token.as_deref(), args.production)?;
    startup_checks::check_bind(args.bind, &token, args.allow_dev_token_on_network)?;
    if token == startup_checks::DEVELOPMENT_TOKEN {
        if args.bind.ip().is_loopback() {
            tracing::warn!(address = %args.bind, "no API token given: accepting the development token, on loopback only");
        } else {
            tracing::warn!(address = %args.bind, "no API token given: accepting the development token from other machines (--allow-dev-token-on-network)");
        }
    }
    let workers = args.workers.map_or_else(magasin_web::server::default_workers, usize::from);
    let (storage, worker_storages) = storage::open_for_workers(&args.db, workers).await?;
    // After opening: the database's folder exists, and the secret is kept beside its file.
    let session_secret =
        session_secret::resolve(args.session_secret.as_deref(), &storage::url(&args.db), args.production)?;
    if storage.engine() == "sqlite" {
        tracing::info!("storage: SQLite (one instance only; several instances need PostgreSQL)");
    } else {
        tracing::info!(engine = storage.engine(), "storage ready");
    }
    let settings = Settings {
        thresholds: StockThresholds::global(args.stockout_threshold, args.overstock_threshold),
        return_window: ReturnWindow { days: args.return_window_days },
        transit: args.transit,
    };
    let cache = Cache::new(match args.cache {
        CacheMode::None => CacheConfig::None,
        CacheMode::Local => CacheConfig::Local,
        CacheMode::Redis => CacheConfig::Redis {
            url: args.redis_url.clone(),
            timeout: Duration::from_millis(args.redis_timeout_ms),
            prefix: args.cache_prefix.clone(),
            staleness: args.cache_staleness_ms.map(Duration::from_millis),
        },
    })
    .map_err(anyhow::Error::msg)?;
    tracing::info!(cache = ?args.cache, "cache configured");
    let services = Services::new(storage, settings).with_cache(cache);
    if !args.no_demo && services.load_demo_if_empty().await? {
        tracing::info!("empty database: demo data loaded");
    }
    let instance = args.instance.clone().unwrap_or_else(|| format!("{}:{}", host_name(), args.bind.port()));
    let access_log = match args.access_log {
        AccessLogMode::All => AccessLog::All,
        AccessLogMode::Errors => AccessLog::Errors,
    };
    let mut state = AppState::new(services, ApiToken::new(&token))
        .with_instance(instance.clone())
        .with_access_log(access_log)
        .with_monitoring_links(args.prometheus_url.clone(), args.grafana_url.clone())
        .with_session_secret(&session_secret)
        .with_session_limits(magasin_web::ui::session::SessionLimits {
            idle: Duration::from_secs(args.session_idle_minutes.max(1) * 60),
            lifetime: Duration::from_secs(args.session_lifetime_hours.max(1) * 3600),
        })
        .with_public_reads(!args.production || args.public_reads)
        .with_secure_cookies(args.secure_cookies)
        .with_trusted_proxies(TrustedProxies::new(args.trusted_proxies.iter().copied()))
        .with_request_timeout(Duration::from_secs(args.request_timeout.max(1)));
    if !args.no_metrics {
        let handle = magasin_web::observability::registry::install(&instance).map_err(anyhow::Error::msg)?;
        magasin_web::observability::registry::record_build_info(state.services.engine());
        state = state.with_metrics(handle);
    }
    if args.verify_every > 0 {
        tokio::spawn(verify_ledger_forever(state.services.clone(), Duration::from_secs(args.verify_every)));
    }
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(address = %args.bind, instance = %instance, "magasin listening");
    let apps = state
        .services
        .per_worker(worker_storages)
        .into_iter()
        .map(|services| build_app(state.clone().with_services(services)));
    magasin_web::serve_each(
        listener,
        apps.collect(),
        shutdown_signal(),
        ServerLimits {
            header_read_timeout: Duration::from_secs(args.header_read_timeout.max(1)),
            max_connections: args.max_connections.max(1),
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
            workers,
        },
    )
    .await
    .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// The ledger's verifier, every `every` until the process stops; a failed pass (the database
/// away) is logged and the next one tries again.
async fn verify_ledger_forever(services: Services, every: Duration) {
    // The first pass one period after the start, not during it.
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = services.verify_ledger(magasin_service::verification::SETTLE).await {
            tracing::warn!(%error, "ledger verification pass failed");
        }
    }
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "magasin".into())
}

/// Resolves on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested: finishing in-flight requests");
}
