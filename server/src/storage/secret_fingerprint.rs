//! The secret every relay process on one database must share: the first
//! process to serve the database records a keyed fingerprint of its
//! secret (`config::fingerprint`), and each later one must match it.

use super::db::Db;
use super::Result;

/// Records `fingerprint` if none is, in the same transaction as the check;
/// whether the recorded one is it.
pub(crate) async fn pin(db: &mut Db<'_>, fingerprint: &str) -> Result<bool> {
    if db.is_postgres() {
        // Processes starting together record one fingerprint, not two.
        db.execute("SELECT pg_advisory_xact_lock(7879)", &[])
            .await?;
    }
    let recorded = db
        .query_opt(
            "SELECT fingerprint FROM secret_fingerprint WHERE id = 1",
            &[],
        )
        .await?;
    match recorded {
        Some(row) => Ok(row.text(0)? == fingerprint),
        None => {
            db.execute(
                "INSERT INTO secret_fingerprint (id, fingerprint) VALUES (1, $1)",
                &[&fingerprint],
            )
            .await?;
            Ok(true)
        }
    }
}

/// The fingerprint recorded, if a relay has served the database.
pub(crate) async fn recorded(db: &mut Db<'_>) -> Result<Option<String>> {
    db.query_opt(
        "SELECT fingerprint FROM secret_fingerprint WHERE id = 1",
        &[],
    )
    .await?
    .map(|row| row.text(0))
    .transpose()
}
