//! Diary SQL: where each record lives, the rows derived from entries, and the
//! queries behind trends, flares, triggers, paging and search.

use super::model::{
    Bucket, DiaryEntry, QuestionnaireDefinition, QuestionnaireResult, Rating, Symptom, TrendPoint,
};
use crate::error::Result;
use crate::store::entity;
use crate::store::entity::{docs, instant, text};
use crate::time::to_ms;
use chrono::NaiveDate;
use pph_protocol::kinds;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap, HashSet};

entity!(Symptom, kinds::DIARY_SYMPTOM, "diary_symptoms");

entity!(DiaryEntry, kinds::DIARY_ENTRY, "diary_entries", |e| {
    "local_date": text(&e.local_date),
    "recorded_at": instant(e.recorded_at),
    "deleted": Value::Integer(i64::from(e.deleted)),
}

    /// Tags, daily rollups, symptom use counts and the searchable note of a
    /// live entry; none for a tombstone.
    fn reindex(&self, conn: &Connection, old: Option<&Self>) -> Result<()> {
        let rowid: i64 = match old {
            None => conn.last_insert_rowid(),
            Some(_) => conn
                .prepare_cached("SELECT rowid FROM diary_entries WHERE id = ?1")?
                .query_row([&self.id], |r| r.get(0))?,
        };
        match old {
            None => add_to_rollups(conn, std::slice::from_ref(self))?,
            Some(old) => {
                conn.prepare_cached("DELETE FROM diary_tags WHERE entry_rowid = ?1")?
                    .execute([rowid])?;
                unindex_note(conn, rowid, old)?;
                // The day is rebuilt from its entries as they now stand.
                recompute_day(conn, &old.local_date)?;
                recompute_day(conn, &self.local_date)?;
                count_uses(conn, live_ratings(old), -1)?;
                count_uses(conn, live_ratings(self), 1)?;
            }
        }
        index_text(conn, rowid, self)
    }

    fn index_new(conn: &Connection, new: &[Self], rowids: &[i64]) -> Result<()> {
        add_to_rollups(conn, new)?;
        new.iter()
            .zip(rowids)
            .try_for_each(|(e, rowid)| index_text(conn, *rowid, e))
    }
);

/// Keys per millisecond in the search index: a note's key is
/// `recorded_at * NOTE_SLOTS + n`, ordered by the entry's time.
const NOTE_SLOTS: i64 = 16_384;

/// The key a note of an entry recorded at `ms` takes unless another note of
/// the same millisecond has it (then `note_key` on the entry says which).
fn base_key(ms: i64) -> i64 {
    ms * NOTE_SLOTS
}

/// The search key the note of the entry at `rowid` was given.
fn stored_key(conn: &Connection, rowid: i64, e: &DiaryEntry) -> Result<i64> {
    let explicit: Option<i64> = conn
        .prepare_cached("SELECT note_key FROM diary_entries WHERE rowid = ?1")?
        .query_row([rowid], |r| r.get(0))?;
    Ok(explicit.unwrap_or(base_key(to_ms("recorded_at", e.recorded_at)? as i64)))
}

/// Takes a note out of the search index.
fn unindex_note(conn: &Connection, rowid: i64, e: &DiaryEntry) -> Result<()> {
    if e.deleted || e.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Ok(());
    }
    let key = stored_key(conn, rowid, e)?;
    conn.prepare_cached("DELETE FROM diary_notes WHERE rowid = ?1")?
        .execute([key])?;
    conn.prepare_cached(
        "UPDATE diary_entries SET note_key = NULL WHERE rowid = ?1 AND note_key IS NOT NULL",
    )?
    .execute([rowid])?;
    Ok(())
}

/// Puts a note in the search index under its time's key: the base key, or
/// (another note of the same millisecond has that) the next free one,
/// remembered on the entry.
fn index_note(conn: &Connection, rowid: i64, ms: i64, note: &str) -> Result<()> {
    let mut insert = conn
        .prepare_cached("INSERT INTO diary_notes (rowid, note, entry_rowid) VALUES (?1, ?2, ?3)")?;
    let base = base_key(ms);
    match insert.execute((base, note, rowid)) {
        Ok(_) => return Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {}
        Err(e) => return Err(e.into()),
    }
    let last: i64 = conn
        .prepare_cached(
            "SELECT rowid FROM diary_notes WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid DESC LIMIT 1",
        )?
        .query_row((base, base + NOTE_SLOTS - 1), |r| r.get(0))?;
    if last + 1 >= base + NOTE_SLOTS {
        return Err(crate::error::PphError::validation(
            "recorded_at",
            "too many notes in one millisecond",
        )
        .into());
    }
    insert.execute((last + 1, note, rowid))?;
    conn.prepare_cached("UPDATE diary_entries SET note_key = ?2 WHERE rowid = ?1")?
        .execute((rowid, last + 1))?;
    Ok(())
}

/// A live entry's tags, under its rowid, and searchable note, under a key
/// ordered by the entry's time.
fn index_text(conn: &Connection, rowid: i64, e: &DiaryEntry) -> Result<()> {
    if e.deleted {
        return Ok(());
    }
    let mut tag = conn.prepare_cached(
        "INSERT INTO diary_tags (entry_rowid, tag, local_date) VALUES (?1, ?2, ?3)",
    )?;
    for t in &e.tags {
        tag.execute((rowid, t, &e.local_date))?;
    }
    match e.note.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(note) => index_note(
            conn,
            rowid,
            to_ms("recorded_at", e.recorded_at)? as i64,
            note,
        ),
        None => Ok(()),
    }
}

/// The ratings that count: none for a tombstone.
fn live_ratings(e: &DiaryEntry) -> &[Rating] {
    if e.deleted {
        &[]
    } else {
        &e.ratings
    }
}

/// Count, sum, lowest and highest of some ratings of one symptom on one day.
struct DayFigures {
    count: i64,
    total: f64,
    low: f64,
    high: f64,
}

/// The rollups' key for the all-time use counts: a symptom's row under it
/// holds in `count` how often it has been rated. Every local date begins
/// with a digit, so these rows sort after every day's, onto the page
/// today's rows are written to: counting a use costs no page of its own.
const ALL_DAYS: &str = "all";

/// Whether `local_date` can be a day's key: a record from elsewhere that
/// is not a date must not land on (or rebuild) the use counts.
fn is_day(local_date: &str) -> bool {
    local_date.starts_with(|c: char| c.is_ascii_digit())
}

/// Adds new entries' ratings to their days' rollups and to the use counts.
fn add_to_rollups(conn: &Connection, entries: &[DiaryEntry]) -> Result<()> {
    add_to_days(conn, entries)?;
    count_uses(conn, entries.iter().flat_map(live_ratings), 1)
}

/// Adds entries' ratings to their days' rollups: one upsert per symptom and
/// day, however many entries.
fn add_to_days(conn: &Connection, entries: &[DiaryEntry]) -> Result<()> {
    let mut days: HashMap<(&str, &str), DayFigures> = HashMap::new();
    for e in entries.iter().filter(|e| is_day(&e.local_date)) {
        for r in live_ratings(e) {
            let v = r.value;
            days.entry((r.symptom_id.as_str(), e.local_date.as_str()))
                .and_modify(|d| {
                    d.count += 1;
                    d.total += v;
                    d.low = d.low.min(v);
                    d.high = d.high.max(v);
                })
                .or_insert(DayFigures {
                    count: 1,
                    total: v,
                    low: v,
                    high: v,
                });
        }
    }
    let mut rollup = conn.prepare_cached(
        "INSERT INTO diary_daily (symptom_id, local_date, count, total, low, high)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (symptom_id, local_date) DO UPDATE SET count = count + excluded.count,
             total = total + excluded.total, low = min(low, excluded.low),
             high = max(high, excluded.high)",
    )?;
    for ((symptom, day), d) in &days {
        rollup.execute((symptom, day, d.count, d.total, d.low, d.high))?;
    }
    Ok(())
}

/// Adds `delta` per rating to its symptom's use count: one upsert per
/// symptom, however many ratings.
fn count_uses<'a>(
    conn: &Connection,
    ratings: impl IntoIterator<Item = &'a Rating>,
    delta: i64,
) -> Result<()> {
    let mut uses: HashMap<&str, i64> = HashMap::new();
    for r in ratings {
        *uses.entry(r.symptom_id.as_str()).or_default() += delta;
    }
    let mut count = conn.prepare_cached(
        "INSERT INTO diary_daily (local_date, symptom_id, count, total, low, high)
         VALUES (?1, ?2, ?3, 0, 0, 0)
         ON CONFLICT (local_date, symptom_id) DO UPDATE SET count = count + excluded.count",
    )?;
    for (symptom, n) in uses {
        count.execute((ALL_DAYS, symptom, n))?;
    }
    Ok(())
}

/// Rebuilds one local day's rollups from that day's live entries.
fn recompute_day(conn: &Connection, day: &str) -> Result<()> {
    if !is_day(day) {
        return Ok(());
    }
    conn.prepare_cached("DELETE FROM diary_daily WHERE local_date = ?1")?
        .execute([day])?;
    let entries: Vec<DiaryEntry> = docs(
        &mut conn.prepare_cached(
            "SELECT doc FROM diary_entries WHERE local_date = ?1 AND deleted = 0",
        )?,
        [day],
    )?;
    add_to_days(conn, &entries)
}

entity!(QuestionnaireResult, kinds::QUESTIONNAIRE_RESULT, "questionnaire_results", |r| {
    "code": text(&r.code),
    "local_date": text(&r.local_date),
    "recorded_at": instant(r.recorded_at),
});

pub(crate) fn custom_symptoms(conn: &Connection) -> Result<Vec<Symptom>> {
    docs(
        &mut conn.prepare_cached("SELECT doc FROM diary_symptoms")?,
        [],
    )
}

/// How many live ratings each symptom has.
pub(crate) fn symptom_uses(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT symptom_id, count FROM diary_daily WHERE local_date = ?1")?;
    let rows = stmt.query_map([ALL_DAYS], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Entries between two local dates, newest first, after a cursor of
/// `(recorded_at_ms, id)` from the previous page.
pub(crate) fn entries_page(
    conn: &Connection,
    from: &str,
    to: &str,
    (before_ms, before_id): (i64, &str),
    limit: u32,
) -> Result<Vec<DiaryEntry>> {
    docs(
        &mut conn.prepare_cached(
            "SELECT doc FROM diary_entries
             WHERE deleted = 0 AND local_date BETWEEN ?1 AND ?2
               AND (recorded_at < ?3 OR (recorded_at = ?3 AND id < ?4) OR ?4 = '')
             ORDER BY recorded_at DESC, id DESC LIMIT ?5",
        )?,
        (from, to, before_ms, before_id, limit),
    )
}

/// Full-text matches among live entries, newest first by when they
/// happened: FTS5 walks its time-ordered keys backwards from the last
/// page's entry (`after`: its time and id) and stops after the page.
pub(crate) fn search(
    conn: &Connection,
    fts_query: &str,
    after: Option<(i64, &str)>,
    limit: u32,
) -> Result<Vec<DiaryEntry>> {
    let below: i64 = match after {
        Some((ms, id)) => conn
            .prepare_cached("SELECT coalesce(note_key, ?2) FROM diary_entries WHERE id = ?1")?
            .query_row((id, base_key(ms)), |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                crate::error::PphError::validation("cursor", "not a cursor from a previous page")
            })?,
        None => i64::MAX,
    };
    docs(
        &mut conn.prepare_cached(
            "SELECT e.doc FROM diary_notes n JOIN diary_entries e ON e.rowid = n.entry_rowid
             WHERE diary_notes MATCH ?1 AND n.rowid < ?2 AND e.deleted = 0
             ORDER BY n.rowid DESC LIMIT ?3",
        )?,
        (fts_query, below, limit),
    )
}

pub(crate) fn trend(
    conn: &Connection,
    symptom_id: &str,
    from: &str,
    to: &str,
    bucket: Bucket,
) -> Result<Vec<TrendPoint>> {
    // Bucket keys in the person's calendar: local dates are stored, so a
    // change of time zone or DST cannot move a rating to another bucket.
    let key = match bucket {
        Bucket::Day => "local_date",
        Bucket::Week => "date(local_date, '-6 days', 'weekday 1')",
        Bucket::Month => "substr(local_date, 1, 7) || '-01'",
    };
    let sql = format!(
        "SELECT {key} AS bucket, sum(count), sum(total) / sum(count), min(low), max(high) FROM diary_daily
         WHERE symptom_id = ?1 AND local_date BETWEEN ?2 AND ?3 GROUP BY bucket ORDER BY bucket"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map((symptom_id, from, to), |r| {
        Ok(TrendPoint {
            start: r.get(0)?,
            count: r.get(1)?,
            mean: r.get(2)?,
            min: r.get(3)?,
            max: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (day, figure) in date order, from the daily rollups; `figure` is an SQL
/// expression over `count`, `total`, `low`, `high`.
pub(crate) fn daily(
    conn: &Connection,
    symptom_id: &str,
    from: &str,
    to: &str,
    figure: &str,
) -> Result<Vec<(NaiveDate, f64)>> {
    let sql = format!(
        "SELECT local_date, {figure} FROM diary_daily
         WHERE symptom_id = ?1 AND local_date BETWEEN ?2 AND ?3 ORDER BY local_date"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map((symptom_id, from, to), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (day, value) = row?;
        out.push((crate::time::parse_date("local_date", &day)?, value));
    }
    Ok(out)
}

pub(crate) fn daily_means(
    conn: &Connection,
    symptom_id: &str,
    from: &str,
    to: &str,
) -> Result<BTreeMap<NaiveDate, f64>> {
    Ok(daily(conn, symptom_id, from, to, "total / count")?
        .into_iter()
        .collect())
}

pub(crate) fn tag_days(
    conn: &Connection,
    from: &str,
    to: &str,
) -> Result<HashMap<String, HashSet<NaiveDate>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT tag, local_date FROM diary_tags WHERE local_date BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map((from, to), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out: HashMap<String, HashSet<NaiveDate>> = HashMap::new();
    for row in rows {
        let (tag, day) = row?;
        out.entry(tag)
            .or_default()
            .insert(crate::time::parse_date("local_date", &day)?);
    }
    Ok(out)
}

pub(crate) fn custom_questionnaire(
    conn: &Connection,
    code: &str,
) -> Result<Option<QuestionnaireDefinition>> {
    let doc: Option<String> = conn
        .prepare_cached("SELECT doc FROM questionnaire_definitions WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

pub(crate) fn custom_questionnaires(conn: &Connection) -> Result<Vec<QuestionnaireDefinition>> {
    docs(
        &mut conn.prepare_cached("SELECT doc FROM questionnaire_definitions ORDER BY code")?,
        [],
    )
}

pub(crate) fn save_questionnaire(conn: &Connection, def: &QuestionnaireDefinition) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO questionnaire_definitions (code, doc) VALUES (?1, ?2)
         ON CONFLICT (code) DO UPDATE SET doc = excluded.doc",
    )?
    .execute((&def.code, serde_json::to_string(def)?))?;
    Ok(())
}

/// Results of one instrument (or of all) between two local dates, oldest
/// first; each raised flag carries the message this device's instrument
/// gives it, as the record holds only the flag's code.
pub(crate) fn results_between(
    conn: &Connection,
    code: Option<&str>,
    from: &str,
    to: &str,
) -> Result<Vec<QuestionnaireResult>> {
    let mut results: Vec<QuestionnaireResult> = docs(
        &mut conn.prepare_cached(
            "SELECT doc FROM questionnaire_results
             WHERE (?1 IS NULL OR code = ?1) AND local_date BETWEEN ?2 AND ?3 ORDER BY recorded_at",
        )?,
        (code, from, to),
    )?;
    if results.iter().any(|r| !r.flags.is_empty()) {
        let definitions = super::all_questionnaires(conn)?;
        for result in &mut results {
            super::questionnaire::tell_flags(&definitions, result);
        }
    }
    Ok(results)
}

/// Live entries between two local dates, oldest first (exports).
pub(crate) fn entries_between(conn: &Connection, from: &str, to: &str) -> Result<Vec<DiaryEntry>> {
    docs(
        &mut conn.prepare_cached(
            "SELECT doc FROM diary_entries WHERE deleted = 0 AND local_date BETWEEN ?1 AND ?2
             ORDER BY recorded_at, id",
        )?,
        (from, to),
    )
}

/// Local dates from `from` on that have a live entry (the Today screen's
/// diary prompt, and the reminders that it cancels).
pub(crate) fn entry_days_since(conn: &Connection, from: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT local_date FROM diary_entries WHERE deleted = 0 AND local_date >= ?1",
    )?;
    let days = stmt.query_map([from], |r| r.get::<_, String>(0))?;
    Ok(days.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrations::{migrate_to, LATEST_VERSION};
    use std::time::UNIX_EPOCH;

    fn entry(local_date: &str, symptom: &str) -> DiaryEntry {
        DiaryEntry {
            id: crate::ids::new_id(),
            recorded_at: UNIX_EPOCH,
            utc_offset_minutes: 0,
            local_date: local_date.into(),
            ratings: vec![Rating {
                symptom_id: symptom.into(),
                value: 4.0,
            }],
            note: None,
            tags: vec![],
            medications: vec![],
            deleted: false,
        }
    }

    /// Use counts live beside the days as rollup rows under `all`: a day's
    /// figures never reach them, and an entry whose local date is not a
    /// date (a record from elsewhere) counts as a use but rolls up no day,
    /// nor rebuilds the counts as if they were one.
    #[test]
    fn use_counts_and_days_stay_apart() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_to(&mut conn, LATEST_VERSION).expect("schema");
        add_to_rollups(
            &conn,
            &[entry("2026-12-01", "s1"), entry("2026-12-01", "s1")],
        )
        .expect("days");
        add_to_rollups(&conn, &[entry(ALL_DAYS, "s1")]).expect("not a day");
        recompute_day(&conn, ALL_DAYS).expect("not a day");
        assert_eq!(symptom_uses(&conn).expect("uses")["s1"], 3);
        let days: Vec<(String, i64)> = conn
            .prepare("SELECT local_date, count FROM diary_daily WHERE local_date <> 'all'")
            .expect("days")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(days, [("2026-12-01".to_owned(), 2)]);
    }
}
