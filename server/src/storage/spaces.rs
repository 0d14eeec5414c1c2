//! Spaces and who is in them: group spaces with their facilitators and
//! members, removals that keep a removed member out, and invite codes.

use super::db::{Db, Row};
use super::*;

/// A group space with its creator as facilitator. Run in a write
/// transaction.
pub(crate) async fn create_group_space(
    db: &mut Db<'_>,
    space: &str,
    owner: &str,
    founding: &str,
) -> Result<()> {
    db.execute(
        "INSERT INTO spaces (id, kind, owner) VALUES ($1, $2, $3)",
        &[&space, &name_of(&SpaceKind::Group), &owner],
    )
    .await?;
    db.execute(
        "INSERT INTO space_members (space, account_id, role, admission) VALUES ($1, $2, $3, $4)",
        &[&space, &owner, &name_of(&GroupRole::Facilitator), &founding],
    )
    .await?;
    Ok(())
}

pub(crate) async fn add_member(db: &mut Db<'_>, space: &str, account_id: &str) -> Result<()> {
    db.execute(
        "INSERT INTO space_members (space, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&space, &account_id],
    )
    .await?;
    Ok(())
}

pub(crate) async fn is_member(db: &mut Db<'_>, space: &str, account_id: &str) -> Result<bool> {
    db.exists(
        "SELECT 1 FROM space_members WHERE space = $1 AND account_id = $2",
        &[&space, &account_id],
    )
    .await
}

/// The spaces the account is a member of, by id, each with its
/// facilitators by id.
pub(crate) async fn member_spaces(db: &mut Db<'_>, account_id: &str) -> Result<Vec<SpaceInfo>> {
    let rows = db
        .query(
            "SELECT s.id, s.kind, s.owner, f.account_id
             FROM space_members m JOIN spaces s ON s.id = m.space
             LEFT JOIN space_members f ON f.space = s.id AND f.role = 'facilitator'
             WHERE m.account_id = $1 ORDER BY s.id, f.account_id",
            &[&account_id],
        )
        .await?;
    let mut out: Vec<SpaceInfo> = Vec::new();
    for r in &rows {
        let id = r.text(0)?;
        if out.last().is_none_or(|last| last.id != id) {
            out.push(SpaceInfo {
                id,
                kind: parse_name(&r.text(1)?, "spaces.kind")?,
                owner: r.text(2)?,
                facilitators: Vec::new(),
            });
        }
        if let (Some(space), Some(facilitator)) = (out.last_mut(), r.opt_text(3)?) {
            space.facilitators.push(facilitator);
        }
    }
    Ok(out)
}

/// The account's role in a space; None if not a member.
pub(crate) async fn member_role(
    db: &mut Db<'_>,
    space: &str,
    account_id: &str,
) -> Result<Option<GroupRole>> {
    db.query_opt(
        "SELECT role FROM space_members WHERE space = $1 AND account_id = $2",
        &[&space, &account_id],
    )
    .await?
    .map(|r| parse_name(&r.text(0)?, "space_members.role"))
    .transpose()
}

/// A member as its row reads: account, name, role in the group.
fn member(r: &Row) -> Result<Member> {
    Ok(Member {
        account_id: r.text(0)?,
        display_name: r.text(1)?,
        role: parse_name(&r.text(2)?, "space_members.role")?,
        admission: r.opt_text(3)?,
    })
}

pub(crate) async fn members(db: &mut Db<'_>, space: &str) -> Result<Vec<Member>> {
    db.query(
        "SELECT a.id, a.display_name, m.role, m.admission FROM space_members m
         JOIN accounts a ON a.id = m.account_id
         WHERE m.space = $1 ORDER BY m.role = 'member', a.display_name, a.id",
        &[&space],
    )
    .await?
    .iter()
    .map(member)
    .collect()
}

/// Ends a membership; false if there was none. Removed by someone else,
/// the account cannot rejoin until readmitted. The code they joined with
/// ends too: the members' devices take no one new through a code someone
/// left by (docs/adr/0020), so a newcomer let in by it would be a reader
/// no device wraps to, and the group's key could not turn over (the
/// twelfth attacker run). Run in a write transaction.
pub(crate) async fn remove_member(
    db: &mut Db<'_>,
    space: &str,
    account_id: &str,
    removed_by: &str,
    now_ms: i64,
) -> Result<bool> {
    // The code one joined with, and the codes one made (the members'
    // devices take no one new through an admission that ended either: the
    // thirteenth attacker run).
    db.execute(
        "UPDATE group_invites SET revoked_ms = $3
         WHERE space = $1 AND revoked_ms IS NULL AND (created_by = $2 OR verifier =
             (SELECT joined_with FROM space_members WHERE space = $1 AND account_id = $2))",
        &[&space, &account_id, &now_ms],
    )
    .await?;
    let removed = db
        .execute(
            "DELETE FROM space_members WHERE space = $1 AND account_id = $2",
            &[&space, &account_id],
        )
        .await?
        == 1;
    if removed && removed_by != account_id {
        db.execute(
            "INSERT INTO space_removals (space, account_id, removed_by, removed_ms)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&space, &account_id, &removed_by, &now_ms],
        )
        .await?;
    }
    Ok(removed)
}

pub(crate) async fn removed_members(db: &mut Db<'_>, space: &str) -> Result<Vec<Member>> {
    db.query(
        "SELECT a.id, a.display_name, CAST('member' AS TEXT), CAST(NULL AS TEXT)
         FROM space_removals r
         JOIN accounts a ON a.id = r.account_id
         WHERE r.space = $1 ORDER BY a.display_name, a.id",
        &[&space],
    )
    .await?
    .iter()
    .map(member)
    .collect()
}

pub(crate) async fn readmit(db: &mut Db<'_>, space: &str, account_id: &str) -> Result<bool> {
    let readmitted = db
        .execute(
            "DELETE FROM space_removals WHERE space = $1 AND account_id = $2",
            &[&space, &account_id],
        )
        .await?;
    Ok(readmitted == 1)
}

pub(crate) async fn create_invite(db: &mut Db<'_>, i: &Invite) -> Result<()> {
    db.execute(
        "INSERT INTO group_invites
             (code_hash, space, created_by, created_ms, expires_ms, invite, verifier)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &i.code_hash,
            &i.space,
            &i.created_by,
            &i.created_ms,
            &i.expires_ms,
            &i.invite,
            &i.verifier,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn revoke_invite(
    db: &mut Db<'_>,
    code_hash: &str,
    space: &str,
    now_ms: i64,
) -> Result<bool> {
    let revoked = db
        .execute(
            "UPDATE group_invites SET revoked_ms = $3
             WHERE code_hash = $1 AND space = $2 AND revoked_ms IS NULL",
            &[&code_hash, &space, &now_ms],
        )
        .await?;
    Ok(revoked == 1)
}

pub(crate) async fn ended_verifiers(db: &mut Db<'_>, space: &str) -> Result<Vec<String>> {
    db.query(
        "SELECT verifier FROM group_invites
         WHERE space = $1 AND revoked_ms IS NOT NULL AND verifier IS NOT NULL",
        &[&space],
    )
    .await?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// The invites that let someone join at `now_ms`: live, not revoked.
const LIVE_INVITE: &str = "SELECT space, invite, verifier FROM group_invites
     WHERE code_hash = $1 AND revoked_ms IS NULL AND expires_ms > $2";

pub(crate) async fn live_invite(
    db: &mut Db<'_>,
    code_hash: &str,
    now_ms: i64,
) -> Result<Option<String>> {
    match db.query_opt(LIVE_INVITE, &[&code_hash, &now_ms]).await? {
        Some(row) => row.opt_text(1),
        None => Ok(None),
    }
}

/// Joins the account to the invite's space, with the admission its device
/// signed, if the invite is live at `now_ms` and the account was not
/// removed from it; a member from before admissions gains this one. Run in
/// a write transaction.
pub(crate) async fn redeem_invite(
    db: &mut Db<'_>,
    code_hash: &str,
    account_id: &str,
    admission: &str,
    now_ms: i64,
) -> Result<Redeemed> {
    let Some(row) = db.query_opt(LIVE_INVITE, &[&code_hash, &now_ms]).await? else {
        return Ok(Redeemed::NoSuchCode);
    };
    let space = row.text(0)?;
    let joined_with = row.opt_text(2)?;
    let removed = db
        .exists(
            "SELECT 1 FROM space_removals WHERE space = $1 AND account_id = $2",
            &[&space, &account_id],
        )
        .await?;
    if removed {
        return Ok(Redeemed::Removed);
    }
    let members = db
        .query_opt(
            "SELECT count(*) FROM space_members WHERE space = $1 AND account_id <> $2",
            &[&space, &account_id],
        )
        .await?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let max = i64::try_from(pph_protocol::wire::MAX_GROUP_MEMBERS).unwrap_or(i64::MAX);
    if members >= max {
        return Ok(Redeemed::Full);
    }
    db.execute(
        "INSERT INTO space_members (space, account_id, admission, joined_with)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (space, account_id) DO UPDATE
             SET admission = excluded.admission, joined_with = excluded.joined_with
         WHERE space_members.admission IS NULL",
        &[&space, &account_id, &admission, &joined_with],
    )
    .await?;
    Ok(Redeemed::Joined(space))
}
