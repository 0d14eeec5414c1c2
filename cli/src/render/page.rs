//! A page the core renders (HTML) as plain text for a terminal: headings
//! and rows on lines of their own, table cells between bars, charts named
//! rather than drawn, forms left out.

/// Skips past `end` from `at`; the index after it (or the end).
fn past(html: &str, at: usize, end: &str) -> usize {
    html[at..]
        .find(end)
        .map_or(html.len(), |i| at + i + end.len())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    tag[start..].find('"').map(|end| &tag[start..start + end])
}

pub fn as_text(html: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < html.len() {
        let Some(open) = html[i..].find('<').map(|o| i + o) else {
            out.push_str(&unescape(&html[i..]));
            break;
        };
        out.push_str(&unescape(&html[i..open]));
        let close = past(html, open, ">");
        let tag = &html[open..close];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect();
        i = close;
        match name.as_str() {
            "style" => i = past(html, close, "</style>"),
            "title" => i = past(html, close, "</title>"),
            "form" => i = past(html, close, "</form>"),
            "svg" => {
                out.push_str(&format!(
                    "[chart: {}]\n",
                    unescape(attribute(tag, "aria-label").unwrap_or("figures below"))
                ));
                i = past(html, close, "</svg>");
            }
            "h1" => out.push_str("\n# "),
            "h2" => out.push_str("\n## "),
            "h3" => out.push_str("\n### "),
            "li" => out.push_str("- "),
            "/td" | "/th" => out.push_str(" | "),
            "/h1" | "/h2" | "/h3" | "/p" | "/tr" | "/li" | "/caption" | "/blockquote" => {
                out.push('\n')
            }
            _ => {}
        }
    }
    let mut text = String::new();
    let mut blank = false;
    for line in out.lines().map(|l| l.trim_end_matches(" | ").trim()) {
        if line.is_empty() {
            if !blank && !text.is_empty() {
                text.push('\n');
            }
            blank = true;
        } else {
            text.push_str(line);
            text.push('\n');
            blank = false;
        }
    }
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_as_lines_of_text() {
        let html =
            "<!doctype html><html><head><title>T</title><style>p{x:1}</style></head><body><main>\
                    <h1>Consultation: Ann &amp; co</h1><p class=\"muted\">Shared.</p>\
                    <svg role=\"img\" aria-label=\"Walk: done\"><title>Walk</title></svg>\
                    <table><caption>Figures</caption><tr><th>A</th><th>B</th></tr>\
                    <tr><td>1</td><td>&lt;2&gt;</td></tr></table>\
                    <ul><li>flag</li></ul><form><input name=\"x\"><button>Send</button></form>\
                    </main></body></html>";
        assert_eq!(
            as_text(html),
            "# Consultation: Ann & co\nShared.\n[chart: Walk: done]\nFigures\nA | B\n1 | <2>\n- flag"
        );
    }
}
