//! The timebank's arithmetic, without a database: an exchange's state,
//! balances as the sum of movements (two per confirmed exchange, summing to
//! zero), and the limits a new exchange or a confirmation must respect.

use super::model::ExchangeState;
use crate::error::PphError;
use std::collections::BTreeMap;

/// What the ledger needs of an exchange, or of several between the same
/// two people in the same state (their minutes summed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub giver: String,
    pub receiver: String,
    pub minutes: u64,
    pub confirmed: bool,
    pub withdrawn: bool,
}

/// The two movements of a confirmed exchange: + to the giver, - to the
/// receiver; none for one pending or withdrawn.
fn movements(e: &Entry) -> [(&str, i64); 2] {
    let m = if ExchangeState::of(e.confirmed, e.withdrawn) == ExchangeState::Confirmed {
        e.minutes as i64
    } else {
        0
    };
    [(e.giver.as_str(), m), (e.receiver.as_str(), -m)]
}

/// Every member's balance in minutes, from the exchanges this device sees.
pub(crate) fn balances<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for e in entries {
        for (who, m) in movements(e) {
            *out.entry(who.to_owned()).or_default() += m;
        }
    }
    out
}

/// Time the giver has recorded and not yet seen confirmed or withdrawn.
pub(crate) fn pending_given<'a>(entries: impl IntoIterator<Item = &'a Entry>, giver: &str) -> i64 {
    entries
        .into_iter()
        .filter(|e| {
            e.giver == giver
                && ExchangeState::of(e.confirmed, e.withdrawn) == ExchangeState::Pending
        })
        .map(|e| e.minutes as i64)
        .sum()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub lower: i64,
    pub upper: i64,
}

impl Limits {
    pub(crate) fn holds(&self, balance: i64) -> bool {
        (self.lower..=self.upper).contains(&balance)
    }
}

fn hours(minutes: i64) -> String {
    let h = minutes as f64 / 60.0;
    if minutes % 60 == 0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.1} h")
    }
}

/// A giver may record time while their balance, with everything they gave
/// that is still pending and this, stays within the upper limit.
pub(crate) fn check_giving(
    limits: Limits,
    balance: i64,
    pending: i64,
    minutes: u32,
) -> Result<(), PphError> {
    let after = balance + pending + i64::from(minutes);
    if after > limits.upper {
        return Err(PphError::validation(
            "minutes",
            format!(
                "this would take your balance to {} (with what is still pending), above the group's limit of {}; record less time or ask a facilitator",
                hours(after),
                hours(limits.upper)
            ),
        ));
    }
    Ok(())
}

/// A receiver may confirm time while their balance stays above the lower
/// limit.
pub(crate) fn check_receiving(limits: Limits, balance: i64, minutes: u32) -> Result<(), PphError> {
    let after = balance - i64::from(minutes);
    if after < limits.lower {
        return Err(PphError::validation(
            "exchange_id",
            format!(
                "confirming would take your balance to {}, below the group's limit of {}; give some time first or ask a facilitator",
                hours(after),
                hours(limits.lower)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(giver: &str, receiver: &str, minutes: u64, confirmed: bool, withdrawn: bool) -> Entry {
        Entry {
            giver: giver.into(),
            receiver: receiver.into(),
            minutes,
            confirmed,
            withdrawn,
        }
    }

    #[test]
    fn only_confirmed_exchanges_move_balances_and_confirmation_beats_withdrawal() {
        let log = [
            entry("ann", "bob", 90, true, false),
            entry("bob", "cat", 30, false, false),
            entry("cat", "ann", 45, false, true),
            entry("bob", "ann", 60, true, true),
        ];
        let b = balances(&log);
        assert_eq!(b["ann"], 90 - 60);
        assert_eq!(b["bob"], -90 + 60);
        assert_eq!(b["cat"], 0);
        assert_eq!(pending_given(&log, "bob"), 30);
        assert_eq!(ExchangeState::of(true, true), ExchangeState::Confirmed);
    }

    #[test]
    fn limits_name_the_balance_they_protect() {
        let limits = Limits {
            lower: -600,
            upper: 2_400,
        };
        assert!(check_giving(limits, 2_300, 0, 100).is_ok());
        let err = check_giving(limits, 2_300, 60, 100).expect_err("above");
        assert!(err.to_string().contains("40 h"), "{err}");
        assert!(check_receiving(limits, -500, 100).is_ok());
        let err = check_receiving(limits, -500, 101).expect_err("below");
        assert!(err.to_string().contains("-10 h"), "{err}");
    }

    proptest! {
        #[test]
        fn balances_sum_to_zero_and_each_is_its_confirmed_exchanges(
            log in proptest::collection::vec(
                (0usize..4, 0usize..4, 1u64..600, any::<bool>(), any::<bool>()), 0..60)
        ) {
            let people = ["ann", "bob", "cat", "dev"];
            let log: Vec<Entry> = log
                .into_iter()
                .filter(|(g, r, ..)| g != r)
                .map(|(g, r, m, c, w)| entry(people[g], people[r], m, c, w))
                .collect();
            let b = balances(&log);
            prop_assert_eq!(b.values().sum::<i64>(), 0);
            for who in people {
                let given: i64 = log.iter().filter(|e| e.giver == who && e.confirmed).map(|e| e.minutes as i64).sum();
                let got: i64 = log.iter().filter(|e| e.receiver == who && e.confirmed).map(|e| e.minutes as i64).sum();
                prop_assert_eq!(b.get(who).copied().unwrap_or(0), given - got);
            }
        }
    }
}
