//! `magasin simulate`, short: the same seed gives the same table, the rules beat the hand-made
//! behaviour on stock-outs and lost sales, and bad sizes are refused with a reason.

use std::path::Path;
use std::process::Command;

fn simulate(out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_magasin"))
        .args(["simulate", "--days", "21", "--stores", "3", "--products", "60", "--seed", "7", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("magasin runs")
}

/// The hand-made and rules figures of a table row.
fn row(table: &str, name: &str) -> (f64, f64) {
    let line = table.lines().find(|l| l.starts_with(&format!("| {name} |"))).unwrap_or_else(|| panic!("no {name}"));
    let cells: Vec<f64> = line
        .split('|')
        .skip(2)
        .take(2)
        .map(|c| {
            c.trim().trim_end_matches(" €").replace(['\u{202f}', ' '], "").replace(',', ".").parse().expect("a number")
        })
        .collect();
    (cells[0], cells[1])
}

#[test]
fn a_short_simulation_shows_the_rules_beating_the_hand_made_behaviour() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let first = simulate(dir.path(), &[]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let printed = String::from_utf8(first.stdout).expect("UTF-8");
    let table = std::fs::read_to_string(dir.path().join("simulation.md")).expect("the table is written");
    assert_eq!(printed.trim_end(), table.trim_end(), "the table printed is the table written");
    let svg = std::fs::read_to_string(dir.path().join("simulation.svg")).expect("the chart is written");
    assert!(svg.starts_with("<svg") && svg.matches("<polyline").count() == 4, "{svg}");
    assert!(!dir.path().join("simulation-rules.db").exists(), "the databases played are removed");

    let (hand, rules) = row(&table, "stock-out days (store × product × day)");
    assert!(rules < hand, "stock-out days: rules {rules}, hand-made {hand}\n{table}");
    let (hand, rules) = row(&table, "lost sales (units)");
    assert!(rules < hand, "lost units: rules {rules}, hand-made {hand}\n{table}");
    let (hand, rules) = row(&table, "lost sales (revenue)");
    assert!(rules < hand, "lost revenue: rules {rules}, hand-made {hand}\n{table}");
    let (hand, rules) = row(&table, "warehouse receipts");
    assert_eq!(hand, rules, "both behaviours get the same deliveries");

    let again = tempfile::tempdir().expect("temporary folder");
    assert!(simulate(again.path(), &["--keep-databases"]).status.success());
    let replayed = std::fs::read_to_string(again.path().join("simulation.md")).expect("the table");
    assert_eq!(replayed, table, "the same seed plays the same days");
    assert!(again.path().join("simulation-rules.db").exists(), "--keep-databases keeps them");
}

#[test]
fn sizes_out_of_range_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let refused = Command::new(env!("CARGO_BIN_EXE_magasin"))
        .args(["simulate", "--days", "0", "--out"])
        .arg(dir.path())
        .output()
        .expect("magasin runs");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--days must be 1 to 365"), "{stderr}");
}
