//! Syncable entities: a serde record stored whole as JSON in its table, with
//! the columns queries filter on beside it. Its fields are also what the
//! change log records, so history and merge need no per-type code.

use crate::error::{PphError, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub(crate) trait Entity: Serialize + DeserializeOwned {
    /// `entity_type` in the change log; also the name used in errors.
    const KIND: &'static str;
    const TABLE: &'static str;
    /// Indexed columns besides `id` and `doc`, matching `column_values`.
    const COLUMNS: &'static [&'static str];

    fn id(&self) -> &str;
    fn column_values(&self) -> Vec<Value>;

    /// Rewrites rows derived from this record (search index, rollups) after
    /// it is stored, in the same transaction. `old` is the version it
    /// replaced, None for a new record.
    fn reindex(&self, _conn: &Connection, _old: Option<&Self>) -> Result<()> {
        Ok(())
    }

    /// Indexes records that are all new in this transaction, stored as the
    /// rows `rowids` (same order), together: an import touches each derived
    /// row once, not once per record.
    fn index_new(conn: &Connection, new: &[Self], _rowids: &[i64]) -> Result<()>
    where
        Self: Sized,
    {
        new.iter().try_for_each(|e| e.reindex(conn, None))
    }
}

/// Implements `Entity` for a record with an `id` field: its kind (from the
/// authorisation table), its table, and the columns kept beside its JSON,
/// each computed from the record bound to the given name. Further methods
/// (`reindex`, `index_new`) may follow the columns.
///
/// ```ignore
/// entity!(Goal, kinds::PLAN_GOAL, "plan_goals", |g| { "plan_id": text(&g.plan_id) });
/// ```
macro_rules! entity {
    ($t:ty, $kind:expr, $table:literal) => {
        entity!($t, $kind, $table, |_r| {});
    };
    ($t:ty, $kind:expr, $table:literal, |$r:ident| { $($col:literal: $val:expr),* $(,)? } $($extra:item)*) => {
        impl $crate::store::Entity for $t {
            const KIND: &'static str = $kind;
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$($col),*];
            fn id(&self) -> &str {
                &self.id
            }
            fn column_values(&self) -> Vec<rusqlite::types::Value> {
                let $r = self;
                vec![$($val),*]
            }
            $($extra)*
        }
    };
}
pub(crate) use entity;

/// Stores a record whose JSON is `doc` and rewrites its derived rows.
pub(crate) fn upsert<E: Entity>(
    conn: &Connection,
    entity: &E,
    doc: String,
    old: Option<&E>,
) -> Result<()> {
    store_row(conn, &upsert_sql::<E>(), entity, doc)?;
    entity.reindex(conn, old)
}

/// `INSERT … ON CONFLICT (id) DO UPDATE` for `E`'s table: id, doc, columns.
pub(crate) fn upsert_sql<E: Entity>() -> String {
    let mut names = vec!["id", "doc"];
    names.extend_from_slice(E::COLUMNS);
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = names[1..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
        E::TABLE,
        names.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

/// Writes the row alone (no derived rows) with `sql` from `upsert_sql`;
/// returns its rowid when it was inserted.
pub(crate) fn store_row<E: Entity>(
    conn: &Connection,
    sql: &str,
    entity: &E,
    doc: String,
) -> Result<i64> {
    let mut values = vec![Value::Text(entity.id().to_owned()), Value::Text(doc)];
    values.extend(entity.column_values());
    conn.prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(values))?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn load<E: Entity>(conn: &Connection, id: &str) -> Result<Option<E>> {
    let sql = format!("SELECT doc FROM {} WHERE id = ?1", E::TABLE);
    let doc: Option<String> = conn
        .prepare_cached(&sql)?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

pub(crate) fn load_required<E: Entity>(conn: &Connection, id: &str) -> Result<E> {
    load(conn, id)?.ok_or_else(|| PphError::not_found(E::KIND, id).into())
}

/// All rows whose `column` equals `value`, in creation order: ids are
/// UUIDv7, so every replica lists them the same way (local insertion order
/// differs between devices once records arrive by sync).
pub(crate) fn list_by<E: Entity>(conn: &Connection, column: &str, value: &str) -> Result<Vec<E>> {
    let sql = format!(
        "SELECT doc FROM {} WHERE {column} = ?1 ORDER BY id",
        E::TABLE
    );
    docs(&mut conn.prepare_cached(&sql)?, [value])
}

/// A text column value.
pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// An instant column value, in milliseconds since 1970.
pub(crate) fn instant(t: std::time::SystemTime) -> Value {
    Value::Integer(crate::time::ms_i64(t))
}

/// Decodes the `doc` column of every row a statement returns.
pub(crate) fn docs<T: DeserializeOwned>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<T>> {
    let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
    rows.map(|d| Ok(serde_json::from_str(&d?)?)).collect()
}
