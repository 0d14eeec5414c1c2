//! Where results go: text for people, or `--json` for scripts. Every
//! command and every tour scene prints through here, so a record looks the
//! same wherever it is shown.

use crate::fail::Fail;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;

/// A result that can be shown: as text (its `Show` impl, in `render/`) or
/// as JSON (its `Serialize` impl).
pub trait Show: Serialize {
    fn text(&self) -> String;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug)]
pub struct Out {
    pub mode: Mode,
}

impl Out {
    pub fn text() -> Out {
        Out { mode: Mode::Text }
    }

    /// A result: its text, or its JSON.
    pub fn show<T: Show + ?Sized>(&self, value: &T) {
        match self.mode {
            Mode::Text => emit(&value.text()),
            Mode::Json => emit_json(value),
        }
    }

    /// Something new: its id alone as text (to capture in a script), the
    /// whole record as JSON.
    pub fn created<T: Serialize>(&self, id: &str, value: &T) {
        match self.mode {
            Mode::Text => emit(&format!("{id}\n")),
            Mode::Json => emit_json(value),
        }
    }

    /// A sentence as text; the record as JSON.
    pub fn said<T: Serialize + ?Sized>(&self, sentence: &str, value: &T) {
        match self.mode {
            Mode::Text => emit(&format!("{sentence}\n")),
            Mode::Json => emit_json(value),
        }
    }

    /// An action with nothing to return.
    pub fn done(&self, sentence: &str) {
        self.said(sentence, &json!({ "done": true }));
    }

    /// A refusal, on stderr.
    pub fn fail(&self, f: &Fail) {
        let text = match self.mode {
            Mode::Text => format!("pph: {}\n", f.message),
            Mode::Json => format!(
                "{}\n",
                json!({ "error": { "status": f.status.code(), "exit": f.status as u8, "message": f.message } })
            ),
        };
        // Nothing more can be done if stderr is gone.
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
}

/// A line of text, whatever the mode (the tour's narration).
pub fn line(text: &str) {
    emit(&format!("{text}\n"));
}

/// A document (CSV, FHIR JSON) exactly as made, in either mode.
pub fn raw(document: &str) {
    emit(document);
    if !document.ends_with('\n') {
        emit("\n");
    }
}

/// Writes to stdout; a closed pipe (`pph ... | head`) ends output quietly.
fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn emit_json<T: Serialize + ?Sized>(value: &T) {
    let value = serde_json::to_value(value)
        .map(instants_as_rfc3339)
        .unwrap_or_else(|_| json!({ "error": "unserialisable" }));
    emit(&format!("{value}\n"));
}

/// Instants the core keeps as `SystemTime` serialise as seconds and
/// nanoseconds; scripts get RFC 3339 instead. (Records whose instants are
/// stored as `*_ms` fields keep them as milliseconds since 1970.)
pub fn instants_as_rfc3339(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if let (Some(secs), Some(nanos), 2) = (
                map.get("secs_since_epoch").and_then(Value::as_i64),
                map.get("nanos_since_epoch").and_then(Value::as_u64),
                map.len(),
            ) {
                if let Some(t) = chrono::DateTime::from_timestamp(secs, nanos as u32) {
                    return Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
                }
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, instants_as_rfc3339(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(instants_as_rfc3339).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn instants_become_rfc3339_wherever_they_sit() {
        let at = UNIX_EPOCH + Duration::from_millis(1_772_442_000_123);
        let value =
            serde_json::to_value(json!({ "entries": [{ "recorded_at": at, "note": "x" }] }))
                .expect("json");
        assert_eq!(
            instants_as_rfc3339(value),
            json!({ "entries": [{ "recorded_at": "2026-03-02T09:00:00.123Z", "note": "x" }] })
        );
    }
}
