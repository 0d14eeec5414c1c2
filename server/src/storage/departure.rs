//! Deleting an account on the relay: the facts `deletion::plan` needs,
//! read inside the deleting transaction, and the plan's statements run in
//! it; and the audit that finds any table still naming an account.

use super::db::{Arg, Db, ToArg};
use super::deletion::{self, Param};
use super::*;

impl ToArg for Param {
    fn arg(&self) -> Arg<'_> {
        match self {
            Param::Text(s) => Arg::Text(s),
            Param::Int(i) => Arg::Int(*i),
        }
    }
}

/// Deletes the account and everything of it as `deletion::plan` says;
/// None: no such account. Run in a write transaction. On PostgreSQL the
/// account's and its groups' rows are locked first, as a push locks its
/// spaces; SQLite has one writer.
pub(crate) async fn delete_account(db: &mut Db<'_>, id: &str) -> Result<Option<AccountDeleted>> {
    let lock = if db.is_postgres() { " FOR UPDATE" } else { "" };
    let departing = format!("SELECT email, personal_space FROM accounts WHERE id = $1{lock}");
    let Some(row) = db.query_opt(&departing, &[&id]).await? else {
        return Ok(None);
    };
    let who = deletion::Departing {
        id: id.to_owned(),
        email: row.text(0)?,
        personal_space: row.text(1)?,
    };
    let spaces = db.query(deletion::GROUPS_OF, &[&id]).await?;
    let numbering = format!("SELECT owner, next_seq FROM spaces WHERE id = $1{lock}");
    let mut groups = Vec::new();
    for space in spaces {
        let space = space.text(0)?;
        // Numbering waits for whoever holds the space, as a push does.
        let held = db
            .query_opt(&numbering, &[&space])
            .await?
            .ok_or_else(|| StorageError::Backend("a group went during deletion".into()))?;
        let others = db
            .query(deletion::OTHER_MEMBERS, &[&space, &id])
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, parse_name(&r.text(1)?, "space_members.role")?)))
            .collect::<Result<_>>()?;
        let naming = db
            .query(deletion::NAMING_RECORDS, &[&space, &id])
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?, r.opt_text(2)?)))
            .collect::<Result<_>>()?;
        groups.push(deletion::GroupFacts {
            id: space,
            owner: held.text(0)?,
            next_seq: held.int(1)?,
            others,
            naming,
        });
    }
    let mut plan = deletion::plan(&who, &groups);
    for step in std::mem::take(&mut plan.steps) {
        let args: Vec<&(dyn ToArg + Sync)> = step.params.iter().map(|p| p as _).collect();
        let rows = db.execute(step.sql, &args).await?;
        if let Some(tally) = step.tally {
            plan.add(tally, rows);
        }
    }
    Ok(Some(plan.receipt))
}

/// The tables holding a row in which `needle` appears in any column, by
/// name: each backend's catalogue and text search, side by side.
pub(crate) async fn tables_naming(db: &mut Db<'_>, needle: &str) -> Result<Vec<String>> {
    let tables = if db.is_postgres() {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
         ORDER BY table_name"
    } else {
        "SELECT name FROM sqlite_schema
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    };
    let tables = db
        .query(tables, &[])
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<Vec<_>>>()?;
    let mut naming = Vec::new();
    for table in tables {
        let any_column = if db.is_postgres() {
            // A whole row as text.
            "strpos(CAST(t AS TEXT), $1) > 0".to_owned()
        } else {
            db.query("SELECT name FROM pragma_table_info($1)", &[&table])
                .await?
                .iter()
                .map(|r| Ok(format!("instr(CAST(t.\"{}\" AS TEXT), $1) > 0", r.text(0)?)))
                .collect::<Result<Vec<_>>>()?
                .join(" OR ")
        };
        let sql = format!("SELECT 1 FROM \"{table}\" t WHERE {any_column} LIMIT 1");
        if db.exists(&sql, &[&needle]).await? {
            naming.push(table);
        }
    }
    Ok(naming)
}
