//! What every page the core renders shares: escaping, the stylesheet (a
//! print stylesheet included) and the page's frame. No scripts and no
//! outside resources: a page works offline and prints as it shows.

use maud::Markup;
use std::fmt::Write;

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;margin:2em auto;max-width:52em;padding:0 1em;color:#111;background:#fff}\
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #888;margin-top:1.6em}h3{font-size:1.05em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #999;padding:.25em .4em;text-align:left;vertical-align:top}\
caption{text-align:left;font-weight:bold;padding:.25em 0}\
.flag{font-weight:bold;color:#900}.muted{color:#444}\
.flags{border:3px solid #900;background:#fff4f4;padding:.25em 1em;margin:1em 0}.flags h2{border:0;color:#900;margin-top:.4em}\
blockquote{font-size:1.15em;margin:.5em 0;padding:.25em 1em;border-left:4px solid #2a5d9f;background:#f3f6fa}\
a{color:#0b4ea2}a:focus,input:focus,textarea:focus,button:focus{outline:3px solid #f0b400;outline-offset:2px}\
label{display:block;margin-top:.75em;font-weight:bold}input,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.3em}\
button{font:inherit;margin-top:1em;padding:.4em 1.2em;background:#0b4ea2;color:#fff;border:0;border-radius:4px}\
.ended{border:3px solid #444;padding:1em}\
@media screen and (max-width:40em){body{margin:1em auto;padding:0 .6em;font-size:15px}td,th{padding:.2em .25em;overflow-wrap:anywhere}svg{max-width:100%;height:auto}}\
@page{margin:12mm}\
@media print{body{margin:0;max-width:none;font-size:9pt;line-height:1.25}h1{font-size:1.4em;margin:0 0 .3em}\
h2{break-after:avoid;margin:.9em 0 .3em}h3{margin:.6em 0 .2em}p{margin:.3em 0}td,th{padding:0 .3em}\
table{margin:.2em 0}svg{max-height:42mm;break-inside:avoid}tr{break-inside:avoid}\
form,nav,.noprint{display:none}.flags{border-width:2px}a{color:#111;text-decoration:none}}";

/// The stylesheet every page carries inline, for a server that pins it
/// in its Content-Security-Policy by hash.
pub fn page_style() -> &'static str {
    STYLE
}

/// Text made safe inside HTML (for the SVG charts, written as text).
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = write!(maud::Escaper::new(&mut out), "{text}");
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
fn open(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{0}</title><style>{STYLE}</style></head><body><main><h1>{0}</h1>",
        esc(title)
    )
}

fn close(mut page: String) -> String {
    page.push_str("</main></body></html>\n");
    page
}

/// A whole page: the frame around `body`.
pub(crate) fn document(title: &str, body: Markup) -> String {
    let mut page = open(title);
    page.push_str(&body.into_string());
    close(page)
}
