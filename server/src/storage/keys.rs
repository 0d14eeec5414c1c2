//! Keys: each account's key pair as its device sealed it, and the
//! envelopes that wrap a space's keys, epoch by epoch, to the accounts
//! that may read it. The relay reads none of them.

use super::db::Db;
use super::*;

/// Account, public key, sealed keys, password hash or NULL, recovery hash
/// or NULL, 1 to write only over no keys, the password hash and the
/// recovery hash the change was checked against (NULL: not that one), and
/// the new password's stretch (NULL exactly when $4 is).
const SET_ACCOUNT_KEYS: &str = "UPDATE accounts
     SET public_key = $2, sealed_keys = $3,
         password_hash = coalesce($4, password_hash),
         recovery_hash = coalesce($5, recovery_hash),
         kdf = coalesce($9, kdf)
     WHERE id = $1 AND (CAST($6 AS BIGINT) = 0 OR sealed_keys IS NULL)
       AND (CAST($7 AS TEXT) IS NULL OR password_hash = $7)
       AND (CAST($8 AS TEXT) IS NULL OR recovery_hash = $8)";
const ACCOUNT_KEYS: &str =
    "SELECT sealed_keys, recovery_hash FROM accounts WHERE id = $1 AND sealed_keys IS NOT NULL";
const PUBLIC_KEY: &str =
    "SELECT public_key, sealed_keys FROM accounts WHERE id = $1 AND public_key IS NOT NULL";
const KEY_HELD: &str = "SELECT 1 FROM accounts WHERE public_key = $1 LIMIT 1";
const EPOCH_TAKEN: &str = "SELECT 1 FROM key_envelopes
     WHERE space = $1 AND key_name = $2 AND epoch = $3 LIMIT 1";
/// An envelope is stored once per epoch and recipient (the first wins),
/// except that an account may replace one addressed to itself with its
/// own (`$8` = 1): its devices keep each epoch under their own signature,
/// which no sender's later deletion takes away.
const PUT_ENVELOPE: &str = "INSERT INTO key_envelopes
     (space, key_name, epoch, recipient, body, created_ms, sender)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (space, key_name, epoch, recipient) DO UPDATE
     SET body = excluded.body, sender = excluded.sender
     WHERE CAST($8 AS BIGINT) = 1";
const ENVELOPES_FOR: &str =
    "SELECT body FROM key_envelopes WHERE recipient = $1 ORDER BY space, key_name, epoch";
const EPOCH_RECIPIENTS: &str = "SELECT e.key_name, e.epoch, e.recipient,
            k.began_by, k.commit_hash, k.commit_sig, k.begun_for
     FROM key_envelopes e LEFT JOIN key_epochs k
       ON k.space = e.space AND k.key_name = e.key_name AND k.epoch = e.epoch
     WHERE e.space = $1 ORDER BY e.key_name, e.epoch, e.recipient";
const DISCARD_ENVELOPE: &str = "DELETE FROM key_envelopes
     WHERE space = $1 AND key_name = $2 AND epoch = $3 AND recipient = $4";
const PUT_COMMITMENT: &str = "INSERT INTO key_epochs
     (space, key_name, epoch, began_by, commit_hash, commit_sig, begun_for)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING";

/// Keeps the account's key pair as its device sealed it, with the hashes
/// of the password's and recovery code's authentication keys where they
/// change (None: unchanged). With `only_if_none`, false and nothing
/// written if the account has keys already.
pub(crate) async fn set_account_keys(db: &mut Db<'_>, u: &KeysUpdate) -> Result<bool> {
    let keys = serde_json::to_string(&u.keys)
        .map_err(|_| StorageError::Backend("could not encode".into()))?;
    let (password, recovery) = match &u.checked {
        Some(Proof::Password(hash)) => (Some(hash.as_str()), None),
        Some(Proof::RecoveryCode(hash)) => (None, Some(hash.as_str())),
        None => (None, None),
    };
    let (password_hash, kdf) = match &u.password {
        Some((hash, kdf)) => (Some(hash.as_str()), Some(super::accounts::kdf_json(kdf))),
        None => (None, None),
    };
    let n = db
        .execute(
            SET_ACCOUNT_KEYS,
            &[
                &u.account_id,
                &u.keys.public_key,
                &keys,
                &password_hash,
                &u.recovery_hash,
                &i64::from(u.only_if_none),
                &password,
                &recovery,
                &kdf,
            ],
        )
        .await?;
    if let (1, Some((keep, now_ms))) = (n, &u.signing_out_all_but) {
        super::sessions::end_other_sessions(db, &u.account_id, keep, *now_ms).await?;
    }
    Ok(n == 1)
}

pub(crate) async fn account_keys(
    db: &mut Db<'_>,
    account_id: &str,
) -> Result<Option<(AccountKeys, Option<String>)>> {
    db.query_opt(ACCOUNT_KEYS, &[&account_id])
        .await?
        .map(|r| Ok((parse_account_keys(&r.text(0)?)?, r.opt_text(1)?)))
        .transpose()
}

/// Whether an account holds `public_key` already (each key is one
/// account's: schema v12).
pub(crate) async fn key_held(db: &mut Db<'_>, public_key: &str) -> Result<bool> {
    Ok(db.query_opt(KEY_HELD, &[&public_key]).await?.is_some())
}

/// The public key of each of `accounts` that has one, with the identity
/// and binding its device sealed beside it, if any.
pub(crate) async fn public_keys(db: &mut Db<'_>, accounts: &[String]) -> Result<Vec<AccountKey>> {
    let mut out = Vec::new();
    for a in accounts {
        if let Some(r) = db.query_opt(PUBLIC_KEY, &[&a]).await? {
            let sealed = r.opt_text(1)?.map(|s| parse_account_keys(&s)).transpose()?;
            let (identity, binding) = sealed.map_or((None, None), |k| (k.identity, k.binding));
            out.push(AccountKey {
                account_id: a.clone(),
                public_key: r.text(0)?,
                identity,
                binding,
            });
        }
    }
    Ok(out)
}

/// Stores envelopes (again: ignored) and the commitments `began_by` made
/// to the epochs it begins; `Conflict`, storing nothing, if an epoch in
/// `creates` has an envelope already. Run in a write transaction.
pub(crate) async fn put_envelopes(
    db: &mut Db<'_>,
    envelopes: &[Envelope],
    creates: &[EpochRef],
    commitments: &[Commitment],
    began_by: &str,
    now_ms: i64,
) -> Result<()> {
    // Two devices beginning the same epoch at once: on PostgreSQL the
    // second waits here for the first to commit, then finds the epoch
    // taken. SQLite has one writer, so the check below is already alone.
    if db.is_postgres() {
        for c in creates {
            db.execute("SELECT 1 FROM spaces WHERE id = $1 FOR UPDATE", &[&c.space])
                .await?;
        }
    }
    for c in creates {
        let key = c.key.code();
        let epoch = i64::from(c.epoch);
        if db.exists(EPOCH_TAKEN, &[&c.space, &key, &epoch]).await? {
            return Err(StorageError::Conflict);
        }
    }
    for c in commitments {
        let (key, epoch) = (c.key.code(), i64::from(c.epoch));
        let begun_for = serde_json::to_string(&c.begun_for)
            .map_err(|_| StorageError::Backend("could not encode".into()))?;
        db.execute(
            PUT_COMMITMENT,
            &[
                &c.space, &key, &epoch, &began_by, &c.commit, &c.sig, &begun_for,
            ],
        )
        .await?;
    }
    for e in envelopes {
        let (key, body) = (e.key.code(), envelope_json(e)?);
        db.execute(
            PUT_ENVELOPE,
            &[
                &e.space,
                &key,
                &i64::from(e.epoch),
                &e.recipient,
                &body,
                &now_ms,
                &e.from,
                &i64::from(e.from == e.recipient),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Drops the envelopes addressed to `recipient` at these epochs (its device
/// refused them), so that another holder gives them again.
pub(crate) async fn discard_envelopes(
    db: &mut Db<'_>,
    recipient: &str,
    at: &[EpochRef],
) -> Result<()> {
    for e in at {
        let (key, epoch) = (e.key.code(), i64::from(e.epoch));
        db.execute(DISCARD_ENVELOPE, &[&e.space, &key, &epoch, &recipient])
            .await?;
    }
    Ok(())
}

pub(crate) async fn envelopes_for(db: &mut Db<'_>, recipient: &str) -> Result<Vec<Envelope>> {
    db.query(ENVELOPES_FOR, &[&recipient])
        .await?
        .iter()
        .map(|r| parse_envelope(&r.text(0)?))
        .collect()
}

pub(crate) async fn epoch_recipients(db: &mut Db<'_>, space: &str) -> Result<Vec<EpochRecipients>> {
    let rows = db
        .query(EPOCH_RECIPIENTS, &[&space])
        .await?
        .iter()
        .map(|r| {
            let commitment = match (r.opt_text(3)?, r.opt_text(4)?, r.opt_text(5)?) {
                (Some(began_by), Some(commit), Some(sig)) => Some(EpochCommitment {
                    began_by,
                    commit,
                    sig,
                    // Before v16: begun for no one named.
                    begun_for: r
                        .opt_text(6)?
                        .and_then(|json| serde_json::from_str(&json).ok())
                        .unwrap_or_default(),
                }),
                _ => None,
            };
            Ok((r.text(0)?, r.int(1)?, r.text(2)?, commitment))
        })
        .collect::<Result<Vec<_>>>()?;
    group_epochs(rows)
}

/// One row of an epoch's recipients: key, epoch, recipient, commitment.
type RecipientRow = (String, i64, String, Option<EpochCommitment>);

/// Epochs with their recipients, from rows in (key, epoch, recipient)
/// order.
fn group_epochs(rows: Vec<RecipientRow>) -> Result<Vec<EpochRecipients>> {
    let mut out: Vec<EpochRecipients> = Vec::new();
    for (key, epoch, recipient, commitment) in rows {
        let (key, epoch) = (parse_key_name(&key)?, parse_epoch(epoch)?);
        match out.last_mut() {
            Some(last) if last.key == key && last.epoch == epoch => last.recipients.push(recipient),
            _ => out.push(EpochRecipients {
                key,
                epoch,
                recipients: vec![recipient],
                commitment,
            }),
        }
    }
    Ok(out)
}

fn parse_key_name(name: &str) -> Result<pph_protocol::sealed::KeyName> {
    pph_protocol::codes::parse(name)
        .ok_or_else(|| StorageError::Backend("unknown key in key_envelopes".into()))
}

fn envelope_json(e: &Envelope) -> Result<String> {
    serde_json::to_string(e).map_err(|_| StorageError::Backend("could not encode".into()))
}

fn parse_envelope(body: &str) -> Result<Envelope> {
    serde_json::from_str(body).map_err(|_| StorageError::Backend("bad envelope".into()))
}

fn parse_account_keys(body: &str) -> Result<AccountKeys> {
    serde_json::from_str(body).map_err(|_| StorageError::Backend("bad account keys".into()))
}
