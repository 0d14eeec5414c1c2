//! A timebank inside a peer group (`companion.timebank()`): offers and
//! requests the whole group sees; exchanges of time between two members,
//! pending until the receiver confirms them, which only the two of them and
//! the facilitators receive; balances summed from confirmed exchanges,
//! within the limits the group sets. Everything works offline and settles
//! when both phones have synced.

pub(crate) mod ledger;
pub mod model;
pub(crate) mod store;

use crate::care_plan::model::Goal;
use crate::clock::Clock;
use crate::error::{self, PphError};
use crate::groups::model::Group;
use crate::groups::require_facilitator;
use crate::ids::{check_id, new_id};
use crate::paging::{check_limit, next, Cursor};
use crate::store::{load, load_required, Store};
use crate::time::{from_ms, whole_ms};
use ledger::{Entry, Limits};
use model::*;
use rusqlite::Connection;
use std::sync::Arc;

#[derive(uniffi::Object)]
pub struct Timebank {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
}

impl Timebank {
    pub(crate) fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Self {
        Timebank { store, clock }
    }

    fn group(&self, group_id: &str) -> Result<Group, PphError> {
        check_id("group_id", group_id)?;
        Ok(self
            .store
            .read(|conn| load_required::<Group>(conn, group_id))?)
    }

    fn exchange(&self, exchange_id: &str) -> Result<Exchange, PphError> {
        check_id("exchange_id", exchange_id)?;
        Ok(self
            .store
            .read(|conn| load_required::<Exchange>(conn, exchange_id))?)
    }

    /// The group's settings, if its timebank is on.
    fn open_timebank(conn: &Connection, group_id: &str) -> error::Result<TimebankSettings> {
        match load::<TimebankSettings>(conn, &store::settings_id(group_id))? {
            Some(s) if s.on => Ok(s),
            _ => Err(PphError::validation(
                "group_id",
                "this group's timebank is off; a facilitator turns it on",
            )
            .into()),
        }
    }

    fn view(conn: &Connection, e: Exchange, me: &str) -> error::Result<ExchangeView> {
        let state = e.state();
        let pending = state == ExchangeState::Pending;
        let can_reverse = state == ExchangeState::Confirmed
            && e.receiver_id == me
            && !store::is_reversed(conn, &e.id)?;
        let minutes = i64::from(e.minutes);
        Ok(ExchangeView {
            my_minutes: if e.giver_id == me {
                minutes
            } else if e.receiver_id == me {
                -minutes
            } else {
                0
            },
            can_confirm: pending && e.receiver_id == me,
            can_withdraw: pending && e.giver_id == me,
            can_reverse,
            state,
            recorded_at: from_ms(e.created_at_ms),
            id: e.id,
            group_id: e.group_id,
            giver_id: e.giver_id,
            giver_name: e.giver_name,
            receiver_id: e.receiver_id,
            receiver_name: e.receiver_name,
            minutes: e.minutes,
            category: e.category,
            on_date: e.on_date,
            note: e.note,
            post_id: e.post_id,
            reverses: e.reverses,
        })
    }

    fn limits(settings: &TimebankSettings) -> Limits {
        Limits {
            lower: settings.lower_limit_minutes,
            upper: settings.upper_limit_minutes,
        }
    }

    fn balance_of(entries: &[Entry], who: &str) -> i64 {
        ledger::balances(entries).get(who).copied().unwrap_or(0)
    }

    /// Saves a new exchange `me` gives, once the limits allow it.
    fn give(&self, exchange: Exchange, check_limits: bool) -> Result<ExchangeView, PphError> {
        let me = exchange.giver_id.clone();
        Ok(self.store.write(|tx| {
            let settings = Self::open_timebank(tx.tx, &exchange.group_id)?;
            if check_limits {
                let mine = store::ledger_of(tx.tx, &exchange.group_id, &me)?;
                ledger::check_giving(
                    Self::limits(&settings),
                    Self::balance_of(&mine, &me),
                    ledger::pending_given(&mine, &me),
                    exchange.minutes,
                )?;
            }
            tx.save(&exchange.group_id, None, &exchange)?;
            Self::view(tx.tx, exchange.clone(), &me)
        })?)
    }

    /// Sets one of the two fields an exchange's parties set, once.
    fn settle(
        &self,
        exchange_id: &str,
        set: impl Fn(&Exchange, &str, u64) -> Result<Exchange, PphError>,
    ) -> Result<ExchangeView, PphError> {
        let me = self.store.me()?.account_id;
        let now = self.clock.now_ms();
        check_id("exchange_id", exchange_id)?;
        Ok(self.store.write(|tx| {
            let old: Exchange = load_required(tx.tx, exchange_id)?;
            let new = set(&old, &me, now)?;
            if new.confirmed_at_ms.is_some() && old.confirmed_at_ms.is_none() {
                // The receiver's own balance is theirs to see whole.
                if let Some(settings) =
                    load::<TimebankSettings>(tx.tx, &store::settings_id(&old.group_id))?
                {
                    let mine = store::ledger_of(tx.tx, &old.group_id, &me)?;
                    ledger::check_receiving(
                        Self::limits(&settings),
                        Self::balance_of(&mine, &me),
                        old.minutes,
                    )?;
                }
            }
            tx.save(&old.group_id, Some(&old), &new)?;
            Self::view(tx.tx, new, &me)
        })?)
    }
}

impl Timebank {
    fn page(
        &self,
        limit: u32,
        before: Option<String>,
        query: impl Fn(&Connection, &str, (i64, &str)) -> error::Result<Vec<Exchange>>,
    ) -> Result<ExchangePage, PphError> {
        check_limit(limit)?;
        let cursor = Cursor::parse(before.as_deref())?;
        let me = self.store.me()?.account_id;
        let exchanges = self.store.read(|conn| {
            query(conn, &me, Cursor::bound(cursor.as_ref()))?
                .into_iter()
                .map(|e| Self::view(conn, e, &me))
                .collect::<error::Result<Vec<_>>>()
        })?;
        let next = next(&exchanges, limit, |e| Cursor {
            at_ms: crate::time::ms_i64(e.recorded_at),
            id: e.id.clone(),
        });
        Ok(ExchangePage { exchanges, next })
    }
}

#[uniffi::export]
impl Timebank {
    /// Turns the group's timebank on or off and sets its limits;
    /// facilitators only.
    pub fn set_rules(
        &self,
        group_id: String,
        rules: TimebankRules,
    ) -> Result<TimebankSettings, PphError> {
        rules.validate()?;
        self.group(&group_id)?;
        let me = require_facilitator(&self.store, &group_id)?;
        let id = store::settings_id(&group_id);
        Ok(self.store.write(|tx| {
            let old: Option<TimebankSettings> = load(tx.tx, &id)?;
            let new = TimebankSettings {
                id: id.clone(),
                group_id: group_id.clone(),
                on: rules.on,
                lower_limit_minutes: rules.lower_limit_minutes,
                upper_limit_minutes: rules.upper_limit_minutes,
                set_by: me.clone(),
                totals: old.as_ref().and_then(|o| o.totals.clone()),
            };
            tx.save(&group_id, old.as_ref(), &new)?;
            Ok(new)
        })?)
    }

    /// Shares the group's totals (time given, exchanges, members taking
    /// part) as this facilitator's device sees them: every exchange.
    pub fn share_totals(&self, group_id: String) -> Result<TimebankSettings, PphError> {
        let me = require_facilitator(&self.store, &group_id)?;
        let now = self.clock.now_ms();
        Ok(self.store.write(|tx| {
            let old = Self::open_timebank(tx.tx, &group_id)?;
            let entries = store::ledger(tx.tx, &group_id)?;
            let confirmed: Vec<&Entry> = entries
                .iter()
                .filter(|e| ExchangeState::of(e.confirmed, e.withdrawn) == ExchangeState::Confirmed)
                .collect();
            let members: std::collections::BTreeSet<&str> = confirmed
                .iter()
                .flat_map(|e| [e.giver.as_str(), e.receiver.as_str()])
                .collect();
            let new = TimebankSettings {
                set_by: me.clone(),
                totals: Some(TimebankTotals {
                    minutes: confirmed.iter().map(|e| e.minutes).sum(),
                    exchanges: store::confirmed_count(tx.tx, &group_id)?,
                    members: members.len() as u32,
                    as_of: whole_ms(from_ms(now)),
                }),
                ..old.clone()
            };
            tx.save(&group_id, Some(&old), &new)?;
            Ok(new)
        })?)
    }

    /// Posts an offer or a request to the group.
    pub fn post(&self, group_id: String, new: NewPost) -> Result<TimebankPost, PphError> {
        new.validate()?;
        self.group(&group_id)?;
        let me = self.store.me()?;
        Ok(self.store.write(|tx| {
            Self::open_timebank(tx.tx, &group_id)?;
            if let Some(goal) = &new.goal_id {
                check_id("goal_id", goal)?;
                load::<Goal>(tx.tx, goal)?.ok_or_else(|| {
                    PphError::validation("goal_id", "not one of your care-plan goals")
                })?;
            }
            let post = TimebankPost {
                id: new_id(),
                group_id: group_id.clone(),
                author_id: me.account_id.clone(),
                author_name: me.display_name.clone(),
                kind: new.kind,
                category: new.category,
                text: new.text.trim().to_owned(),
                goal_id: new.goal_id.clone(),
                created_at: whole_ms(from_ms(self.clock.now_ms())),
                closed: false,
            };
            tx.save(&group_id, None, &post)?;
            Ok(post)
        })?)
    }

    /// Takes an offer or request down (its author, or a facilitator).
    pub fn close_post(&self, post_id: String) -> Result<TimebankPost, PphError> {
        check_id("post_id", &post_id)?;
        Ok(self.store.write(|tx| {
            let old: TimebankPost = load_required(tx.tx, &post_id)?;
            let new = TimebankPost {
                closed: true,
                ..old.clone()
            };
            tx.save(&old.group_id, Some(&old), &new)?;
            Ok(new)
        })?)
    }

    /// Records time this person gave another member: pending until they
    /// confirm it. Refused if it would take this person's balance (with
    /// what they gave that is still pending) above the group's limit.
    pub fn record_exchange(
        &self,
        group_id: String,
        new: NewExchange,
    ) -> Result<ExchangeView, PphError> {
        new.validate()?;
        self.group(&group_id)?;
        let me = self.store.me()?;
        if new.receiver_id == me.account_id {
            return Err(PphError::validation(
                "receiver_id",
                "time is given to someone else",
            ));
        }
        if let Some(post) = &new.post_id {
            check_id("post_id", post)?;
        }
        let exchange = Exchange {
            id: new_id(),
            group_id,
            giver_id: me.account_id,
            giver_name: me.display_name,
            receiver_id: new.receiver_id,
            receiver_name: new.receiver_name.trim().to_owned(),
            minutes: new.minutes,
            category: new.category,
            on_date: new.on_date,
            note: new.note.trim().to_owned(),
            post_id: new.post_id,
            reverses: None,
            created_at_ms: self.clock.now_ms(),
            confirmed_at_ms: None,
            withdrawn_at_ms: None,
        };
        self.give(exchange, true)
    }

    /// The receiver confirms time they were given: it counts in both
    /// balances from now on and is never edited. Refused if it would take
    /// their balance below the group's limit.
    pub fn confirm_exchange(&self, exchange_id: String) -> Result<ExchangeView, PphError> {
        self.settle(&exchange_id, |old, me, now| {
            if old.receiver_id != me {
                return Err(PphError::Forbidden {
                    reason: "only the person who received the time confirms it".into(),
                });
            }
            if old.state() != ExchangeState::Pending {
                return Err(PphError::validation(
                    "exchange_id",
                    "already confirmed or withdrawn",
                ));
            }
            Ok(Exchange {
                confirmed_at_ms: Some(now),
                ..old.clone()
            })
        })
    }

    /// The giver takes back an exchange that is still pending.
    pub fn withdraw_exchange(&self, exchange_id: String) -> Result<ExchangeView, PphError> {
        self.settle(&exchange_id, |old, me, now| {
            if old.giver_id != me {
                return Err(PphError::Forbidden {
                    reason: "only the person who gave the time withdraws it".into(),
                });
            }
            if old.state() != ExchangeState::Pending {
                return Err(PphError::validation(
                    "exchange_id",
                    "already confirmed (reverse it instead) or withdrawn",
                ));
            }
            Ok(Exchange {
                withdrawn_at_ms: Some(now),
                ..old.clone()
            })
        })
    }

    /// Reverses a confirmed exchange, as money is: the one who received the
    /// time gives it back in a second exchange, which the original giver
    /// confirms. Limits do not stop a reversal.
    pub fn reverse_exchange(
        &self,
        exchange_id: String,
        note: String,
    ) -> Result<ExchangeView, PphError> {
        crate::validate::optional_text("note", Some(&note), crate::validate::MAX_LONG_TEXT)?;
        let original = self.exchange(&exchange_id)?;
        let me = self.store.me()?.account_id;
        if original.receiver_id != me {
            return Err(PphError::Forbidden {
                reason: "the person who received the time reverses it (ask them)".into(),
            });
        }
        if original.state() != ExchangeState::Confirmed {
            return Err(PphError::validation(
                "exchange_id",
                "only a confirmed exchange is reversed; a pending one is withdrawn",
            ));
        }
        if original.reverses.is_some() {
            return Err(PphError::validation(
                "exchange_id",
                "a reversal is not reversed; record a new exchange",
            ));
        }
        if self
            .store
            .read(|conn| store::is_reversed(conn, &exchange_id))?
        {
            return Err(PphError::validation(
                "exchange_id",
                "this exchange was reversed already",
            ));
        }
        let now = self.clock.now_ms();
        let reversal = Exchange {
            id: new_id(),
            giver_id: original.receiver_id.clone(),
            giver_name: original.receiver_name.clone(),
            receiver_id: original.giver_id.clone(),
            receiver_name: original.giver_name.clone(),
            note: note.trim().to_owned(),
            post_id: None,
            reverses: Some(original.id.clone()),
            created_at_ms: now,
            confirmed_at_ms: None,
            withdrawn_at_ms: None,
            ..original
        };
        self.give(reversal, false)
    }

    /// The timebank screen: settings, this person's balance, open offers
    /// and requests, what waits for them and what waits for others.
    pub fn overview(&self, group_id: String) -> Result<TimebankOverview, PphError> {
        self.group(&group_id)?;
        let me = self.store.me()?;
        Ok(self.store.read(|conn| {
            let settings = load::<TimebankSettings>(conn, &store::settings_id(&group_id))?;
            let mine = store::ledger_of(conn, &group_id, &me.account_id)?;
            let minutes = Self::balance_of(&mine, &me.account_id);
            let beyond_limits = settings
                .as_ref()
                .is_some_and(|s| !Self::limits(s).holds(minutes));
            let (offers, requests) = store::open_posts(conn, &group_id)?
                .into_iter()
                .partition(|p| p.kind == PostKind::Offer);
            let (mut to_confirm, mut awaiting_others) = (Vec::new(), Vec::new());
            for e in store::pending_of(conn, &group_id, &me.account_id)? {
                let view = Self::view(conn, e, &me.account_id)?;
                if view.can_confirm {
                    to_confirm.push(view);
                } else {
                    awaiting_others.push(view);
                }
            }
            Ok(TimebankOverview {
                group_id: group_id.clone(),
                settings,
                my_balance: MemberBalance {
                    account_id: me.account_id.clone(),
                    display_name: me.display_name.clone(),
                    minutes,
                    beyond_limits,
                },
                offers,
                requests,
                to_confirm,
                awaiting_others,
            })
        })?)
    }

    /// This person's exchanges in a group, newest recorded first, a page at
    /// a time (`before`: the `next` of the previous page).
    pub fn history(
        &self,
        group_id: String,
        limit: u32,
        before: Option<String>,
    ) -> Result<ExchangePage, PphError> {
        check_id("group_id", &group_id)?;
        self.page(limit, before, |conn, me, bound| {
            store::history(conn, &group_id, me, bound, limit)
        })
    }

    /// Every exchange of the group, newest recorded first, for a
    /// facilitator (who receives them all).
    pub fn group_exchanges(
        &self,
        group_id: String,
        limit: u32,
        before: Option<String>,
    ) -> Result<ExchangePage, PphError> {
        require_facilitator(&self.store, &group_id)?;
        self.page(limit, before, |conn, _, bound| {
            store::all_before(conn, &group_id, bound, limit)
        })
    }

    /// Every member's balance, for a facilitator (who receives every
    /// exchange); members see their own in `overview`.
    pub fn balances(&self, group_id: String) -> Result<Vec<MemberBalance>, PphError> {
        require_facilitator(&self.store, &group_id)?;
        Ok(self.store.read(|conn| {
            let settings = load::<TimebankSettings>(conn, &store::settings_id(&group_id))?;
            let balances = ledger::balances(&store::ledger(conn, &group_id)?);
            balances
                .into_iter()
                .map(|(account_id, minutes)| {
                    Ok(MemberBalance {
                        display_name: store::name_of(conn, &group_id, &account_id)?
                            .unwrap_or_default(),
                        beyond_limits: settings
                            .as_ref()
                            .is_some_and(|s| !Self::limits(s).holds(minutes)),
                        account_id,
                        minutes,
                    })
                })
                .collect()
        })?)
    }
}
