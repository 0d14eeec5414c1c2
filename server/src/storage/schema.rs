//! The relay's schema: numbered steps, each applied once in its own
//! transaction and recorded in `schema_migrations` (relays starting
//! together on one PostgreSQL take turns on an advisory lock), and step
//! 4's data, written back from `backfill` (pure).

use super::db::Db;
use super::*;
use std::collections::HashMap;

/// Numbered schema steps, applied in order, each in its own transaction and
/// recorded in `schema_migrations`; never edited once shipped.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/001_initial.sql")),
    (
        2,
        include_str!("migrations/002_group_roles_and_invites.sql"),
    ),
    (3, include_str!("migrations/003_hidden_messages.sql")),
    (4, include_str!("migrations/004_authorisation.sql")),
    (5, include_str!("migrations/005_two_party_records.sql")),
    (6, include_str!("migrations/006_share_access_log.sql")),
    (7, include_str!("migrations/007_erased_records.sql")),
    (8, include_str!("migrations/008_end_to_end_keys.sql")),
    (9, include_str!("migrations/009_envelope_senders.sql")),
    (10, include_str!("migrations/010_signed_grants.sql")),
    (11, include_str!("migrations/011_epoch_commitments.sql")),
    (12, include_str!("migrations/012_one_account_per_key.sql")),
    (13, include_str!("migrations/013_group_admissions.sql")),
    (14, include_str!("migrations/014_invite_verifiers.sql")),
    (
        15,
        include_str!("migrations/015_memberships_joined_with.sql"),
    ),
    (16, include_str!("migrations/016_epochs_begun_for.sql")),
    (17, include_str!("migrations/017_session_lifetimes.sql")),
    (18, include_str!("migrations/018_verified_clinicians.sql")),
    (19, include_str!("migrations/019_session_chains.sql")),
    (20, include_str!("migrations/020_no_clinician_domains.sql")),
    (21, include_str!("migrations/021_account_stretch.sql")),
    (22, include_str!("migrations/022_sign_up_codes.sql")),
    (
        23,
        include_str!("migrations/023_sign_up_codes_per_device.sql"),
    ),
    (24, include_str!("migrations/024_account_locks.sql")),
    (25, include_str!("migrations/025_secret_fingerprint.sql")),
];

/// The step whose data `backfill::backfill_v4` fills in.
const AUTHORS_STEP: i64 = 4;

/// The version table itself, created before any step runs.
const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    applied_ms BIGINT NOT NULL
)";

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

/// Refuses a database a newer relay has moved on: an older relay beside it
/// (a rolling upgrade, a rollback) would run statements the newer schema
/// no longer means (the twenty-seventh attacker run: the v22 relay on a
/// v23 database spent every device's sign-up code for an email).
pub(crate) async fn refuse_newer(db: &mut Db<'_>) -> Result<()> {
    if db.is_postgres() {
        // Relays starting together on an empty database take turns even
        // at making the version table (its type's name is unique too).
        db.execute("SELECT pg_advisory_xact_lock(7878)", &[])
            .await?;
    }
    db.batch(MIGRATIONS_TABLE).await?;
    let at = schema_version(db).await?;
    match at > latest_version() {
        false => Ok(()),
        true => Err(StorageError::Backend(format!(
            "the database is at schema v{at}, newer than this relay's v{}: run the newer relay",
            latest_version()
        ))),
    }
}

/// Applies schema step `version` unless it was: run in a transaction of
/// its own.
pub(crate) async fn apply_step(db: &mut Db<'_>, version: i64, sql: &str) -> Result<()> {
    if db.is_postgres() {
        // Relays starting together take turns: each step runs once.
        db.execute("SELECT pg_advisory_xact_lock(7878)", &[])
            .await?;
    }
    db.batch(MIGRATIONS_TABLE).await?;
    let done = db
        .exists(
            "SELECT 1 FROM schema_migrations WHERE version = $1",
            &[&version],
        )
        .await?;
    if !done {
        db.batch(sql).await?;
        if version == AUTHORS_STEP {
            backfill_authors(db).await?;
        }
        db.execute(
            "INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
            &[&version, &crate::now_ms()],
        )
        .await?;
        // Said before the transaction commits: a step that then fails is
        // followed by the failure's own line.
        tracing::info!(version, "schema step applied");
    }
    Ok(())
}

pub(crate) async fn schema_version(db: &mut Db<'_>) -> Result<i64> {
    db.query_opt(
        "SELECT CAST(coalesce(max(version), 0) AS BIGINT) FROM schema_migrations",
        &[],
    )
    .await?
    .map_or(Ok(0), |r| r.int(0))
}

/// Every step, in order.
pub(crate) fn steps() -> impl Iterator<Item = (i64, &'static str)> {
    MIGRATIONS.iter().copied()
}

async fn backfill_authors(db: &mut Db<'_>) -> Result<()> {
    let spaces = db
        .query("SELECT id, kind, owner FROM spaces", &[])
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.text(0)?,
                (parse_name(&r.text(1)?, "spaces.kind")?, r.text(2)?),
            ))
        })
        .collect::<Result<HashMap<_, _>>>()?;
    let changes = db
        .query(
            "SELECT space, seq, body FROM changes ORDER BY space, seq",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(backfill::LegacyChange {
                space: r.text(0)?,
                seq: r.int(1)?,
                body: r.text(2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let out = backfill::backfill_v4(&changes, &spaces);
    for (space, seq, who) in &out.authors {
        db.execute(
            "UPDATE changes SET author = $3 WHERE space = $1 AND seq = $2",
            &[&space, seq, &who],
        )
        .await?;
    }
    for (id, o) in &out.owners {
        db.execute(
            "INSERT INTO entity_owners (entity_id, space, entity_type, creator)
             VALUES ($1, $2, $3, $4)",
            &[&id, &o.space, &o.kind, &o.creator],
        )
        .await?;
    }
    Ok(())
}
