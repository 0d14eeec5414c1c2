//! A page of stored changes as a pull response lists them.
//!
//! Each change's object (`{"seq":…,"author":…,"change":…}`) is written once,
//! straight from the backend's row buffer, into the string that becomes the
//! response: a stored body is the change as the relay parsed and checked it
//! at the push, so a pull neither parses it nor decodes it into a string of
//! its own only to copy it again (docs/PERFORMANCE.md, "The relay's reads").

use super::{ErasedRecord, StoredChange};
use pph_protocol::sealed::PublicIdentity;
use std::ops::Range;

/// How a `PullResponse` opens; the changes follow.
const OPEN: &str = "{\"changes\":[";

#[derive(Debug)]
pub struct PulledChanges {
    /// The response's opening, then the objects, separated by commas.
    json: String,
    rows: Vec<Row>,
}

impl Default for PulledChanges {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

#[derive(Debug)]
struct Row {
    seq: i64,
    /// Where the object ends in `json`.
    end: usize,
    /// The author's JSON string literal, and the body, in `json`.
    author: Range<usize>,
    body: Range<usize>,
}

impl PulledChanges {
    /// A page for a pull of at most `limit` changes, as both backends make
    /// one: room for up to 128 (most pulls bring a few; a full page grows a
    /// few times), since how many come is known only at the end.
    pub fn for_limit(limit: u32) -> Self {
        Self::with_capacity(usize::try_from(limit.min(128)).unwrap_or_default())
    }

    /// Room for `rows` changes the size of a sealed diary entry's (about
    /// 840 bytes with its seq and author).
    fn with_capacity(rows: usize) -> Self {
        let mut json = String::with_capacity(OPEN.len() + rows * 900 + 64);
        json.push_str(OPEN);
        PulledChanges {
            json,
            rows: Vec::with_capacity(rows),
        }
    }

    /// Appends a change; `seq` must be above the last one's. A change from
    /// before v4 has no known author: it is written as `""`, which clients
    /// set aside.
    pub fn push(&mut self, seq: i64, author: Option<&str>, body: &str) {
        use std::fmt::Write;
        if !self.rows.is_empty() {
            self.json.push(',');
        }
        // A group edit from before v4 has no known writer: clients set it
        // aside.
        let _ = write!(self.json, "{{\"seq\":{seq},\"author\":");
        let author_start = self.json.len();
        write_json_string(&mut self.json, author.unwrap_or_default());
        let author = author_start..self.json.len();
        self.json.push_str(",\"change\":");
        let body_start = self.json.len();
        self.json.push_str(body);
        let body = body_start..self.json.len();
        self.json.push('}');
        self.rows.push(Row {
            seq,
            end: self.json.len(),
            author,
            body,
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn seqs(&self) -> impl Iterator<Item = i64> + '_ {
        self.rows.iter().map(|r| r.seq)
    }

    /// Keeps only the changes numbered `last` or below.
    pub fn keep_through(&mut self, last: i64) {
        let kept = self.rows.partition_point(|r| r.seq <= last);
        self.rows.truncate(kept);
        self.json
            .truncate(self.rows.last().map_or(OPEN.len(), |r| r.end));
    }

    /// The objects, comma-separated: what goes between a response's `[` and `]`.
    pub fn json(&self) -> &str {
        &self.json[OPEN.len()..]
    }

    /// The accounts that wrote the page's changes, each once.
    pub fn authors(&self) -> Vec<String> {
        let mut authors: Vec<String> = self
            .rows
            .iter()
            .filter_map(|r| serde_json::from_str::<String>(&self.json[r.author.clone()]).ok())
            .filter(|a| !a.is_empty())
            .collect();
        authors.sort_unstable();
        authors.dedup();
        authors
    }

    /// The whole `PullResponse` JSON, written onto the changes in place,
    /// with the erasures and the authors' identities.
    pub fn into_response(
        mut self,
        erased: &[ErasedRecord],
        identities: &[PublicIdentity],
        next: i64,
        more: bool,
    ) -> Result<String, serde_json::Error> {
        use std::fmt::Write;
        let _ = write!(self.json, "],\"next\":{next},\"more\":{more}");
        if !erased.is_empty() {
            self.json.push_str(",\"erased\":");
            self.json.push_str(&serde_json::to_string(erased)?);
        }
        if !identities.is_empty() {
            self.json.push_str(",\"identities\":");
            self.json.push_str(&serde_json::to_string(identities)?);
        }
        self.json.push('}');
        Ok(self.json)
    }

    /// Each change as an owned record, for callers that are not writing a
    /// response (the storage suites).
    pub fn iter(&self) -> impl Iterator<Item = StoredChange> + '_ {
        self.rows.iter().map(|r| {
            let author: String =
                serde_json::from_str(&self.json[r.author.clone()]).unwrap_or_default();
            StoredChange {
                seq: r.seq,
                author: (!author.is_empty()).then_some(author),
                body: self.json[r.body.clone()].to_owned(),
            }
        })
    }
}

impl IntoIterator for PulledChanges {
    type Item = StoredChange;
    type IntoIter = std::vec::IntoIter<StoredChange>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter().collect::<Vec<_>>().into_iter()
    }
}

/// `text` as a JSON string literal. Account ids need no escaping, so they
/// are copied as they are; anything else goes through serde_json.
fn write_json_string(out: &mut String, text: &str) {
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else if let Ok(literal) = serde_json::to_string(text) {
        out.push_str(&literal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_written_once_and_read_back_whole() {
        let mut page = PulledChanges::default();
        page.push(3, Some("0190-ab"), r#"{"v":1}"#);
        page.push(5, Some("a\"b\\c\n"), r#"{"v":"x,y"}"#);
        page.push(8, None, "{}");
        let parsed: Vec<serde_json::Value> =
            serde_json::from_str(&format!("[{}]", page.json())).expect("a JSON array");
        assert_eq!(parsed[1]["author"], "a\"b\\c\n");
        assert_eq!(parsed[1]["change"]["v"], "x,y");
        assert_eq!(parsed[2]["author"], "");
        let stored: Vec<StoredChange> = page.iter().collect();
        assert_eq!(stored[1].author.as_deref(), Some("a\"b\\c\n"));
        assert_eq!(stored[2].author, None);
        assert_eq!(stored[0].body, r#"{"v":1}"#);
    }

    #[test]
    fn keeping_through_a_seq_cuts_the_text_at_that_object() {
        let mut page = PulledChanges::default();
        for seq in [3, 5, 8] {
            page.push(seq, Some("a"), "{}");
        }
        page.keep_through(6);
        assert_eq!(page.seqs().collect::<Vec<_>>(), [3, 5]);
        assert_eq!(
            page.json(),
            r#"{"seq":3,"author":"a","change":{}},{"seq":5,"author":"a","change":{}}"#
        );
        page.keep_through(0);
        assert!(page.is_empty());
        assert_eq!(page.json(), "");
    }
}
