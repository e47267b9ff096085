//! The simulation's results: a Markdown table (printed and written) and an SVG chart of the
//! stock-outs and the stock held, day by day, for each behaviour.

use super::play::{Behaviour, Outcome};
use std::fmt::Write;

/// Euros from cents, French style: `1 234,56 €`.
fn euros(cents: f64) -> String {
    let cents = cents.round() as i64;
    let (whole, rest) = (cents / 100, (cents % 100).abs());
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{}{grouped},{rest:02} €", if whole < 0 { "-" } else { "" })
}

/// Rules against hand-made, as a ratio (below 1: fewer with the rules).
fn ratio(rules: f64, hand: f64) -> String {
    if hand == 0.0 { "—".into() } else { format!("× {:.2}", rules / hand) }
}

/// What the run was, for the table's heading.
pub struct RunInfo {
    pub days: u32,
    pub stores: usize,
    pub products: usize,
    pub seed: u64,
}

/// A figure of the table: its name, how it reads from an outcome, and how it is written.
type Figure = (&'static str, fn(&Outcome) -> f64, fn(f64) -> String);

fn count(value: f64) -> String {
    format!("{value:.0}")
}

/// The comparison table, Markdown.
pub fn table(info: &RunInfo, hand: &Outcome, rules: &Outcome) -> String {
    let mut out = format!(
        "Simulation: {} days, {} stores × {} products, seed {}.\n\n| | {} | {} | rules / hand-made |\n|---|---:|---:|---:|\n",
        info.days,
        info.stores,
        info.products,
        info.seed,
        Behaviour::HandMade.label(),
        Behaviour::Rules.label()
    );
    let figures: [Figure; 8] = [
        ("stock-out days (store × product × day)", |o| o.stockout_days as f64, count),
        ("lost sales (units)", |o| o.lost_units as f64, count),
        ("lost sales (revenue)", |o| o.lost_revenue.0 as f64, euros),
        ("units sold", |o| o.sold_units as f64, count),
        ("average stock held in stores (units)", |o| o.average_units_held, count),
        ("average stock held in stores (value)", |o| o.average_value_held, euros),
        ("replenishment requests", |o| o.requests as f64, count),
        ("warehouse receipts", |o| o.receipts as f64, count),
    ];
    let rows = figures.map(|(what, figure, written)| {
        let (h, r) = (figure(hand), figure(rules));
        (what, written(h), written(r), ratio(r, h))
    });
    for (what, h, r, q) in rows {
        let _ = writeln!(out, "| {what} | {h} | {r} | {q} |");
    }
    out
}

const WIDTH: f64 = 720.0;
const PANEL: f64 = 200.0;
const MARGIN_LEFT: f64 = 70.0;
const MARGIN_RIGHT: f64 = 20.0;
const GAP: f64 = 70.0;
const TOP: f64 = 50.0;
const COLORS: [&str; 2] = ["#c0392b", "#1f6f8b"];

/// One panel: a line per series, scaled to the panel's largest value.
fn panel(svg: &mut String, top: f64, title: &str, series: &[(&str, Vec<f64>)]) {
    let max = series.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0_f64, f64::max).max(1.0);
    let days = series.iter().map(|(_, v)| v.len()).max().unwrap_or(1).max(2);
    let plot = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    let x = |i: usize| MARGIN_LEFT + plot * i as f64 / (days - 1) as f64;
    let y = |v: f64| top + PANEL - PANEL * v / max;
    let _ = write!(
        svg,
        r##"<text x="{MARGIN_LEFT}" y="{:.1}" font-weight="bold">{title}</text><line x1="{MARGIN_LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#888"/><line x1="{MARGIN_LEFT}" y1="{top:.1}" x2="{MARGIN_LEFT}" y2="{:.1}" stroke="#888"/><text x="{:.1}" y="{:.1}" text-anchor="end">{max:.0}</text><text x="{:.1}" y="{:.1}" text-anchor="end">0</text><text x="{:.1}" y="{:.1}" text-anchor="end">day {}</text>"##,
        top - 10.0,
        top + PANEL,
        WIDTH - MARGIN_RIGHT,
        top + PANEL,
        top + PANEL,
        MARGIN_LEFT - 6.0,
        top + 4.0,
        MARGIN_LEFT - 6.0,
        top + PANEL + 4.0,
        WIDTH - MARGIN_RIGHT,
        top + PANEL + 18.0,
        days
    );
    for ((name, values), color) in series.iter().zip(COLORS) {
        let points: Vec<String> = values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"><title>{name}</title></polyline>"#,
            points.join(" ")
        );
    }
}

/// Two panels, stock-outs per day and units held at the end of each day, both behaviours.
pub fn chart(info: &RunInfo, hand: &Outcome, rules: &Outcome) -> String {
    let height = TOP + 2.0 * PANEL + GAP + 40.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12" role="img"><title>Replenishment simulation, seed {}</title><rect width="100%" height="100%" fill="white"/>"#,
        info.seed
    );
    for (i, (behaviour, color)) in [Behaviour::HandMade, Behaviour::Rules].into_iter().zip(COLORS).enumerate() {
        let x = MARGIN_LEFT + 300.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="12" width="14" height="4" fill="{color}"/><text x="{:.1}" y="18">{}</text>"#,
            x + 20.0,
            behaviour.label()
        );
    }
    let as_f64 = |v: &[u64]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    let held = |v: &[i64]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    panel(
        &mut svg,
        TOP,
        "Stock-outs per day (store × product pairs that ran out)",
        &[("hand-made", as_f64(&hand.daily_stockouts)), ("rules", as_f64(&rules.daily_stockouts))],
    );
    panel(
        &mut svg,
        TOP + PANEL + GAP,
        "Units held in the stores at the end of each day",
        &[("hand-made", held(&hand.daily_units_held)), ("rules", held(&rules.daily_units_held))],
    );
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use magasin_domain::Money;

    fn outcome(stockouts: u64, lost: i64) -> Outcome {
        Outcome {
            stockout_days: stockouts,
            lost_units: lost,
            lost_revenue: Money(lost * 250),
            average_units_held: 1_500.0,
            average_value_held: 12_345_678.0,
            sold_units: 9_000,
            requests: 8,
            receipts: 3,
            daily_stockouts: vec![stockouts / 2, stockouts - stockouts / 2],
            daily_units_held: vec![1_400, 1_600],
        }
    }

    #[test]
    fn the_table_compares_every_figure_as_a_ratio() {
        let info = RunInfo { days: 2, stores: 3, products: 4, seed: 9 };
        let table = table(&info, &outcome(40, 100), &outcome(10, 20));
        assert!(table.starts_with("Simulation: 2 days, 3 stores × 4 products, seed 9."), "{table}");
        assert!(table.contains("| stock-out days (store × product × day) | 40 | 10 | × 0.25 |"), "{table}");
        assert!(table.contains("| lost sales (revenue) | 250,00 € | 50,00 € | × 0.20 |"), "{table}");
        assert!(table.contains("| average stock held in stores (value) | 123\u{202f}456,78 € |"), "{table}");
    }

    #[test]
    fn the_chart_draws_a_line_per_behaviour_in_each_panel() {
        let info = RunInfo { days: 2, stores: 3, products: 4, seed: 9 };
        let svg = chart(&info, &outcome(40, 100), &outcome(10, 20));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 4);
        assert!(svg.contains("points=\"70.0,50.0 700.0,50.0\""), "the busiest line at the top: {svg}");
    }
}
