//! Small SVG charts drawn on the server: a horizontal bar chart and a sparkline. Pure functions
//! from numbers to markup (labels escaped), so pages need no JavaScript to show them.

use std::fmt::Write;

/// Escapes text for SVG/HTML content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar: its label, its value, and the value written out.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub display: String,
}

const BAR_HEIGHT: i64 = 28;
const LABEL_WIDTH: i64 = 180;
const BAR_AREA: i64 = 300;
const VALUE_WIDTH: i64 = 120;

/// Horizontal bars scaled to the largest value (all bars empty when every value is 0).
pub fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> String {
    let width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH;
    let height = BAR_HEIGHT * bars.len().max(1) as i64;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg id="{}" class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{0}-title" preserveAspectRatio="xMinYMin meet"><title id="{0}-title">{}</title>"#,
        escape(id),
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as i64 * BAR_HEIGHT;
        // In i128: a revenue near `i64::MAX` cents times the bar area does not fit an i64.
        let length =
            i64::try_from(i128::from(bar.value.max(0)) * i128::from(BAR_AREA) / i128::from(max)).unwrap_or(BAR_AREA);
        let _ = write!(
            svg,
            r#"<g class="bar"><text x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect x="{LABEL_WIDTH}" y="{ry}" width="{length}" height="{rh}" rx="3"></rect><text x="{vx}" y="{ty}">{value}</text></g>"#,
            lx = LABEL_WIDTH - 8,
            ty = y + BAR_HEIGHT / 2 + 5,
            label = escape(&bar.label),
            ry = y + 4,
            rh = BAR_HEIGHT - 8,
            vx = LABEL_WIDTH + length + 6,
            value = escape(&bar.display),
        );
    }
    svg.push_str("</svg>");
    svg
}

const SPARK_WIDTH: f64 = 120.0;
const SPARK_HEIGHT: f64 = 28.0;

/// A line through `values`, left to right, scaled to the largest (flat at the bottom when all
/// are 0); the last point is marked.
pub fn sparkline(title: &str, values: &[i64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 { SPARK_WIDTH / (values.len() - 1) as f64 } else { 0.0 };
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = i as f64 * step;
            let y = SPARK_HEIGHT - 2.0 - (*v).max(0) as f64 / max * (SPARK_HEIGHT - 4.0);
            (x, y)
        })
        .collect();
    let path: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let mut svg = format!(
        r#"<svg class="sparkline" viewBox="-2 0 {w} {h}" width="{w}" height="{h}" role="img"><title>{}</title><polyline points="{}"></polyline>"#,
        escape(title),
        path.join(" "),
        w = SPARK_WIDTH + 4.0,
        h = SPARK_HEIGHT,
    );
    if let Some((x, y)) = points.last() {
        let _ = write!(svg, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2"></circle>"#);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar { label: label.into(), value, display: value.to_string() }
    }

    #[test]
    fn bars_are_scaled_to_the_largest_value() {
        let svg = bar_chart("c", "Revenue", &[bar("A", 100), bar("B", 50), bar("C", 0)]);
        assert!(svg.starts_with(r#"<svg id="c""#), "{svg}");
        assert!(svg.contains(r#"width="300""#), "the largest bar fills the area: {svg}");
        assert!(svg.contains(r#"width="150""#), "half the value, half the length: {svg}");
        assert!(svg.contains(r#"width="0""#));
        assert_eq!(svg.matches("<g class=\"bar\">").count(), 3);
    }

    #[test]
    fn labels_are_escaped_and_zero_is_drawn() {
        let svg = bar_chart("c", "<t>", &[bar("Chez <Paul> & fils", 0)]);
        assert!(svg.contains("Chez &lt;Paul&gt; &amp; fils"));
        assert!(svg.contains("<title id=\"c-title\">&lt;t&gt;</title>"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn the_largest_revenues_scale_without_overflow() {
        let svg = bar_chart("c", "t", &[bar("A", i64::MAX), bar("B", i64::MAX / 2 + 1)]);
        assert!(svg.contains(&format!(r#"width="{BAR_AREA}""#)), "{svg}");
        assert!(svg.contains(&format!(r#"width="{}""#, BAR_AREA / 2)), "{svg}");
    }

    #[test]
    fn sparkline_goes_from_left_to_right_and_top_is_the_maximum() {
        let svg = sparkline("7 jours", &[0, 5, 10]);
        assert!(svg.contains(r#"points="0.0,26.0 60.0,14.0 120.0,2.0""#), "{svg}");
        assert!(svg.contains(r#"<circle cx="120.0" cy="2.0""#));
        let flat = sparkline("rien", &[0; 7]);
        assert!(flat.contains("0.0,26.0") && !flat.contains("NaN"));
        assert!(sparkline("vide", &[]).contains("points=\"\""));
    }
}
