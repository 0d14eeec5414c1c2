//! The one way the relay's storage runs a statement, on either backend: a
//! connection (`Db`), the arguments a statement takes (`Arg`) and the rows
//! it gives back (`Row`). Each concern of the storage (`attempts`,
//! `shares`, ...) writes its SQL and its method bodies once, over `Db`.
//!
//! SQL is written as PostgreSQL spells it, with `$n` placeholders; SQLite is
//! given the same text with `?n` (`sqlite_sql`). Where the two dialects
//! differ on purpose, the concern names both side by side.
//!
//! Invariant: over SQLite, every call blocks (on tokio's blocking pool)
//! instead of waiting, so a statement sequence finishes in one poll
//! (`sqlite_now`); over PostgreSQL it awaits the network as usual.

use super::{Result, StorageError};
use std::borrow::Cow;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// A connection, or a transaction, on one backend.
pub(crate) enum Db<'c> {
    Sqlite(&'c mut rusqlite::Connection),
    Postgres(Pg<'c>),
}

/// A PostgreSQL client from the pool, or a transaction on one.
pub(crate) enum Pg<'c> {
    Client(&'c deadpool_postgres::ClientWrapper),
    Tx(&'c deadpool_postgres::Transaction<'c>),
}

/// An argument of a statement. Its `Debug` (which tokio-postgres requires)
/// names only its kind: arguments are emails, token hashes and sealed
/// values, which no log or error may show.
#[derive(Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    Null,
    /// A list of texts: a JSON array for SQLite's `json_each`, an array
    /// for PostgreSQL's `= ANY`.
    Texts(&'a [&'a str]),
}

impl std::fmt::Debug for Arg<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Arg::Text(_) => "Text(..)",
            Arg::Int(_) => "Int(..)",
            Arg::Null => "Null",
            Arg::Texts(_) => "Texts(..)",
        })
    }
}

/// What a statement takes as an argument: text, a number, either of them
/// optional (None: NULL), or an `Arg` itself; written `&value` in a
/// statement's argument list.
pub(crate) trait ToArg {
    fn arg(&self) -> Arg<'_>;
}

/// A statement's arguments, in `$n` order.
pub(crate) type Args<'a> = [&'a (dyn ToArg + Sync)];

impl ToArg for str {
    fn arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}

impl ToArg for String {
    fn arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}

impl ToArg for i64 {
    fn arg(&self) -> Arg<'_> {
        Arg::Int(*self)
    }
}

impl ToArg for Arg<'_> {
    fn arg(&self) -> Arg<'_> {
        *self
    }
}

impl<T: ToArg> ToArg for Option<T> {
    fn arg(&self) -> Arg<'_> {
        self.as_ref().map_or(Arg::Null, ToArg::arg)
    }
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn arg(&self) -> Arg<'_> {
        (**self).arg()
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match *self {
            Arg::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Int(i) => ToSqlOutput::Owned(Value::Integer(i)),
            Arg::Null => ToSqlOutput::Owned(Value::Null),
            Arg::Texts(list) => ToSqlOutput::Owned(Value::Text(
                serde_json::to_string(list)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            )),
        })
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Arg::Text(s) if <&str as ToSql>::accepts(ty) => s.to_sql(ty, out),
            Arg::Int(i) if *ty == Type::INT8 => i.to_sql(ty, out),
            Arg::Int(i) if *ty == Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
            Arg::Null => Ok(IsNull::Yes),
            Arg::Texts(list) if <&[&str] as ToSql>::accepts(ty) => list.to_sql(ty, out),
            _ => Err(format!("an argument of the wrong type for {ty}").into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <&str as ToSql>::accepts(ty)
            || <&[&str] as ToSql>::accepts(ty)
            || *ty == Type::INT8
            || *ty == Type::INT4
    }

    to_sql_checked!();
}

/// One row a query gave back, read by column index.
pub(crate) enum Row {
    Sqlite(Vec<rusqlite::types::Value>),
    Postgres(tokio_postgres::Row),
}

fn unexpected(column: usize) -> StorageError {
    StorageError::Backend(format!("column {column} has an unexpected type"))
}

impl Row {
    pub fn text(&self, column: usize) -> Result<String> {
        self.opt_text(column)?.ok_or_else(|| unexpected(column))
    }

    pub fn opt_text(&self, column: usize) -> Result<Option<String>> {
        use rusqlite::types::Value;
        match self {
            Row::Sqlite(values) => match values.get(column) {
                Some(Value::Text(s)) => Ok(Some(s.clone())),
                Some(Value::Null) => Ok(None),
                _ => Err(unexpected(column)),
            },
            Row::Postgres(row) => Ok(row.try_get(column)?),
        }
    }

    pub fn int(&self, column: usize) -> Result<i64> {
        self.opt_int(column)?.ok_or_else(|| unexpected(column))
    }

    pub fn opt_int(&self, column: usize) -> Result<Option<i64>> {
        use rusqlite::types::Value;
        match self {
            Row::Sqlite(values) => match values.get(column) {
                Some(Value::Integer(i)) => Ok(Some(*i)),
                Some(Value::Null) => Ok(None),
                _ => Err(unexpected(column)),
            },
            Row::Postgres(row) => {
                let ty = row
                    .columns()
                    .get(column)
                    .ok_or_else(|| unexpected(column))?
                    .type_();
                Ok(match *ty {
                    Type::INT4 => row.try_get::<_, Option<i32>>(column)?.map(i64::from),
                    Type::BOOL => row.try_get::<_, Option<bool>>(column)?.map(i64::from),
                    _ => row.try_get(column)?,
                })
            }
        }
    }
}

/// `sql` with PostgreSQL's `$n` placeholders spelled as SQLite's `?n`. No
/// statement of ours holds a `$` followed by a digit inside a string
/// literal, which this would change too.
pub(crate) fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn to_args<'a>(args: &'a Args<'_>) -> Vec<Arg<'a>> {
    args.iter().map(|a| a.arg()).collect()
}

fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

impl<'c> Db<'c> {
    pub fn client(client: &'c deadpool_postgres::ClientWrapper) -> Self {
        Db::Postgres(Pg::Client(client))
    }

    pub fn transaction(tx: &'c deadpool_postgres::Transaction<'c>) -> Self {
        Db::Postgres(Pg::Tx(tx))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Runs a statement; the number of rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &Args<'_>) -> Result<u64> {
        let args = to_args(args);
        match self {
            Db::Sqlite(conn) => {
                let changed = conn
                    .prepare_cached(&sqlite_sql(sql))?
                    .execute(rusqlite::params_from_iter(&args))?;
                Ok(changed as u64)
            }
            Db::Postgres(Pg::Client(c)) => {
                let stmt = c.prepare_cached(sql).await?;
                Ok(c.execute(&stmt, &pg_args(&args)).await?)
            }
            Db::Postgres(Pg::Tx(t)) => {
                let stmt = t.prepare_cached(sql).await?;
                Ok(t.execute(&stmt, &pg_args(&args)).await?)
            }
        }
    }

    /// Runs statements that take no arguments, one after another (a
    /// schema step).
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(conn) => conn.execute_batch(sql)?,
            Db::Postgres(Pg::Client(c)) => c.batch_execute(sql).await?,
            Db::Postgres(Pg::Tx(t)) => t.batch_execute(sql).await?,
        }
        Ok(())
    }

    /// Runs a query; every row it gives.
    pub async fn query(&mut self, sql: &str, args: &Args<'_>) -> Result<Vec<Row>> {
        let args = to_args(args);
        match self {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(&sqlite_sql(sql))?;
                let columns = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(&args))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let values = (0..columns)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    out.push(Row::Sqlite(values));
                }
                Ok(out)
            }
            Db::Postgres(Pg::Client(c)) => {
                let stmt = c.prepare_cached(sql).await?;
                let rows = c.query(&stmt, &pg_args(&args)).await?;
                Ok(rows.into_iter().map(Row::Postgres).collect())
            }
            Db::Postgres(Pg::Tx(t)) => {
                let stmt = t.prepare_cached(sql).await?;
                let rows = t.query(&stmt, &pg_args(&args)).await?;
                Ok(rows.into_iter().map(Row::Postgres).collect())
            }
        }
    }

    /// The first row of a query, if it gives any.
    pub async fn query_opt(&mut self, sql: &str, args: &Args<'_>) -> Result<Option<Row>> {
        Ok(self.query(sql, args).await?.into_iter().next())
    }

    /// Whether a query gives a row.
    pub async fn exists(&mut self, sql: &str, args: &Args<'_>) -> Result<bool> {
        Ok(self.query_opt(sql, args).await?.is_some())
    }
}

/// Runs a statement sequence over SQLite to its end. Its calls block
/// rather than wait (see the module's invariant), so one poll finishes it;
/// one that waited would be a bug, reported as a backend failure.
pub(crate) fn sqlite_now<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    let mut work = std::pin::pin!(work);
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(StorageError::Backend(
            "a statement over SQLite waited".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_is_given_numbered_question_marks() {
        assert_eq!(
            sqlite_sql("UPDATE t SET a = $3 WHERE b = $1 AND c = $12 AND d = '$'"),
            "UPDATE t SET a = ?3 WHERE b = ?1 AND c = ?12 AND d = '$'"
        );
        assert!(matches!(sqlite_sql("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_statement_over_sqlite_finishes_in_one_poll_and_rows_read_back() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("open");
        let mut db = Db::Sqlite(&mut conn);
        let rows = sqlite_now(async {
            db.execute("CREATE TABLE t (a TEXT, b BIGINT)", &[]).await?;
            db.execute(
                "INSERT INTO t VALUES ($2, $1), ($3, NULL)",
                &[&7_i64, &"x", &Arg::Null],
            )
            .await?;
            db.query("SELECT a, b FROM t ORDER BY b DESC", &[]).await
        })
        .expect("ran");
        assert_eq!(rows[0].text(0).expect("a"), "x");
        assert_eq!(rows[0].int(1).expect("b"), 7);
        assert_eq!(rows[1].opt_text(0).expect("a"), None);
        assert_eq!(rows[1].opt_int(1).expect("b"), None);
        assert!(rows[1].int(1).is_err(), "NULL is not an integer");
    }

    #[test]
    fn an_argument_never_shows_its_value() {
        let shown = format!("{:?} {:?}", Arg::Text("ann@example.org"), Arg::Int(42));
        assert_eq!(shown, "Text(..) Int(..)");
    }

    #[test]
    fn a_sequence_that_waits_is_a_backend_failure() {
        let waits = std::future::pending::<Result<()>>();
        assert!(matches!(sqlite_now(waits), Err(StorageError::Backend(_))));
    }
}
