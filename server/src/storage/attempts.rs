//! Attempt counters for rate limits: attempts under a key (a sign-in's
//! email, an invite code's address) in a window, counted in one atomic
//! statement however many relays share the database.

use super::db::Db;
use super::{Result, StorageError};

/// Counts one attempt, starting a new window when the last one ended:
/// key, now, window.
const TAKE: &str = "INSERT INTO rate_limits (key, count, window_start_ms) VALUES ($1, 1, $2)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits.window_start_ms + $3 <= $2 THEN 1
                    ELSE rate_limits.count + 1 END,
       window_start_ms = CASE WHEN rate_limits.window_start_ms + $3 <= $2 THEN $2
                              ELSE rate_limits.window_start_ms END
     RETURNING count, window_start_ms";

pub(crate) async fn take(
    db: &mut Db<'_>,
    key: &str,
    now_ms: i64,
    window_ms: i64,
    max: u32,
) -> Result<Option<i64>> {
    let row = db
        .query_opt(TAKE, &[&key, &now_ms, &window_ms])
        .await?
        .ok_or_else(|| StorageError::Backend("a counted attempt returned no row".into()))?;
    let (count, start) = (row.int(0)?, row.int(1)?);
    Ok((count > i64::from(max)).then_some(start + window_ms - now_ms))
}

pub(crate) async fn refund(db: &mut Db<'_>, key: &str) -> Result<()> {
    db.execute(
        "UPDATE rate_limits SET count = CASE WHEN count > 0 THEN count - 1 ELSE 0 END
         WHERE key = $1",
        &[&key],
    )
    .await?;
    Ok(())
}

pub(crate) async fn clear(db: &mut Db<'_>, key: &str) -> Result<()> {
    db.execute("DELETE FROM rate_limits WHERE key = $1", &[&key])
        .await?;
    Ok(())
}

pub(crate) async fn sweep(db: &mut Db<'_>, before_ms: i64) -> Result<()> {
    db.execute(
        "DELETE FROM rate_limits WHERE window_start_ms < $1",
        &[&before_ms],
    )
    .await?;
    Ok(())
}
