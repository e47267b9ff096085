//! The command line: every option can also come from an environment variable.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;

#[derive(Parser, Debug)]
#[command(name = "magasin", version, about = "Multi-store retail backend: stores, warehouse and head office")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API (applies migrations; loads the demo data into an empty database).
    Serve(Box<ServeArgs>),
    /// Apply the database migrations and exit.
    Migrate(DbArgs),
    /// Load data into an empty database.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Print the OpenAPI description (JSON) and exit.
    Openapi,
    /// Manage user accounts: how the first administrator is made on a fresh install.
    #[command(subcommand)]
    User(UserCommand),
    /// Check that, for every location and product, the stock ledger adds up to the quantity.
    CheckLedger(DbArgs),
    /// Copy a SQLite database to a file, consistently, while magasin serves it (PostgreSQL: pg_dump, see docs/operations.md).
    Backup(BackupArgs),
    /// Put a backup made by `magasin backup` in place of a SQLite database that nothing has open.
    Restore(RestoreArgs),
    /// Play the same demand with hand-made replenishment and with automatic rules, on fresh
    /// databases, and compare them (a table and an SVG chart; see docs/replenishment.md).
    Simulate(SimulateArgs),
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The file to write: refused if it exists, unless --force.
    #[arg(long, value_name = "FILE")]
    pub to: std::path::PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The backup to put back (checked first).
    #[arg(long, value_name = "FILE")]
    pub from: std::path::PathBuf,
    /// Replace the database if it exists (its current content is lost).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: `sqlite://path.db` or `postgres://…`. Default: a SQLite file under ./data/.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Largest number of PostgreSQL connections of this process.
    #[arg(long, env = "MAGASIN_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
    /// PostgreSQL cancels a statement running longer than this, in seconds (its transaction
    /// rolls back and the request answers 503); 0: no limit. Migrations are not limited.
    #[arg(long, env = "MAGASIN_DB_STATEMENT_TIMEOUT", default_value_t = 20)]
    pub db_statement_timeout: u64,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default: `0.0.0.0:8000` listens on every interface).
    #[arg(long, env = "MAGASIN_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Token required by writes (`Authorization: Token <token>`). Development default: token-430.
    #[arg(long, env = "MAGASIN_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// Secret of the web interface's cookie and CSRF keys, the same on every instance. Default: made
    /// once and kept beside the SQLite database (`<file>.session-secret`); with PostgreSQL, required
    /// in production and random per process otherwise.
    #[arg(long, env = "MAGASIN_SESSION_SECRET", hide_env_values = true)]
    pub session_secret: Option<String>,
    /// Minutes without a request after which a sign-in of the web interface ends.
    #[arg(long, env = "MAGASIN_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,
    /// Hours after which a sign-in of the web interface ends, however busy.
    #[arg(long, env = "MAGASIN_SESSION_LIFETIME_HOURS", default_value_t = 12)]
    pub session_lifetime_hours: u64,
    /// Production mode: refuses to start without an explicit API token, or with a short, repetitive or well-known one.
    #[arg(long, env = "MAGASIN_PRODUCTION")]
    pub production: bool,
    /// With --production, keep reads open to anyone as in the lab (by default production needs a
    /// token or a sign-in to read; health, metrics and the API description stay open).
    #[arg(long, env = "MAGASIN_PUBLIC_READS")]
    pub public_reads: bool,
    /// Accept the development token (no --api-token) on an address other machines can reach.
    #[arg(long, env = "MAGASIN_ALLOW_DEV_TOKEN_ON_NETWORK")]
    pub allow_dev_token_on_network: bool,
    /// Do not load the demo data into an empty database.
    #[arg(long, env = "MAGASIN_NO_DEMO")]
    pub no_demo: bool,
    /// A local stock at or below this quantity is a stock-out on the dashboard.
    #[arg(long, env = "MAGASIN_STOCKOUT_THRESHOLD", default_value_t = 0)]
    pub stockout_threshold: i64,
    /// A local stock above this quantity is overstock on the dashboard.
    #[arg(long, env = "MAGASIN_OVERSTOCK_THRESHOLD", default_value_t = 10)]
    pub overstock_threshold: i64,
    /// Days after a sale during which its goods may be returned (0: the moment of sale only).
    #[arg(long, env = "MAGASIN_RETURN_WINDOW_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub return_window_days: u32,
    /// Goods in transit: an approved replenishment reserves the goods at the warehouse and
    /// prepares a shipment, which logistics ships and the store receives (with the units
    /// missing or damaged), rather than moving the goods into the store at once. Every instance
    /// of a chain should say the same.
    #[arg(long, env = "MAGASIN_TRANSIT")]
    pub transit: bool,
    /// This instance's name in metrics (`instance_id`) and logs. Default: host name and port.
    #[arg(long, env = "MAGASIN_INSTANCE")]
    pub instance: Option<String>,
    /// Do not record metrics (`/metrics` answers 404); for measuring their cost.
    #[arg(long, env = "MAGASIN_NO_METRICS")]
    pub no_metrics: bool,
    /// Seconds between two passes of the ledger's verifier (one instance at a time on
    /// PostgreSQL); 0 turns it off.
    #[arg(long, env = "MAGASIN_VERIFY_EVERY", default_value_t = 60)]
    pub verify_every: u64,
    /// Cache of the expensive reads: none, local (in-process, one instance) or redis (in-process in front of Redis).
    #[arg(long, env = "MAGASIN_CACHE", value_enum, default_value_t = CacheMode::None)]
    pub cache: CacheMode,
    /// Redis for `--cache redis`.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Longest wait for Redis before answering from the database, in milliseconds (1 to 10,000).
    /// On a loaded machine a round trip can pass 50 ms, and every read waiting for it then goes
    /// to the database at once (docs/performance.md).
    #[arg(long, env = "MAGASIN_REDIS_TIMEOUT_MS", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub redis_timeout_ms: u64,
    /// With `--cache redis`: let a cached answer lag another instance's writes by up to this many
    /// milliseconds, for throughput (the bounded-staleness mode: docs/performance.md). Without it,
    /// no answer is ever older than an acknowledged write, on any instance.
    #[arg(long, env = "MAGASIN_CACHE_STALENESS_MS", value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub cache_staleness_ms: Option<u64>,
    /// Prefix of magasin's keys and channel in Redis (several deployments can share one Redis).
    #[arg(long, env = "MAGASIN_CACHE_PREFIX", default_value = "magasin")]
    pub cache_prefix: String,
    /// Which requests get an access-log line: all, or errors (5xx and slow requests) only.
    #[arg(long, env = "MAGASIN_ACCESS_LOG", value_enum, default_value_t = AccessLogMode::All)]
    pub access_log: AccessLogMode,
    /// Prometheus of this deployment, linked from the web interface's observability page.
    #[arg(long, env = "MAGASIN_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,
    /// Grafana of this deployment, linked from the web interface's observability page.
    #[arg(long, env = "MAGASIN_GRAFANA_URL")]
    pub grafana_url: Option<String>,
    /// Mark the web interface's cookies `Secure` (browsers then send them over HTTPS only): set it
    /// when magasin is served over TLS, e.g. behind an HTTPS-terminating NGINX.
    #[arg(long, env = "MAGASIN_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Seconds given to in-flight requests to finish after SIGTERM.
    #[arg(long, env = "MAGASIN_SHUTDOWN_GRACE", default_value_t = 20)]
    pub shutdown_grace: u64,
    /// Seconds a client has to send a request's headers, from the connection's opening or the
    /// end of the previous answer: slow and idle (keep-alive) connections are closed after it.
    #[arg(long, env = "MAGASIN_HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout: u64,
    /// Seconds a request may take before it is abandoned with a 503 (nothing half-written).
    #[arg(long, env = "MAGASIN_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Most client connections served at once; more wait until one closes.
    #[arg(long, env = "MAGASIN_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Threads serving connections, each with its own event loop (default: one per core).
    #[arg(long, env = "MAGASIN_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,
    /// Addresses of the proxies whose `X-Forwarded-Proto` / `X-Forwarded-Host` are believed,
    /// comma-separated; from anyone else they are ignored.
    #[arg(long, env = "MAGASIN_TRUSTED_PROXIES", value_delimiter = ',', default_value = "127.0.0.1")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin, a random password is made and printed once.
    Add(UserAddArgs),
    /// Every account: login, role, stores, state.
    List(DbArgs),
    /// Disable an account: it can no longer sign in nor use its tokens.
    Disable(UserLoginArgs),
    /// Enable a disabled account again.
    Enable(UserLoginArgs),
    /// Set an account's password. Without --password-stdin, a random one is made and printed once.
    SetPassword(UserPasswordArgs),
    /// Give an account another role and stores.
    SetRole(UserRoleArgs),
    /// Make a personal API token for an account, printed once (only its hash is kept).
    Token(UserTokenArgs),
    /// An account's personal tokens: id, name, made, last used, revoked.
    Tokens(UserLoginArgs),
    /// Revoke one of an account's personal tokens (by the id `user tokens` shows).
    RevokeToken(UserRevokeArgs),
}

#[derive(Args, Debug)]
pub struct UserRevokeArgs {
    #[command(flatten)]
    pub user: UserLoginArgs,
    /// The token's id.
    pub id: i64,
}

#[derive(Args, Debug)]
pub struct UserLoginArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The account's login.
    pub login: String,
}

#[derive(Args, Debug)]
pub struct StoresArgs {
    /// caissier, gerant, logistique, siege or admin.
    #[arg(long)]
    pub role: String,
    /// A store the user acts for (repeat for several); cashiers and managers need one, or --all-stores.
    #[arg(long = "store", value_name = "ID")]
    pub stores: Vec<i64>,
    /// The user acts for every store.
    #[arg(long, conflicts_with = "stores")]
    pub all_stores: bool,
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub user: UserLoginArgs,
    /// The name people read (default: the login).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub stores: StoresArgs,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args, Debug)]
pub struct UserPasswordArgs {
    #[command(flatten)]
    pub user: UserLoginArgs,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args, Debug)]
pub struct UserRoleArgs {
    #[command(flatten)]
    pub user: UserLoginArgs,
    #[command(flatten)]
    pub stores: StoresArgs,
}

#[derive(Args, Debug)]
pub struct UserTokenArgs {
    #[command(flatten)]
    pub user: UserLoginArgs,
    /// What the token is for (shown in the list of tokens).
    #[arg(long)]
    pub name: String,
}

#[derive(Subcommand, Debug)]
pub enum SeedCommand {
    /// The demo data: 5 stores, 15 products, warehouse and store stock.
    Demo(DbArgs),
    /// A large deterministic data set with a sales history.
    Synthetic(SyntheticArgs),
}

#[derive(Args, Debug)]
pub struct SyntheticArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Number of stores.
    #[arg(long, default_value_t = 20)]
    pub stores: u32,
    /// Number of products.
    #[arg(long, default_value_t = 2_000)]
    pub products: u32,
    /// Number of sales (each has 1 to 3 lines: about two lines per sale).
    #[arg(long, default_value_t = 10_000)]
    pub sales: u64,
    /// The sales spread over this many days, ending today.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Random seed: the same seed gives the same data set.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Sales written per transaction.
    #[arg(long, default_value_t = 20_000)]
    pub batch: usize,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Days to play.
    #[arg(long, default_value_t = 60)]
    pub days: u32,
    /// Number of stores.
    #[arg(long, default_value_t = 20)]
    pub stores: u32,
    /// Number of products.
    #[arg(long, default_value_t = 2_000)]
    pub products: u32,
    /// Random seed: the same seed plays the same demand.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder of the results (simulation.md, simulation.svg) and of the two databases played.
    #[arg(long, default_value = "simulation")]
    pub out: std::path::PathBuf,
    /// Keep the two databases (simulation-hand-made.db, simulation-rules.db) to look into.
    #[arg(long)]
    pub keep_databases: bool,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Log format: one JSON object per line, or text for humans.
    #[arg(long, env = "MAGASIN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json, global = true)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLogMode {
    All,
    Errors,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    None,
    Local,
    Redis,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}
