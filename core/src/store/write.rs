//! A write transaction that stamps and logs every changed field.

use super::entity::{store_row, upsert, upsert_sql, Entity};
use super::Identity;
use crate::error::Result;
use crate::store::change_log;
use pph_protocol::Hlc;
use rusqlite::Transaction;
use serde_json::{Map, Value};

pub(crate) struct WriteTx<'a> {
    pub(crate) tx: &'a Transaction<'a>,
    last_hlc: Hlc,
    now_ms: u64,
    identity: &'a Identity,
    /// Whether a stamp from elsewhere moved the clock (a pull).
    received: bool,
}

impl<'a> WriteTx<'a> {
    pub(super) fn new(
        tx: &'a Transaction<'a>,
        last_hlc: Hlc,
        now_ms: u64,
        identity: &'a Identity,
    ) -> Self {
        WriteTx {
            tx,
            last_hlc,
            now_ms,
            identity,
            received: false,
        }
    }

    /// This device's node id.
    pub(crate) fn node(&self) -> &str {
        &self.identity.node
    }

    /// The physical clock as this transaction began.
    pub(crate) fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The clock as this transaction leaves it, and whether it received a
    /// stamp from elsewhere.
    pub(super) fn finish(self) -> (Hlc, bool) {
        (self.last_hlc, self.received)
    }

    /// Stores `new` and logs what changed: a new record as one change holding
    /// every field (field `*`), an edit as one change per field that differs
    /// from `old`, each under a fresh clock stamp.
    pub(crate) fn save<E: Entity>(&mut self, space: &str, old: Option<&E>, new: &E) -> Result<()> {
        let Some(old) = old else {
            self.insert_new(space, &upsert_sql::<E>(), new)?;
            return new.reindex(self.tx, None);
        };
        let new_fields = fields(new)?;
        let old_fields = fields(old)?;
        let mut changed = false;
        for (field, value) in &new_fields {
            if old_fields.get(field) == Some(value) {
                continue;
            }
            self.judge(space, E::KIND, new.id(), field, value)?;
            let hlc = self.last_hlc.tick(self.now_ms)?;
            change_log::append(self.tx, space, E::KIND, new.id(), field, value, &hlc)?;
            self.last_hlc = hlc;
            changed = true;
        }
        if changed {
            upsert(self.tx, new, serde_json::to_string(new)?, Some(old))?;
        }
        Ok(())
    }

    /// Stores records that are all new, each logged as one whole-record
    /// change, then indexes them together (`Entity::index_new`).
    pub(crate) fn save_all_new<E: Entity>(&mut self, space: &str, new: &[E]) -> Result<()> {
        let sql = upsert_sql::<E>();
        let rowids = new
            .iter()
            .map(|e| self.insert_new(space, &sql, e))
            .collect::<Result<Vec<_>>>()?;
        E::index_new(self.tx, new, &rowids)
    }

    /// Logs a new record as one change holding every field and stores its
    /// row (not its derived rows); returns the rowid.
    fn insert_new<E: Entity>(&mut self, space: &str, sql: &str, new: &E) -> Result<i64> {
        // One serialisation serves as both the stored record and the change.
        let doc = serde_json::to_string(new)?;
        if space != self.identity.personal_space {
            let value: Value = serde_json::from_str(&doc)?;
            self.judge(space, E::KIND, new.id(), change_log::WHOLE_RECORD, &value)?;
        }
        let hlc = self.last_hlc.tick(self.now_ms)?;
        change_log::append_raw(
            self.tx,
            space,
            E::KIND,
            new.id(),
            change_log::WHOLE_RECORD,
            &doc,
            &hlc,
        )?;
        self.last_hlc = hlc;
        store_row(self.tx, sql, new, doc)
    }

    /// A write into a shared space is judged against the authorisation
    /// table first, as the server and the other members will judge it.
    fn judge(&self, space: &str, kind: &str, id: &str, field: &str, value: &Value) -> Result<()> {
        if space == self.identity.personal_space {
            return Ok(());
        }
        super::authz::judge_own_write(self.tx, space, kind, id, field, value)
    }

    /// Moves this node's clock past a remote stamp, so local edits made
    /// after seeing it order after it. Refuses stamps too far ahead.
    pub(crate) fn receive(&mut self, remote: &Hlc) -> Result<()> {
        self.last_hlc = self.last_hlc.receive(remote, self.now_ms)?;
        self.received = true;
        Ok(())
    }

    /// Saves into the person's own space.
    pub(crate) fn save_personal<E: Entity>(&mut self, old: Option<&E>, new: &E) -> Result<()> {
        let space = self.identity.personal_space.clone();
        self.save(&space, old, new)
    }

    /// `save_all_new` into the person's own space.
    pub(crate) fn save_all_new_personal<E: Entity>(&mut self, new: &[E]) -> Result<()> {
        let space = self.identity.personal_space.clone();
        self.save_all_new(&space, new)
    }
}

fn fields<E: Entity>(entity: &E) -> Result<Map<String, Value>> {
    match serde_json::to_value(entity)? {
        Value::Object(map) => Ok(map),
        _ => Err(crate::error::PphError::Internal {
            reason: format!("{} is not a record", E::KIND),
        }
        .into()),
    }
}
