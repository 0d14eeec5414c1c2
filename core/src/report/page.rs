//! What every page the core renders shares: escaping, the stylesheet (a
//! print stylesheet included) and the page's frame. No scripts and no
//! outside resources: a page works offline and prints as it shows.

use std::fmt::Write;

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;margin:2em auto;max-width:46em;padding:0 1em;color:#111;background:#fff}\
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #888;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #999;padding:.25em .4em;text-align:left;vertical-align:top}\
.flag{font-weight:bold;color:#900}.muted{color:#444}\
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}tr,svg{break-inside:avoid}}";

/// Text made safe inside HTML.
pub(crate) fn esc(text: &str) -> String {
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

/// Pence as pounds: 1850 -> 18.50.
pub(crate) fn pounds(pence: i64) -> String {
    format!(
        "{}{}.{:02}",
        if pence < 0 { "-" } else { "" },
        pence.abs() / 100,
        pence.abs() % 100
    )
}

/// The page's opening: doctype, language, title, style, and its heading.
pub(crate) fn open(title: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{0}</title><style>{STYLE}</style></head><body><h1>{0}</h1>",
        esc(title)
    );
    out
}

pub(crate) fn close(mut page: String) -> String {
    page.push_str("</body></html>\n");
    page
}
