//! The binary as a user runs it.

use magasin_store_sqlite::testing::TempDatabase;
use std::process::{Command, Output};

fn magasin(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_magasin"));
    command.args(args).env_remove("DATABASE_URL").env_remove("MAGASIN_API_TOKEN");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run magasin")
}

/// A database file in a temporary folder, removed when the test is over.
fn temp_db() -> TempDatabase {
    TempDatabase::new()
}

#[test]
fn production_refuses_to_start_without_a_token() {
    let out = magasin(&["serve", "--production", "--bind", "127.0.0.1:0"], &[("DATABASE_URL", &temp_db().url())]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--production needs an explicit API token"), "{stderr}");
}

#[test]
fn production_refuses_short_and_well_known_tokens_and_says_how_to_make_one() {
    for weak in ["a", "token-430"] {
        let database = temp_db();
        let out = magasin(
            &["serve", "--production", "--api-token", weak, "--bind", "127.0.0.1:0"],
            &[("DATABASE_URL", &database.url())],
        );
        assert!(!out.status.success(), "{weak} was accepted in production");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("openssl rand -hex 32"), "{weak}: {stderr}");
    }
}

#[test]
fn the_development_token_is_not_offered_to_the_network() {
    let database = temp_db();
    let out = magasin(&["serve", "--bind", "0.0.0.0:0"], &[("DATABASE_URL", &database.url())]);
    assert!(!out.status.success(), "listening on every interface with the development token");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-dev-token-on-network"), "{stderr}");
    assert!(stderr.contains("127.0.0.1"), "it says where it would listen: {stderr}");
}

#[test]
fn an_unknown_database_scheme_is_refused() {
    let out = magasin(&["migrate"], &[("DATABASE_URL", "mysql://localhost/x")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported DATABASE_URL scheme"));
}

#[test]
fn openapi_prints_the_spec() {
    let out = magasin(&["openapi"], &[]);
    assert!(out.status.success());
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(spec["paths"]["/api/v1/sales/"]["post"].is_object());
}

#[test]
fn synthetic_seeding_is_consistent_and_refuses_a_second_run() {
    let database = temp_db();
    let db = database.url();
    let args =
        ["seed", "synthetic", "--stores", "3", "--products", "20", "--sales", "500", "--days", "10", "--batch", "120"];
    let out = magasin(&args, &[("DATABASE_URL", &db)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("synthetic data set: 500 sales"), "{stderr}");
    let check = magasin(&["check-ledger"], &[("DATABASE_URL", &db)]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let again = magasin(&args, &[("DATABASE_URL", &db)]);
    assert!(!again.status.success(), "a second seeding into a full database is refused");
    let demo = magasin(&["seed", "demo"], &[("DATABASE_URL", &db)]);
    assert!(!demo.status.success());
}
