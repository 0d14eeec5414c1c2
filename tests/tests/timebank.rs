//! The timebank end to end, on a real `pph-server` process: an exchange
//! recorded offline settles once both phones have synced; only its two
//! people and the facilitator ever receive it; the wrong member's valid
//! token cannot confirm or withdraw it and a confirmation forged into the
//! relay's store is set aside; limits hold on each device; and any
//! sequence of offline exchanges, confirmations, withdrawals and reversals
//! across three members converges to balances that are the sums of their
//! confirmed exchanges.

use pph_core::*;
use pph_protocol::{kinds, Change, Hlc};
use pph_testing::*;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

const HOUR: u32 = 60;

fn give(to: &Companion, name: &str, minutes: u32, category: TimeCategory) -> NewExchange {
    NewExchange {
        receiver_id: account_id(to),
        receiver_name: name.into(),
        minutes,
        category,
        on_date: "2026-12-01".into(),
        note: String::new(),
        post_id: None,
    }
}

async fn timebank_group(
    fay: &Arc<Companion>,
    members: &[&Arc<Companion>],
    lower: i64,
    upper: i64,
) -> Group {
    let (group, _) = group_of(fay, members, "Thursday walkers").await;
    fay.timebank()
        .set_rules(
            group.id.clone(),
            TimebankRules {
                on: true,
                lower_limit_minutes: lower,
                upper_limit_minutes: upper,
            },
        )
        .expect("rules");
    sync_all(&[fay]).await;
    sync_all(members).await;
    group
}

/// A change to an exchange, pushed raw with someone's valid token.
fn settle(space: &str, exchange_id: &str, field: &str) -> Change {
    Change {
        change_id: id(),
        space: space.into(),
        entity_type: kinds::TIMEBANK_EXCHANGE.into(),
        entity_id: exchange_id.into(),
        field: field.into(),
        value: json!(now_ms()),
        hlc: Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "feedfacefeedface".into(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_settles_after_both_sync_and_only_its_people_see_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::sqlite(dir.path());
    let server = ServerProcess::start_on(&relay, dir.path());
    let fay = patient(&server, dir.path(), "fay").await;
    let gus = patient(&server, dir.path(), "gus").await;
    let hal = patient(&server, dir.path(), "hal").await;
    let group = timebank_group(&fay, &[&gus, &hal], -10 * 60, 40 * 60).await;
    let bank = |c: &Companion| c.timebank().overview(group.id.clone()).expect("overview");

    // Gus offers lifts; Hal asks for help with shopping. Everyone sees both.
    let offer = gus
        .timebank()
        .post(
            group.id.clone(),
            NewPost {
                kind: PostKind::Offer,
                category: TimeCategory::Transport,
                text: "I can drive two people to the Thursday walk".into(),
                goal_id: None,
            },
        )
        .expect("offer");
    hal.timebank()
        .post(
            group.id.clone(),
            NewPost {
                kind: PostKind::Request,
                category: TimeCategory::Shopping,
                text: "Help with my shopping after rehab".into(),
                goal_id: None,
            },
        )
        .expect("request");
    sync_all(&[&gus, &hal, &fay]).await;
    assert_eq!(bank(&fay).offers, vec![offer.clone()]);
    assert_eq!(bank(&hal).requests.len(), 1);

    // Gus drives Hal (offline), then gives Fay half an hour.
    let lift = gus
        .timebank()
        .record_exchange(
            group.id.clone(),
            NewExchange {
                post_id: Some(offer.id.clone()),
                ..give(&hal, "hal", 90, TimeCategory::Transport)
            },
        )
        .expect("lift");
    assert_eq!(lift.state, ExchangeState::Pending);
    let chat = gus
        .timebank()
        .record_exchange(
            group.id.clone(),
            give(&fay, "fay", 30, TimeCategory::Company),
        )
        .expect("chat");
    assert!(bank(&hal).to_confirm.is_empty(), "not synced yet");
    sync_all(&[&gus, &hal, &fay]).await;

    // Hal sees the lift to confirm, never Gus's time with Fay.
    let waiting = bank(&hal).to_confirm;
    assert_eq!(
        waiting.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [lift.id.as_str()]
    );
    let hal_history = hal
        .timebank()
        .history(group.id.clone(), 50, None)
        .expect("history");
    assert!(hal_history.exchanges.iter().all(|e| e.id != chat.id));
    let hal_token = token_for(&server.url, "hal@example.org").await;
    let client = reqwest::Client::new();
    let served = pull_page(&client, &server.url, &hal_token, &group.id, 0, 1000).await;
    assert!(
        served.changes.iter().all(|c| c.change.entity_id != chat.id),
        "the relay served Hal an exchange between Gus and Fay"
    );

    // The wrong member's valid token cannot confirm or withdraw: Hal
    // confirming Gus's time with Fay, Hal withdrawing Gus's lift, and Fay
    // (a facilitator) confirming the lift on Hal's behalf.
    let fay_token = token_for(&server.url, "fay@example.org").await;
    for (token, change) in [
        (&hal_token, settle(&group.id, &chat.id, "confirmed_at_ms")),
        (&hal_token, settle(&group.id, &lift.id, "withdrawn_at_ms")),
        (&fay_token, settle(&group.id, &lift.id, "confirmed_at_ms")),
    ] {
        let response = push_raw(&client, &server.url, token, &[change]).await;
        assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["refused"][0]["rule"], "not_author", "{body}");
    }
    // A giver's confirmation of their own gift, sealed by his own phone
    // and forged straight into the relay's store past its checks, is set
    // aside by the receiver's phone.
    let sealed = gus
        .sync()
        .seal_as_this_device(&settle(&group.id, &chat.id, "confirmed_at_ms"))
        .expect("seal")
        .expect("gus holds the group key");
    relay.forge(&account_id(&gus), &sealed).await;
    let report = fay.sync().sync_now().await.expect("fay syncs");
    assert_eq!(report.set_aside, 1, "{report:?}");
    assert_eq!(set_aside_rules(&fay), ["not_author"]);
    assert_eq!(
        bank(&fay)
            .to_confirm
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        [chat.id.as_str()],
        "still pending, for Fay to confirm"
    );

    // And the phones refuse the same before anything is queued.
    assert!(matches!(
        fay.timebank().confirm_exchange(lift.id.clone()),
        Err(PphError::Forbidden { .. })
    ));

    // Hal confirms; once both have synced, both balances show it.
    let confirmed = hal
        .timebank()
        .confirm_exchange(lift.id.clone())
        .expect("confirm");
    assert_eq!(confirmed.state, ExchangeState::Confirmed);
    // Meanwhile Gus, not having seen it, withdraws the lift: once both have
    // synced, the confirmation stands on both phones.
    let raced = gus
        .timebank()
        .withdraw_exchange(lift.id.clone())
        .expect("Gus has not seen the confirmation yet");
    assert_eq!(raced.state, ExchangeState::Withdrawn);
    sync_all(&[&hal, &gus, &fay, &hal]).await;
    let state_on = |c: &Companion| {
        known(c, &group.id)
            .get(&lift.id)
            .map(|e| e.state)
            .expect("the lift")
    };
    assert_eq!(state_on(&gus), ExchangeState::Confirmed);
    assert_eq!(state_on(&hal), ExchangeState::Confirmed);
    assert_eq!(bank(&gus).my_balance.minutes, 90);
    assert_eq!(bank(&hal).my_balance.minutes, -90);
    assert!(matches!(
        gus.timebank().withdraw_exchange(lift.id.clone()),
        Err(PphError::Validation { .. })
    ));

    // Fay confirms her half hour; the facilitator sees every balance.
    fay.timebank()
        .confirm_exchange(chat.id.clone())
        .expect("fay confirms");
    sync_all(&[&fay, &gus]).await;
    let balances: BTreeMap<String, i64> = fay
        .timebank()
        .balances(group.id.clone())
        .expect("balances")
        .into_iter()
        .map(|b| (b.display_name, b.minutes))
        .collect();
    assert_eq!(
        balances,
        BTreeMap::from([
            ("fay".into(), -30),
            ("gus".into(), 120),
            ("hal".into(), -90)
        ])
    );
    assert!(matches!(
        hal.timebank().balances(group.id.clone()),
        Err(PphError::Forbidden { .. })
    ));
    fay.timebank()
        .share_totals(group.id.clone())
        .expect("totals");
    sync_all(&[&fay, &hal]).await;
    let totals = bank(&hal)
        .settings
        .and_then(|s| s.totals)
        .expect("shared totals");
    assert_eq!(
        (totals.minutes, totals.exchanges, totals.members),
        (120, 2, 3)
    );

    // Limits: Hal may not confirm past -10 h, nor Gus give past +40 h.
    let big = gus
        .timebank()
        .record_exchange(
            group.id.clone(),
            give(&hal, "hal", 9 * HOUR + 31, TimeCategory::Skills),
        )
        .expect("within Gus's limit");
    sync_all(&[&gus, &hal]).await;
    let refused = hal.timebank().confirm_exchange(big.id.clone());
    assert!(
        matches!(&refused, Err(PphError::Validation { reason, .. }) if reason.contains("-10 h")),
        "{refused:?}"
    );
    assert_eq!(
        bank(&hal).my_balance.minutes,
        -90,
        "the refusal wrote nothing"
    );
    gus.timebank()
        .withdraw_exchange(big.id.clone())
        .expect("withdraw");
    let over = gus.timebank().record_exchange(
        group.id.clone(),
        give(&fay, "fay", 24 * HOUR, TimeCategory::Other),
    );
    assert!(over.is_ok(), "24 h is within +40 h: {over:?}");
    let beyond = gus.timebank().record_exchange(
        group.id.clone(),
        give(&fay, "fay", 24 * HOUR, TimeCategory::Other),
    );
    assert!(
        matches!(&beyond, Err(PphError::Validation { reason, .. }) if reason.contains("40 h")),
        "{beyond:?}"
    );

    // A mistake is reversed, never edited: Hal gives the lift back and Gus
    // confirms the reversal.
    let back = hal
        .timebank()
        .reverse_exchange(lift.id.clone(), "It was my neighbour who drove".into())
        .expect("reverse");
    assert_eq!(back.reverses.as_deref(), Some(lift.id.as_str()));
    assert!(matches!(
        hal.timebank()
            .reverse_exchange(lift.id.clone(), String::new()),
        Err(PphError::Validation { .. })
    ));
    sync_all(&[&hal, &gus]).await;
    gus.timebank()
        .confirm_exchange(back.id.clone())
        .expect("gus confirms the reversal");
    sync_all(&[&gus, &hal]).await;
    assert_eq!(bank(&hal).my_balance.minutes, 0);
    assert_eq!(bank(&gus).my_balance.minutes, 30);
}

// ---- convergence ----

#[derive(Clone, Debug)]
enum Op {
    Give {
        from: usize,
        to: usize,
        minutes: u32,
    },
    Confirm {
        who: usize,
        pick: usize,
    },
    Withdraw {
        who: usize,
        pick: usize,
    },
    Reverse {
        who: usize,
        pick: usize,
    },
    Sync {
        who: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let m = 0..3usize;
    prop_oneof![
        3 => (m.clone(), m.clone(), 1u32..240).prop_map(|(from, to, minutes)| Op::Give { from, to, minutes }),
        3 => (m.clone(), any::<usize>()).prop_map(|(who, pick)| Op::Confirm { who, pick }),
        1 => (m.clone(), any::<usize>()).prop_map(|(who, pick)| Op::Withdraw { who, pick }),
        1 => (m.clone(), any::<usize>()).prop_map(|(who, pick)| Op::Reverse { who, pick }),
        3 => m.prop_map(|who| Op::Sync { who }),
    ]
}

/// Every exchange a person's device lists as theirs, by id.
fn known(c: &Companion, group: &str) -> BTreeMap<String, ExchangeView> {
    pages(|before| c.timebank().history(group.into(), 200, before))
}

/// Every exchange of the group, as its facilitator's device lists them.
fn whole_group(facilitator: &Companion, group: &str) -> BTreeMap<String, ExchangeView> {
    pages(|before| {
        facilitator
            .timebank()
            .group_exchanges(group.into(), 200, before)
    })
}

fn pages(
    page: impl Fn(Option<String>) -> Result<ExchangePage, PphError>,
) -> BTreeMap<String, ExchangeView> {
    let mut out = BTreeMap::new();
    let mut before = None;
    loop {
        let page = page(before).expect("page");
        out.extend(page.exchanges.into_iter().map(|e| (e.id.clone(), e)));
        match page.next {
            Some(n) => before = Some(n),
            None => return out,
        }
    }
}

async fn run(
    members: &[Arc<Companion>],
    fay: &Arc<Companion>,
    names: &[&str],
    group: &str,
    ops: Vec<Op>,
) {
    for op in ops {
        match op {
            Op::Give { from, to, minutes } if from != to => {
                let _ = members[from].timebank().record_exchange(
                    group.into(),
                    give(&members[to], names[to], minutes, TimeCategory::Company),
                );
            }
            Op::Give { .. } => {}
            Op::Confirm { who, pick } | Op::Withdraw { who, pick } | Op::Reverse { who, pick } => {
                let mine: Vec<ExchangeView> = known(&members[who], group).into_values().collect();
                let Some(e) = mine.get(pick % mine.len().max(1)) else {
                    continue;
                };
                // Refusals (not theirs, not pending, past a limit) are part
                // of the run: they must change nothing.
                let t = members[who].timebank();
                let _ = match op {
                    Op::Confirm { .. } => t.confirm_exchange(e.id.clone()),
                    Op::Withdraw { .. } => t.withdraw_exchange(e.id.clone()),
                    _ => t.reverse_exchange(e.id.clone(), String::new()),
                };
            }
            Op::Sync { who } => {
                members[who].sync().sync_now().await.expect("sync");
            }
        }
    }
    // Everyone syncs until nothing is left to send or receive.
    for _ in 0..2 {
        sync_all(members).await;
    }
    sync_all(&[fay]).await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn offline_exchanges_converge_and_balances_are_sums_of_confirmed_ones(
        ops in proptest::collection::vec(op(), 1..30)
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let server = ServerProcess::start(dir.path());
            let fay = patient(&server, dir.path(), "fay").await;
            let names = ["ann", "bob", "cat"];
            let mut members = Vec::new();
            for n in names {
                members.push(patient(&server, dir.path(), n).await);
            }
            let refs: Vec<&Arc<Companion>> = members.iter().collect();
            let group = timebank_group(&fay, &refs, -5 * 60, 5 * 60).await;
            run(&members, &fay, &names, &group.id, ops).await;

            // The facilitator receives every exchange: the whole log.
            let all = whole_group(&fay, &group.id);
            let ids: Vec<String> = members.iter().map(|m| account_id(m)).collect();
            for (i, m) in members.iter().enumerate() {
                let mine = known(m, &group.id);
                // Exactly their exchanges, in the same state as everywhere.
                let expected: BTreeMap<&String, ExchangeState> = all
                    .iter()
                    .filter(|(_, e)| e.giver_id == ids[i] || e.receiver_id == ids[i])
                    .map(|(id, e)| (id, e.state))
                    .collect();
                let theirs: BTreeMap<&String, ExchangeState> =
                    mine.iter().map(|(id, e)| (id, e.state)).collect();
                assert_eq!(theirs, expected, "{}'s exchanges", names[i]);
                let confirmed = |who: &str| -> i64 {
                    all.values()
                        .filter(|e| e.state == ExchangeState::Confirmed)
                        .map(|e| {
                            if e.giver_id == who {
                                i64::from(e.minutes)
                            } else if e.receiver_id == who {
                                -i64::from(e.minutes)
                            } else {
                                0
                            }
                        })
                        .sum()
                };
                let balance = m.timebank().overview(group.id.clone()).expect("overview").my_balance.minutes;
                assert_eq!(balance, confirmed(&ids[i]), "{}'s balance", names[i]);
            }
            let everyone: i64 = fay
                .timebank()
                .balances(group.id.clone())
                .expect("balances")
                .iter()
                .map(|b| b.minutes)
                .sum();
            assert_eq!(everyone, 0, "movements sum to zero");
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_exchanges_and_posts_are_refused_by_name_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let fay = patient(&server, dir.path(), "fay").await;
    let gus = patient(&server, dir.path(), "gus").await;
    let group = timebank_group(&fay, &[&gus], -600, 600).await;
    let pending = gus.store().pending_changes().expect("pending");
    let field_of = |r: Result<ExchangeView, PphError>| match r {
        Err(PphError::Validation { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let bank = gus.timebank();
    let to_fay = give(&fay, "fay", 30, TimeCategory::Company);
    for (new, field) in [
        (
            NewExchange {
                minutes: 0,
                ..to_fay.clone()
            },
            "minutes",
        ),
        (
            NewExchange {
                minutes: 24 * 60 + 1,
                ..to_fay.clone()
            },
            "minutes",
        ),
        (
            NewExchange {
                on_date: "yesterday".into(),
                ..to_fay.clone()
            },
            "on_date",
        ),
        (
            NewExchange {
                receiver_name: " ".into(),
                ..to_fay.clone()
            },
            "receiver_name",
        ),
        (
            NewExchange {
                receiver_id: "fay".into(),
                ..to_fay.clone()
            },
            "receiver_id",
        ),
        (
            NewExchange {
                receiver_id: account_id(&gus),
                ..to_fay.clone()
            },
            "receiver_id",
        ),
    ] {
        assert_eq!(field_of(bank.record_exchange(group.id.clone(), new)), field);
    }
    let offer = |text: &str, goal_id: Option<String>| {
        bank.post(
            group.id.clone(),
            NewPost {
                kind: PostKind::Offer,
                category: TimeCategory::Skills,
                text: text.into(),
                goal_id,
            },
        )
    };
    let post = offer("  ", None);
    assert!(matches!(post, Err(PphError::Validation { ref field, .. }) if field == "text"));
    let not_mine = offer("Knitting", Some(id()));
    assert!(matches!(not_mine, Err(PphError::Validation { ref field, .. }) if field == "goal_id"));
    assert!(matches!(
        bank.confirm_exchange(id()),
        Err(PphError::NotFound { .. })
    ));
    assert_eq!(gus.store().pending_changes().expect("pending"), pending);
    assert!(bank
        .history(group.id.clone(), 50, None)
        .expect("history")
        .exchanges
        .is_empty());

    // Turned off, the timebank takes nothing new.
    fay.timebank()
        .set_rules(
            group.id.clone(),
            TimebankRules {
                on: false,
                lower_limit_minutes: -600,
                upper_limit_minutes: 600,
            },
        )
        .expect("off");
    sync_all(&[&fay, &gus]).await;
    assert_eq!(
        field_of(bank.record_exchange(group.id.clone(), to_fay)),
        "group_id"
    );
    assert!(matches!(
        bank.set_rules(
            group.id.clone(),
            TimebankRules {
                on: true,
                lower_limit_minutes: -600,
                upper_limit_minutes: 600,
            },
        ),
        Err(PphError::Forbidden { .. })
    ));
}
