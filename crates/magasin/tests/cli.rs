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
fn a_worker_count_outside_one_to_256_is_refused() {
    for workers in ["0", "257", "two"] {
        let database = temp_db();
        let out =
            magasin(&["serve", "--workers", workers, "--bind", "127.0.0.1:0"], &[("DATABASE_URL", &database.url())]);
        assert!(!out.status.success(), "--workers {workers} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--workers"), "{workers}: {stderr}");
    }
}

#[test]
fn a_redis_timeout_outside_one_to_10000_ms_is_refused() {
    for timeout in ["0", "10001", "fast"] {
        let database = temp_db();
        let out = magasin(
            &["serve", "--redis-timeout-ms", timeout, "--bind", "127.0.0.1:0"],
            &[("DATABASE_URL", &database.url())],
        );
        assert!(!out.status.success(), "--redis-timeout-ms {timeout} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--redis-timeout-ms"), "{timeout}: {stderr}");
    }
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

/// `magasin …` with `input` on its standard input.
fn magasin_with_input(args: &[&str], database: &TempDatabase, input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_magasin"))
        .args(args)
        .env("DATABASE_URL", database.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run magasin");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn accounts_are_made_listed_changed_and_given_tokens_from_the_command_line() {
    let database = temp_db();
    let url = database.url();
    let env = [("DATABASE_URL", url.as_str())];
    assert!(magasin(&["seed", "demo"], &env).status.success());

    let out = magasin_with_input(
        &["user", "add", "Ana", "--name", "Ana Martin", "--role", "caissier", "--store", "1", "--password-stdin"],
        &database,
        "a long enough password\n",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("user ana created: role caissier, stores 1"), "{stderr}");
    assert!(!stdout.contains("password"), "a password given is never printed: {stdout}");

    let out = magasin(&["user", "add", "chef", "--role", "siege"], &env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let password = stdout.trim().strip_prefix("password: ").expect("a made password is printed once");
    assert!(password.len() >= 12, "{password}");

    for (args, input, says) in [
        (&["user", "add", "ana", "--role", "admin"][..], "", "already exists"),
        (
            &["user", "add", "bob", "--role", "chef"][..],
            "",
            "--role: Select one of caissier, gerant, logistique, siege, admin.",
        ),
        (
            &["user", "add", "bob", "--role", "caissier"][..],
            "",
            "magasins: A cashier or a store manager acts for at least one store.",
        ),
        (&["user", "add", "bob", "--role", "caissier", "--store", "99"][..], "", "store 99 not found"),
        (&["user", "add", "bob", "--role", "admin", "--password-stdin"][..], "short\n", "Use at least 12 characters."),
        (&["user", "add", "b", "--role", "admin"][..], "", "login: Use 3 to 64 lowercase letters"),
        (&["user", "disable", "nobody"][..], "", "No user has this login."),
    ] {
        let out = magasin_with_input(args, &database, input);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }

    assert!(magasin(&["user", "disable", "ana"], &env).status.success());
    assert!(
        magasin(&["user", "set-role", "chef", "--role", "gerant", "--store", "1", "--store", "2"], &env)
            .status
            .success()
    );
    let (list, _) = text(&magasin(&["user", "list"], &env));
    let row =
        |login: &str| list.lines().find(|l| l.split_whitespace().nth(1) == Some(login)).unwrap_or_default().to_string();
    let ana: Vec<String> = row("ana").split_whitespace().map(str::to_string).collect();
    assert_eq!(ana[1..5], ["ana", "caissier", "1", "disabled"], "{list}");
    assert_eq!(ana[5..].join(" "), "Ana Martin");
    let chef: Vec<String> = row("chef").split_whitespace().map(str::to_string).collect();
    assert_eq!(chef[1..5], ["chef", "gerant", "1,2", "enabled"], "{list}");

    assert!(magasin(&["user", "enable", "ana"], &env).status.success());
    let out =
        magasin_with_input(&["user", "set-password", "ana", "--password-stdin"], &database, "another long password\n");
    assert!(out.status.success(), "{}", text(&out).1);
    let (list, _) = text(&magasin(&["user", "list"], &env));
    assert!(list.lines().any(|l| l.contains(" ana ") && l.contains(" enabled ")), "{list}");

    let out = magasin(&["user", "token", "chef", "--name", "till 2"], &env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let token = stdout.trim();
    assert!(token.starts_with("mgs_") && token.len() == 68, "{token}");
    assert!(stderr.contains("shown this once"), "{stderr}");
    assert!(!list.contains(token));

    let (tokens, _) = text(&magasin(&["user", "tokens", "chef"], &env));
    let row: Vec<&str> = tokens.lines().nth(1).unwrap_or_default().split_whitespace().collect();
    assert_eq!((row.first().copied(), row.last().copied()), (Some("1"), Some("2")), "{tokens}");
    assert!(tokens.lines().nth(1).unwrap_or_default().ends_with("till 2"), "{tokens}");
    assert!(!tokens.contains(token), "a token is never shown again");
    let out = magasin(&["user", "revoke-token", "chef", "1"], &env);
    assert!(out.status.success(), "{}", text(&out).1);
    let (tokens, _) = text(&magasin(&["user", "tokens", "chef"], &env));
    assert_eq!(
        tokens.lines().nth(1).unwrap_or_default().split_whitespace().filter(|w| *w == "-").count(),
        1,
        "revoked now: only never-used stays '-': {tokens}"
    );
    let out = magasin(&["user", "revoke-token", "ana", "1"], &env);
    assert!(!out.status.success(), "another account's token is not found");
}
