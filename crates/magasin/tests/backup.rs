//! A backup taken while the server records sales, restored into a fresh database: the real
//! `magasin` binary on SQLite, driven over HTTP. The restored database passes the ledger check
//! and holds exactly the sales committed before the snapshot, each whole.

mod common;

use common::processes::{Process, free_port, temp_dir};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

/// Concurrent tills.
const WRITERS: usize = 4;
/// Sales acknowledged before the backup starts, and begun after it ends, at least.
const BEFORE: usize = 30;
const AFTER: usize = 10;
/// The products each demo store holds (crates/service/data/demo.json).
const STORES: [(i64, &[i64]); 5] = [
    (1, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    (2, &[1, 4, 6, 8, 10]),
    (3, &[2, 5, 7, 9, 11]),
    (4, &[3, 6, 8, 12, 13]),
    (5, &[1, 4, 10, 14, 15]),
];

/// A sale acknowledged with `201`, and whether it was sent after the backup had finished.
#[derive(Clone, Copy)]
struct Acknowledged {
    id: i64,
    sent_after_backup: bool,
}

#[derive(Default)]
struct Load {
    acknowledged: Vec<Acknowledged>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_a_consistent_database() {
    let dir = temp_dir("magasin-backup");
    let live = format!("sqlite://{}", dir.path().join("live.db").display());
    let port = free_port();
    let mut command = magasin_command();
    command.args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--shutdown-grace", "1"]).env("DATABASE_URL", &live);
    let mut server = Process::spawn("magasin", command, dir.path().join("serve.log"));
    server.wait_for_port(port, Duration::from_secs(20)).await;

    let load = Arc::new(Mutex::new(Load::default()));
    let backup_done = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> =
        (0..WRITERS).map(|w| tokio::spawn(till(port, w, load.clone(), backup_done.clone(), stop.clone()))).collect();

    wait_until("sales acknowledged before the backup", || async { load.lock().await.acknowledged.len() >= BEFORE })
        .await;
    let acknowledged_before = load.lock().await.acknowledged.len();
    let backup_file = dir.path().join("backups").join("magasin-backup.db");
    std::fs::create_dir_all(backup_file.parent().expect("folder")).expect("backups folder");
    let backup = magasin(&["backup", "--to", path(&backup_file)], &live).await;
    backup_done.store(true, Ordering::SeqCst);
    assert!(backup.status.success(), "backup failed: {}", stderr(&backup));
    assert!(stderr(&backup).contains(path(&backup_file)), "it says where: {}", stderr(&backup));

    let again = magasin(&["backup", "--to", path(&backup_file)], &live).await;
    assert!(!again.status.success(), "an existing backup is not overwritten without --force");
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));

    wait_until("sales sent after the backup", || async {
        load.lock().await.acknowledged.iter().filter(|a| a.sent_after_backup).count() >= AFTER
    })
    .await;
    let over_live = magasin(&["restore", "--from", path(&backup_file), "--force"], &live).await;
    assert!(!over_live.status.success(), "restored over the database the server has open");
    assert!(stderr(&over_live).contains("in use"), "{}", stderr(&over_live));

    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        tokio::time::timeout(Duration::from_secs(30), writer).await.expect("a till did not stop").expect("till");
    }
    drop(server);

    let restored = format!("sqlite://{}", dir.path().join("restored").join("magasin.db").display());
    let restore = magasin(&["restore", "--from", path(&backup_file)], &restored).await;
    assert!(restore.status.success(), "restore failed: {}", stderr(&restore));
    let check = magasin(&["check-ledger"], &restored).await;
    assert!(check.status.success(), "ledger check of the restored database: {}", stderr(&check));

    let load = load.lock().await;
    let ids = restored_sale_ids(&restored).await;
    let newest = ids.last().copied().unwrap_or(0);
    let mut expected: Vec<i64> = load.acknowledged.iter().map(|a| a.id).filter(|id| *id <= newest).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "the backup holds every acknowledged sale up to its newest, and nothing else");
    assert!(
        ids.len() >= acknowledged_before,
        "{} sales restored, {acknowledged_before} acknowledged before",
        ids.len()
    );
    let sent_after = load.acknowledged.iter().filter(|a| a.sent_after_backup).collect::<Vec<_>>();
    assert!(sent_after.iter().all(|a| a.id > newest), "a sale sent after the backup is in it");
    assert_whole_sales(&restored).await;
}

/// One till: two-line sales of one unit each, round the stores, until told to stop.
async fn till(port: u16, writer: usize, load: Arc<Mutex<Load>>, backup_done: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    let mut i = writer;
    while !stop.load(Ordering::SeqCst) {
        let (store, products) = STORES[i % STORES.len()];
        let (a, b) = (products[(i / STORES.len()) % products.len()], products[(i / STORES.len() + 1) % products.len()]);
        let body = format!(
            r#"{{"magasin": {store}, "lignes": [{{"produit": {a}, "quantite": 1}}, {{"produit": {b}, "quantite": 1}}]}}"#
        );
        let sent_after_backup = backup_done.load(Ordering::SeqCst);
        let (status, answer) = post(port, "/api/v1/sales/", &body).await;
        let mut load = load.lock().await;
        match status {
            201 => {
                let sale: serde_json::Value = serde_json::from_str(&answer).expect("a sale in JSON");
                let id = sale["id"].as_i64().unwrap_or_else(|| panic!("no id in {answer}"));
                load.acknowledged.push(Acknowledged { id, sent_after_backup });
            }
            // The demo stock runs out when the load goes on long (a slow machine): refused, nothing written.
            409 => {}
            other => panic!("sale answered {other}: {answer}"),
        }
        i += WRITERS;
    }
}

/// POSTs JSON with the development token; the status and the body.
async fn post(port: u16, target: &str, body: &str) -> (u16, String) {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        let request = format!(
            "POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token token-430\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("receive");
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(20), exchange).await.expect("no answer within 20 s");
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("answer: {answer}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// Polls `condition` until it holds, for 60 s at most.
async fn wait_until<F, Fut>(what: &str, condition: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    waited.await.unwrap_or_else(|_| panic!("still waiting for {what} after 60 s"));
}

fn magasin_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_magasin"));
    for (name, _) in std::env::vars() {
        if name.starts_with("MAGASIN_") || name == "DATABASE_URL" || name == "REDIS_URL" {
            command.env_remove(name);
        }
    }
    command
}

/// Runs a command of the binary on `database` and waits for it, 60 s at most.
async fn magasin(args: &[&str], database: &str) -> Output {
    let mut command = magasin_command();
    command.args(args).env("DATABASE_URL", database);
    let run = tokio::task::spawn_blocking(move || command.output().expect("run magasin"));
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .unwrap_or_else(|_| panic!("magasin {args:?} did not finish within 60 s"))
        .expect("join")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path(file: &Path) -> &str {
    file.to_str().expect("UTF-8 path")
}

async fn restored_sale_ids(url: &str) -> Vec<i64> {
    let pool = sqlx::SqlitePool::connect(url).await.expect("open the restored database");
    let ids = sqlx::query_scalar("SELECT id FROM sales ORDER BY id").fetch_all(&pool).await.expect("sales");
    pool.close().await;
    ids
}

/// Every sale has its two lines, every line its ledger movement, and the report's running totals
/// add up to the lines.
async fn assert_whole_sales(url: &str) {
    let pool = sqlx::SqlitePool::connect(url).await.expect("open the restored database");
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}")) }
    };
    let checks = [
        (
            "sales without their two lines",
            "SELECT COUNT(*) FROM sales s WHERE (SELECT COUNT(*) FROM sale_lines l WHERE l.vente_id = s.id) <> 2",
        ),
        (
            "sale lines without their ledger movement",
            "SELECT COUNT(*) FROM sale_lines l WHERE NOT EXISTS (SELECT 1 FROM stock_ledger g \
             WHERE g.vente_id = l.vente_id AND g.produit_id = l.produit_id AND g.motif = 'vente' AND g.quantite = -l.quantite)",
        ),
        (
            "sale movements without their line",
            "SELECT COUNT(*) FROM stock_ledger g WHERE g.motif = 'vente' AND NOT EXISTS \
             (SELECT 1 FROM sale_lines l WHERE l.vente_id = g.vente_id AND l.produit_id = g.produit_id)",
        ),
        (
            "units sold missing from the running totals",
            "SELECT (SELECT COALESCE(SUM(quantite), 0) FROM sale_lines) - (SELECT COALESCE(SUM(quantite), 0) FROM sales_totals)",
        ),
    ];
    for (what, sql) in checks {
        assert_eq!(count(sql).await, 0, "{what}");
    }
    pool.close().await;
}

#[tokio::test]
async fn on_postgresql_backup_and_restore_point_to_the_procedure() {
    let url = "postgres://postgres@127.0.0.1:1/magasin";
    for args in [["backup", "--to", "x.db"], ["restore", "--from", "x.db"]] {
        let out = magasin(&args, url).await;
        assert!(!out.status.success(), "{args:?} on PostgreSQL");
        let text = stderr(&out);
        assert!(text.contains("pg_dump") && text.contains("docs/operations.md"), "{args:?}: {text}");
    }
}
