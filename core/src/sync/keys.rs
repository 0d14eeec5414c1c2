//! The sync engine's keys: before every push, this device opens the
//! envelopes wrapped to its account and does what `key_plan` says for each
//! space it is a member of; a push seals each value under its space's
//! newest key; a pull opens each value before the merge judges it
//! (`opening.rs`).

use super::client::SyncEngine;
use super::key_plan::{floors_seen, plan, seals, share_floors, Here, KeyAction, Recipient};
use super::key_store::{self, Held};
use super::model::SyncReport;
use super::pins;
use super::trust::{self, Givers, Granted, Trust};
use crate::crypto::identity::{safety_number, Identity};
use crate::crypto::wrap::{wrap, AccountKeyPair};
use crate::crypto::{seal, Key32};
use crate::error::PphError;
use crate::net::Relay;
use pph_protocol::admission::founds;
use pph_protocol::kinds::SpaceKind;
use pph_protocol::sealed::{
    key_commit, AccountKeys, Commitment, DiscardEnvelopesRequest, Envelope, EpochRecipients,
    EpochRef, KeyName, KeysResponse, PublicIdentity, PutEnvelopesRequest, SpaceKeys,
};
use pph_protocol::wire::{SpaceAccess, SpacesResponse, MAX_PUSH_CHANGES};
use pph_protocol::Change;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Tries at beginning epochs before giving up on this sync (another device
/// may have begun the same one a moment earlier).
const KEY_ROUNDS: u32 = 3;

fn internal(reason: &str) -> PphError {
    PphError::Internal {
        reason: reason.to_owned(),
    }
}

/// This account as this device knows it: its key pair, the identity it
/// signs with, and the public identity others pin.
pub(crate) struct Me {
    pub pair: AccountKeyPair,
    pub identity: Identity,
    pub public: PublicIdentity,
}

impl Me {
    pub(crate) fn of(account_id: &str, pair: AccountKeyPair) -> Result<Me, PphError> {
        let identity =
            Identity::of(&pair).ok_or_else(|| internal("could not derive the identity"))?;
        let public = identity.public(account_id, &pair);
        Ok(Me {
            pair,
            identity,
            public,
        })
    }
}

/// What a sync of the keys leaves for the rest of the sync.
pub(crate) struct KeysSynced {
    /// The spaces whose key could not turn over, or whose current epoch
    /// (at or above this device's floor) is not held here yet: their
    /// outbox waits.
    pub blocked: BTreeSet<String>,
    /// Who may read this account's record, as its own grants say.
    pub granted: Granted,
}

/// The envelopes and epochs one space's actions make, and the keys begun.
#[derive(Default)]
struct Made {
    request: PutEnvelopesRequest,
    begun: Vec<(EpochRef, Key32)>,
}

/// `actions` carried out for `space`; `identities`, each trusted account's
/// identity, which a begun epoch's commitment names its recipients by.
fn carry_out(
    space: &SpaceKeys,
    actions: Vec<KeyAction>,
    held: &Held,
    me: &Me,
    identities: &BTreeMap<String, String>,
) -> Made {
    let mut made = Made::default();
    // A reader whose public key nothing can be wrapped to (one a broken
    // client or a relay put there) is passed over, as a reader without a
    // key is: everyone else's keys still turn over, and the reader is given
    // the epoch once its key is a key.
    let envelope = |secret: &Key32, key, epoch, to: &Recipient, made: &mut Made| {
        let wrapped = wrap(
            secret,
            &space.space,
            key,
            epoch,
            &to.account_id,
            &to.public_key,
        );
        made.request.envelopes.extend(wrapped.map(|mut e| {
            me.identity.sign(&me.public.account_id, &mut e);
            e
        }));
    };
    for action in actions {
        match action {
            KeyAction::Begin { key, epoch, to } => {
                let secret = Key32::random();
                for r in &to {
                    envelope(&secret, key, epoch, r, &mut made);
                }
                let commit = key_commit(&space.space, key, epoch, secret.bytes());
                // Those an envelope was made for (one whose key nothing can
                // be wrapped to is not), by identity.
                let mut begun_for: Vec<String> = made
                    .request
                    .envelopes
                    .iter()
                    .filter(|e| e.space == space.space && e.key == key && e.epoch == epoch)
                    .filter_map(|e| identities.get(&e.recipient).cloned())
                    .collect();
                begun_for.sort_unstable();
                begun_for.dedup();
                let sig =
                    me.identity
                        .sign_commitment(&space.space, key, epoch, &commit, &begun_for);
                made.request.commitments.push(Commitment {
                    space: space.space.clone(),
                    key,
                    epoch,
                    commit,
                    sig,
                    begun_for,
                });
                let at = EpochRef {
                    space: space.space.clone(),
                    key,
                    epoch,
                };
                made.request.creates.push(at.clone());
                made.begun.push((at, secret));
            }
            KeyAction::Give { key, epoch, to } => {
                if let Some(secret) = held.get(&(key, epoch)) {
                    envelope(secret, key, epoch, &to, &mut made);
                }
            }
        }
    }
    made
}

/// Whether the relay refused a key request for one space alone (a reader
/// or membership that changed meanwhile, another device first): the rest
/// of the sync carries on.
fn refused_here(e: &PphError) -> bool {
    matches!(
        e,
        PphError::Forbidden { .. } | PphError::Validation { .. } | PphError::Conflict { .. }
    )
}

/// `result` with such a refusal let pass: what it carried is tried again
/// at the next sync.
fn unless_refused(result: Result<(), PphError>) -> Result<(), PphError> {
    match result {
        Err(e) if refused_here(&e) => Ok(()),
        other => other,
    }
}

/// The epoch an envelope carries.
fn at(e: &Envelope) -> EpochRef {
    EpochRef {
        space: e.space.clone(),
        key: e.key,
        epoch: e.epoch,
    }
}

/// What the person is told of the keys and identities a sync set aside.
fn explain(trust: &Trust, refused: usize, report: &mut SyncReport) {
    if refused > 0 {
        let keys = if refused == 1 { "key" } else { "keys" };
        report.errors.push(format!(
            "{refused} {keys} set aside: not signed by an account this device trusts to give it"
        ));
    }
    for (account, _) in &trust.changed {
        report.errors.push(format!(
            "account {account} has a new identity: no key goes to or comes from it until \
             you compare safety numbers and accept the change"
        ));
    }
    for account in &trust.unchecked {
        report.errors.push(format!(
            "account {account}'s key cannot be checked (not signed by its identity, or its \
             identity claimed by another account too): nothing is wrapped to it"
        ));
    }
}

impl crate::groups::admission::Identified for SyncEngine {
    fn identity(&self) -> Result<(String, Identity), PphError> {
        let me = self.me()?;
        Ok((me.public.account_id, me.identity))
    }
}

impl SyncEngine {
    /// This account's key pair on this device.
    pub(crate) fn account_pair(&self) -> Result<AccountKeyPair, PphError> {
        self.account_keys_here().map(|(pair, _)| pair)
    }

    /// This account's key pair on this device, with its sealed copies.
    pub(crate) fn account_keys_here(&self) -> Result<(AccountKeyPair, AccountKeys), PphError> {
        self.store
            .read(key_store::account_key)?
            .ok_or_else(|| PphError::Forbidden {
                reason: "this device has no keys for the account: sign in again".into(),
            })
    }

    /// This account, its keys and identity, as this device holds them.
    pub(crate) fn me(&self) -> Result<Me, PphError> {
        Me::of(&self.store.me()?.account_id, self.account_pair()?)
    }

    /// The safety number this account and `account_id` compare, and whether
    /// the person marked it verified; None until a sync has shown this
    /// device that account's identity.
    pub(crate) fn safety_number(
        &self,
        account_id: &str,
    ) -> Result<Option<(String, bool)>, PphError> {
        let Some((theirs, verified)) = self.store.read(|c| pins::pinned(c, account_id))? else {
            return Ok(None);
        };
        let me = self.me()?;
        let digits = safety_number(
            (&me.public.account_id, &me.public.identity),
            (account_id, &theirs),
        );
        Ok(Some((digits, verified)))
    }

    /// Pins what is new, notes what changed, and keeps the keys of the new
    /// envelopes `trust` accepts. Returns how many it refused for the first
    /// time (each is reported once), and
    /// the envelopes that keep each epoch held here under this account's
    /// own signature where the relay has one from someone else (so no
    /// sender's deletion, and no relay, stands between this account's
    /// next device and the history it read).
    fn take_envelopes(
        &self,
        me: &Me,
        trust: &Trust,
        givers: &Givers,
        keyed: &[SpaceKeys],
        view: &KeysResponse,
    ) -> Result<(usize, Vec<Envelope>, Vec<EpochRef>), PphError> {
        let personal = self.store.personal_space();
        let now = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
        let mine = &me.public.account_id;
        let mut refused = 0;
        let mut rehome = Vec::new();
        // Refused group envelopes addressed here, to drop on the relay so
        // that another holder gives the epoch again.
        let mut discard = Vec::new();
        let member_of: BTreeSet<&str> = keyed.iter().map(|s| s.space.as_str()).collect();
        let groups: HashMap<&str, &[EpochRecipients]> = keyed
            .iter()
            .filter(|s| s.kind == SpaceKind::Group)
            .map(|s| (s.space.as_str(), s.epochs.as_slice()))
            .collect();
        self.store.write(|tx| {
            pins::keep_seen(tx.tx, trust, now)?;
            let mut held: HashMap<String, Held> = HashMap::new();
            for e in view.envelopes.iter().filter(|e| &e.recipient == mine) {
                if !held.contains_key(&e.space) {
                    held.insert(e.space.clone(), key_store::held(tx.tx, &e.space)?);
                }
                // The first key kept for an epoch stays: a later envelope
                // for it, trusted or not, changes nothing.
                let kept = held.get(&e.space).and_then(|h| h.get(&(e.key, e.epoch)));
                let secret = match kept {
                    Some(secret) => secret.clone(),
                    None if !trust.accepts(mine, &personal, givers, e) => {
                        if pins::refuse(tx.tx, e, false, now)? {
                            refused += 1;
                        }
                        if groups.contains_key(e.space.as_str()) {
                            discard.push(at(e));
                        }
                        continue;
                    }
                    // From an entitled, trusted sender: its key must open
                    // and, for a group, be the one committed to; if not, the
                    // refusal is kept as proof (when the sender began the
                    // epoch) that its key will never come.
                    None => match me.pair.unwrap(e) {
                        // A group's key from another member must be the one
                        // its epoch's beginner committed to.
                        Ok(secret)
                            if &e.from != mine
                                && groups.get(e.space.as_str()).is_some_and(|epochs| {
                                    !trust.committed(epochs, e, secret.bytes())
                                }) =>
                        {
                            if pins::refuse(tx.tx, e, true, now)? {
                                refused += 1;
                            }
                            discard.push(at(e));
                            continue;
                        }
                        Ok(secret) => {
                            key_store::save_space_key(tx.tx, &e.space, e.key, e.epoch, &secret)?;
                            secret
                        }
                        // One that does not open for this key pair.
                        Err(_) => {
                            if pins::refuse(tx.tx, e, true, now)? {
                                refused += 1;
                            }
                            if groups.contains_key(e.space.as_str()) {
                                discard.push(at(e));
                            }
                            continue;
                        }
                    },
                };
                // Only where this account is a member: a clinician's keys
                // come from the patient, whose share ends with them.
                if &e.from != mine && member_of.contains(e.space.as_str()) {
                    let own = wrap(
                        &secret,
                        &e.space,
                        e.key,
                        e.epoch,
                        mine,
                        &me.public.public_key,
                    );
                    rehome.extend(own.map(|mut own| {
                        me.identity.sign(mine, &mut own);
                        own
                    }));
                }
            }
            Ok(())
        })?;
        Ok((refused, rehome, discard))
    }

    /// Opens the new envelopes this device trusts, then begins, turns over
    /// and hands out keys to the readers it trusts. Returns the spaces whose
    /// key could not turn over (the relay refused the new epoch: nothing
    /// is sealed there under the key it should have replaced, and what is
    /// written there waits on this device while the rest syncs), and the
    /// clinicians a grant this account signed lets read its record now.
    pub(crate) async fn sync_keys(
        &self,
        relay: &dyn Relay,
        token: &str,
        spaces: &SpacesResponse,
        report: &mut SyncReport,
    ) -> Result<KeysSynced, PphError> {
        let me = self.me()?;
        let personal = self.store.personal_space();
        let now = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
        // The patients sharing with this account, by space: a key of one
        // of their records comes from that patient alone.
        let shared: Vec<(String, String)> = spaces
            .spaces
            .iter()
            .filter(|s| matches!(s.access, SpaceAccess::Shared { .. }))
            .map(|s| (s.space.clone(), s.owner.clone()))
            .collect();
        let mut blocked = BTreeSet::new();
        let mut granted = Granted::new();
        for round in 1..=KEY_ROUNDS {
            let view = relay.keys(token).await?;
            let pinned = self.store.read(pins::pins)?;
            let trust = trust::judge(&me.public, &pinned, &view.identities);
            let identities: BTreeMap<String, String> = trust
                .trusted
                .iter()
                .map(|(account, t)| (account.clone(), t.identity.clone()))
                .collect();
            // The spaces this device keys: its own personal space and its
            // groups. Another person's record (shared with this clinician,
            // or listed here by a relay that lies) is keyed by that
            // person's devices alone: nothing of it is begun, given or
            // kept again from here.
            let keyed: Vec<SpaceKeys> = view
                .spaces
                .iter()
                .filter(|s| !shared.iter().any(|(space, _)| space == &s.space))
                .filter(|s| match s.kind {
                    SpaceKind::Group => true,
                    SpaceKind::Personal => s.space == personal,
                })
                .cloned()
                .collect();
            // A group's readers are those this device can check were
            // admitted: no key goes to, or is taken from, anyone else.
            let mut unadmitted = Vec::new();
            let mut waived: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            let mut groups = Vec::new();
            for s in keyed {
                if s.kind != SpaceKind::Group {
                    groups.push(s);
                    continue;
                }
                let kept = self.store.read(|c| pins::kept_members(c, &s.space))?;
                let admitted = trust.admitted(&me.public.account_id, &s, &kept);
                // An admission that ended is never taken again here, and
                // nothing is sealed again under an epoch held here while
                // its member was one (whoever the relay says it reached),
                // nor under one the relay says reached them, begun (as its
                // beginner signed) by a member.
                if !admitted.ended.is_empty() || !admitted.new.is_empty() {
                    let held: BTreeSet<(KeyName, u32)> = self
                        .store
                        .read(|c| key_store::held(c, &s.space))?
                        .into_keys()
                        .collect();
                    let leavers: BTreeSet<&str> = kept
                        .current
                        .iter()
                        .filter(|(_, key)| admitted.ended.contains(key))
                        .map(|(account, _)| account.as_str())
                        .collect();
                    let leaving: BTreeSet<&str> = admitted
                        .ended
                        .iter()
                        .filter_map(|key| key.split_once(' ').map(|(identity, _)| identity))
                        .collect();
                    let begun_for_a_leaver = |e: &EpochRecipients| {
                        e.commitment.as_ref().is_some_and(|c| {
                            c.begun_for.iter().any(|id| leaving.contains(id.as_str()))
                        })
                    };
                    let newest = trust
                        .vouched(&s, &held)
                        .epochs
                        .iter()
                        .filter(|e| e.key == KeyName::Group)
                        .filter(|e| {
                            begun_for_a_leaver(e)
                                || e.recipients.iter().any(|r| leavers.contains(r.as_str()))
                        })
                        .map(|e| e.epoch)
                        .chain(held.iter().map(|(_, epoch)| *epoch))
                        .max()
                        .unwrap_or(0);
                    self.store.write(|tx| {
                        pins::keep_members(tx.tx, &s.space, &admitted.ended, &admitted.new, now)?;
                        if admitted.ended.is_empty() {
                            return Ok(());
                        }
                        let floor = u64::from(newest) + 1;
                        key_store::raise_floor(tx.tx, &s.space, KeyName::Group, floor)
                    })?;
                }
                unadmitted.extend(admitted.dropped.into_iter().map(|a| (s.space.clone(), a)));
                waived.insert(s.space.clone(), admitted.waived);
                groups.push(admitted.space);
            }
            let keyed = groups;
            let givers = trust::givers(&keyed, &shared);
            let (refused, rehome, discard) =
                self.take_envelopes(&me, &trust, &givers, &keyed, &view)?;
            if !discard.is_empty() {
                // Best effort, as the re-homing below: tried again next sync.
                let dropped = relay
                    .discard_envelopes(token, &DiscardEnvelopesRequest { envelopes: discard })
                    .await;
                unless_refused(dropped)?;
            }
            let own = Made {
                request: PutEnvelopesRequest {
                    envelopes: rehome,
                    ..PutEnvelopesRequest::default()
                },
                begun: Vec::new(),
            };
            // The keys are kept here already: a refusal (a membership that
            // changed meanwhile) is tried again at the next sync.
            unless_refused(self.publish(relay, token, own).await)?;
            let mut conflict = false;
            let mut ungranted = Vec::new();
            let mut failed = Vec::new();
            let mut below_floor = Vec::new();
            blocked.clear();
            for space in &keyed {
                let space = if space.kind == SpaceKind::Personal {
                    let (_, ended) = self
                        .store
                        .read(|c| key_store::seen_grants(c, &space.space))?;
                    let (readers, dropped) =
                        trust.granted(&me.public.account_id, space, now, &ended);
                    ungranted = dropped;
                    granted = readers
                        .readers
                        .iter()
                        .filter(|r| r.account_id != me.public.account_id)
                        .map(|r| (r.account_id.clone(), r.keys.iter().copied().collect()))
                        .collect();
                    self.keep_granted(&readers)?;
                    readers
                } else {
                    space.clone()
                };
                let held = self.store.read(|c| key_store::held(c, &space.space))?;
                let holding: BTreeSet<(KeyName, u32)> = held.keys().copied().collect();
                let space = trust.vouched(&trust.checked_readers(&space), &holding);
                let waived = waived.remove(&space.space).unwrap_or_default();
                let may_hold = space
                    .readers
                    .iter()
                    .map(|r| &r.account_id)
                    .chain(&waived)
                    .filter_map(|account| identities.get(account).cloned())
                    .collect();
                // A key's first epoch is begun by the space's own: the
                // person, or the group's founder (the id names them).
                let begins_first = space.kind == SpaceKind::Personal
                    || space.admissions.iter().any(|a| {
                        a.account_id == me.public.account_id
                            && a.identity == me.public.identity
                            && founds(&space.space, a)
                    });
                let mut here = Here {
                    held: holding,
                    waived,
                    floors: self.store.read(|c| key_store::floors(c, &space.space))?,
                    may_hold,
                    begins_first,
                };
                let seen = floors_seen(&space, &here);
                if seen.iter().any(|(key, f)| here.floors.get(key) < Some(f)) {
                    self.store.write(|tx| {
                        seen.iter().try_for_each(|(key, floor)| {
                            key_store::raise_floor(tx.tx, &space.space, *key, *floor)
                        })
                    })?;
                    for (key, floor) in seen {
                        let kept = here.floors.entry(key).or_default();
                        *kept = (*kept).max(floor);
                    }
                }
                let made = carry_out(&space, plan(&space, &here), &held, &me, &identities);
                let begins = !made.request.creates.is_empty();
                let published = self.publish(relay, token, made).await;
                // What is written here is sealed only under an epoch at or
                // above the floor (`seals`), once one is held.
                here.held = self
                    .store
                    .read(|c| key_store::held(c, &space.space))?
                    .into_keys()
                    .collect();
                if !KeyName::of_space(space.kind)
                    .iter()
                    .all(|key| seals(&here, *key))
                {
                    if !here.held.is_empty() {
                        below_floor.push(space.space.clone());
                    }
                    blocked.insert(space.space.clone());
                }
                match published {
                    Err(PphError::Conflict { .. }) if round < KEY_ROUNDS => conflict = true,
                    // Refused for this space alone (a reader the relay
                    // names that this device will not wrap to, another
                    // device first, a membership changed): the rest syncs.
                    Err(e) if refused_here(&e) => {
                        if begins {
                            blocked.insert(space.space.clone());
                        }
                        failed.push((space.space.clone(), e));
                    }
                    other => other?,
                }
            }
            if !conflict || round == KEY_ROUNDS {
                explain(&trust, refused, report);
                for account in &ungranted {
                    report.errors.push(format!(
                        "account {account} is named a reader of your record by a share your \
                         devices did not sign: nothing is wrapped to it"
                    ));
                }
                for (space, account) in &unadmitted {
                    report.errors.push(format!(
                        "account {account} is listed in group {space} without an admission \
                         this device can check (or with one it saw end): nothing is wrapped to \
                         it or taken from it"
                    ));
                }
                for (space, e) in failed {
                    let waits = if blocked.contains(&space) {
                        ": what is written there waits on this device"
                    } else {
                        ""
                    };
                    report.errors.push(format!(
                        "the keys of space {space} could not be handed out ({e}){waits}"
                    ));
                }
                for space in below_floor {
                    report.errors.push(format!(
                        "what is written in space {space} waits on this device for a key no one \
                         who has left may hold: it is sent once a member's device turns the key \
                         over"
                    ));
                }
                break;
            }
        }
        Ok(KeysSynced { blocked, granted })
    }

    /// Keeps the clinicians granted each key of this account's record
    /// now; for each key someone no longer reads (a share revoked, expired
    /// or narrowed), raises its floor above every epoch held here, which
    /// they may hold whatever recipients the relay serves (docs/adr/0021).
    /// The shares in force now are kept too, and those no longer in force
    /// marked ended, never to be taken again (`Trust::granted`).
    fn keep_granted(&self, readers: &SpaceKeys) -> Result<(), PphError> {
        let space = readers.space.as_str();
        let in_force: BTreeSet<String> =
            readers.grants.iter().map(|g| g.share_id.clone()).collect();
        let before = self.store.read(|c| key_store::granted_before(c, space))?;
        let held: BTreeSet<(KeyName, u32)> = self
            .store
            .read(|c| key_store::held(c, space))?
            .into_keys()
            .collect();
        let (now, floors) = share_floors(&before, &readers.grants, &held);
        let (live, _) = self.store.read(|c| key_store::seen_grants(c, space))?;
        if before == now && live == in_force {
            return Ok(());
        }
        self.store.write(|tx| {
            for (key, floor) in &floors {
                key_store::raise_floor(tx.tx, space, *key, *floor)?;
            }
            key_store::keep_grants(tx.tx, space, &in_force)?;
            key_store::keep_granted(tx.tx, space, &now)
        })?;
        Ok(())
    }

    /// Sends what one space's actions made: the epochs begun with their
    /// envelopes in one request, then the rest in bounded ones. A begun key
    /// is kept here only once the relay took it.
    async fn publish(&self, relay: &dyn Relay, token: &str, made: Made) -> Result<(), PphError> {
        let Made { request, begun } = made;
        let commitments = request.commitments;
        let (first, rest): (Vec<_>, Vec<_>) = request
            .envelopes
            .into_iter()
            .partition(|e| request.creates.iter().any(|c| e.is_for(c)));
        if !request.creates.is_empty() {
            relay
                .put_envelopes(
                    token,
                    &PutEnvelopesRequest {
                        envelopes: first,
                        creates: request.creates,
                        commitments,
                    },
                )
                .await?;
            self.store.write(|tx| {
                for (at, secret) in &begun {
                    key_store::save_space_key(tx.tx, &at.space, at.key, at.epoch, secret)?;
                }
                Ok(())
            })?;
        }
        for chunk in rest.chunks(MAX_PUSH_CHANGES) {
            relay
                .put_envelopes(
                    token,
                    &PutEnvelopesRequest {
                        envelopes: chunk.to_vec(),
                        ..PutEnvelopesRequest::default()
                    },
                )
                .await?;
        }
        Ok(())
    }

    /// The batch with every value sealed under its space's newest key held
    /// here and signed by this account's identity; a change whose key has
    /// not reached this device yet (a group just joined) is left out and
    /// stays in the outbox.
    pub(crate) fn seal_batch(
        &self,
        batch: Vec<Change>,
        blocked: &BTreeSet<String>,
    ) -> Result<Vec<Change>, PphError> {
        let mut keys: HashMap<String, Held> = HashMap::new();
        // Derived once, and only when there is something to sign.
        let mut me: Option<Me> = None;
        let mut sealed = Vec::with_capacity(batch.len());
        for c in batch.into_iter().filter(|c| !blocked.contains(&c.space)) {
            if !keys.contains_key(&c.space) {
                let held = self.store.read(|conn| key_store::held(conn, &c.space))?;
                keys.insert(c.space.clone(), held);
            }
            let Some(key) = KeyName::for_kind(&c.entity_type) else {
                continue;
            };
            let latest = keys
                .get(&c.space)
                .and_then(|held| key_store::latest(held, key));
            if let Some((epoch, secret)) = latest {
                let me = match &mut me {
                    Some(me) => &*me,
                    slot @ None => &*slot.insert(self.me()?),
                };
                let signed = seal::seal(&c, key, epoch, secret)
                    .and_then(|s| me.identity.sign_change(&me.public.account_id, s))
                    .ok_or_else(|| internal("could not seal a change"))?;
                sealed.push(signed);
            }
        }
        Ok(sealed)
    }

    /// `change` sealed as this device would push it; None without a key
    /// for its space here. What any member's own device can make (so tests
    /// forge with it what a malicious member would send), and all a relay
    /// cannot: it holds no key.
    pub fn seal_as_this_device(&self, change: &Change) -> Result<Option<Change>, PphError> {
        Ok(self
            .seal_batch(vec![change.clone()], &BTreeSet::new())?
            .pop())
    }

    /// `change`, already sealed (by anyone), signed as this account signs
    /// what it writes; None if its value is not sealed. What a member's own
    /// device can sign: tests forge with it what a malicious member sends.
    pub fn sign_as_this_device(&self, change: Change) -> Result<Option<Change>, PphError> {
        let me = self.me()?;
        Ok(me.identity.sign_change(&me.public.account_id, change))
    }

    /// A change as this device would open it from a pull; None if it does
    /// not open here (no key for it, or altered). What a device that kept
    /// its keys can read of a relay's raw rows.
    pub fn open_as_this_device(&self, change: &Change) -> Result<Option<Change>, PphError> {
        let held = self.held_for(&change.space)?;
        Ok(crate::crypto::seal::open(change, |key, epoch| held.get(&(key, epoch)).cloned()).ok())
    }

    /// Every key epoch held for a space (a clinician's for a patient's
    /// space too: its envelopes came to the clinician's own store).
    pub(crate) fn held_for(&self, space: &str) -> Result<Held, PphError> {
        Ok(self.store.read(|c| key_store::held(c, space))?)
    }
}
