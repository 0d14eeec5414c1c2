//! Charts as inline SVG, without a script or an outside resource: a line
//! of points over time with optional horizontal bands, and horizontal bars.
//! Each chart has a title and description for screen readers; the page
//! puts a table of the same figures beside it.

use super::page::esc;
use std::fmt::Write;

const W: f64 = 560.0;
const H: f64 = 180.0;
const PAD: f64 = 36.0;

/// A shaded horizontal band (a questionnaire's severity band).
pub(crate) struct Band<'a> {
    pub from: f64,
    pub to: f64,
    pub label: &'a str,
}

fn scale(v: f64, lo: f64, hi: f64, out_lo: f64, out_hi: f64) -> f64 {
    if (hi - lo).abs() < f64::EPSILON {
        return (out_lo + out_hi) / 2.0;
    }
    out_lo + (v - lo) / (hi - lo) * (out_hi - out_lo)
}

/// Points (label, value) in order, joined by a line, on a y axis from
/// `lo` to `hi`; `marked` points are drawn larger (a flare, a safety flag).
pub(crate) fn line(
    title: &str,
    points: &[(String, f64, bool)],
    (lo, hi): (f64, f64),
    bands: &[Band<'_>],
) -> String {
    let mut out = format!(
        "<svg role=\"img\" viewBox=\"0 0 {W} {H}\" width=\"100%\" aria-label=\"{0}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{0}</title>",
        esc(title)
    );
    let y = |v: f64| scale(v, lo, hi, H - PAD, 8.0);
    for (i, b) in bands.iter().enumerate() {
        let (top, bottom) = (y(b.to), y(b.from));
        let _ = write!(
            out,
            "<rect x=\"{PAD}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            W - 2.0 * PAD,
            (bottom - top).max(0.0),
            if i % 2 == 0 { "#eef2f7" } else { "#f7f7f7" },
            W - PAD - 2.0,
            top + 11.0,
            esc(b.label)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{PAD}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{lo}</text>\
         <text x=\"{:.1}\" y=\"12\" font-size=\"10\" text-anchor=\"end\">{hi}</text>",
        H - PAD,
        W - PAD,
        H - PAD,
        PAD - 4.0,
        H - PAD,
        PAD - 4.0
    );
    let n = points.len().max(1);
    let x = |i: usize| {
        scale(
            i as f64,
            0.0,
            (n - 1).max(1) as f64,
            PAD + 6.0,
            W - PAD - 6.0,
        )
    };
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v, _))| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    if points.len() > 1 {
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"#1f4e8c\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
    }
    for (i, (label, v, marked)) in points.iter().enumerate() {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{}\"><title>{}: {v}</title></circle>",
            x(i),
            y(*v),
            if *marked { 5 } else { 3 },
            if *marked { "#a00" } else { "#1f4e8c" },
            esc(label)
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            out,
            "<text x=\"{PAD}\" y=\"{:.1}\" font-size=\"10\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            H - PAD + 14.0,
            esc(&first.0),
            W - PAD,
            H - PAD + 14.0,
            esc(&last.0)
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars (label, value, out of), e.g. done of scheduled, spent
/// of planned.
pub(crate) fn bars(title: &str, rows: &[(String, f64, f64)]) -> String {
    let row_h = 22.0;
    let height = row_h * rows.len() as f64 + 8.0;
    let mut out = format!(
        "<svg role=\"img\" viewBox=\"0 0 {W} {height}\" width=\"100%\" aria-label=\"{0}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{0}</title>",
        esc(title)
    );
    let label_w = 200.0;
    for (i, (label, value, of)) in rows.iter().enumerate() {
        let top = 4.0 + i as f64 * row_h;
        let full = W - label_w - 60.0;
        let share = if *of > 0.0 {
            (value / of).clamp(0.0, 1.5)
        } else {
            0.0
        };
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{top:.1}\" width=\"{full:.1}\" height=\"14\" fill=\"#eee\"/>\
             <rect x=\"{label_w}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"14\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{:.0}%</text>",
            label_w - 6.0,
            top + 11.0,
            esc(label),
            full * share.min(1.0),
            if share > 1.0 { "#a00" } else { "#1f4e8c" },
            label_w + full + 6.0,
            top + 11.0,
            share * 100.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_text_and_mark_what_is_marked() {
        let svg = line(
            "Breathlessness <weekly>",
            &[
                ("2026-03-02".into(), 3.0, false),
                ("2026-03-09".into(), 7.0, true),
            ],
            (0.0, 10.0),
            &[Band {
                from: 5.0,
                to: 9.0,
                label: "moderate & worse",
            }],
        );
        assert!(svg.contains("Breathlessness &lt;weekly&gt;") && !svg.contains("<weekly>"));
        assert!(svg.contains("moderate &amp; worse"));
        assert_eq!(svg.matches("r=\"5\"").count(), 1, "one marked point");
        assert!(svg.contains("<polyline"));
        let bars = bars(
            "Adherence",
            &[("Walk".into(), 3.0, 4.0), ("Over".into(), 5.0, 4.0)],
        );
        assert!(bars.contains(">75%<") && bars.contains(">125%<") && bars.contains("#a00"));
    }
}
