//! A relay that lies to one person and not to the others (equivocation),
//! played by a proxy in front of a real relay process (`RewritingProxy`):
//! what it changes in the answers one device gets, the device catches; the
//! members it does not lie to see the truth. Rows written into the relay's
//! database, which lie to everyone alike, are `trust.rs`'s and
//! `end_to_end.rs`'s.

use pph_core::*;
use pph_testing::*;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Each change of a pull page whose author is `from` is said to be `to`'s.
fn name_author(from: String, to: String) -> Rewrite {
    Arc::new(move |asked: &Asked, mut page: serde_json::Value| {
        if asked.method == "GET" && asked.path.contains("/changes") {
            for change in page["changes"].as_array_mut().into_iter().flatten() {
                if change["author"] == from.as_str() {
                    change["author"] = to.clone().into();
                }
            }
        }
        page
    })
}

/// Ann's message, shown to Bob alone as Cal's: Bob's phone sets it aside
/// (it is signed by Ann's identity, not by the one Bob pinned for Cal) and
/// shows nothing Cal did not write; Cal, whom the relay does not lie to,
/// reads it as Ann's.
async fn a_message_shown_to_one_member_as_someone_elses_is_set_aside(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let lie = Arc::new(Mutex::new(None::<Rewrite>));
    let proxy = {
        let lie = lie.clone();
        RewritingProxy::start(
            &server.url,
            Arc::new(move |asked: &Asked, page: serde_json::Value| {
                match lie.lock().expect("lie").clone() {
                    Some(rewrite) => rewrite(asked, page),
                    None => page,
                }
            }),
        )
        .await
    };
    let ann = signed_up(&server.url, dir, "ann", "Ann", AccountRole::Patient).await;
    let bob = signed_up(&proxy.url, dir, "bob", "Bob", AccountRole::Patient).await;
    let cal = signed_up(&server.url, dir, "cal", "Cal", AccountRole::Patient).await;
    let (group, _) = group_of(&ann, &[&bob, &cal], "Walkers").await;
    sync_all(&[&ann, &bob, &cal]).await;
    // Cal writes first, so that Bob's phone pins Cal's identity.
    cal.groups()
        .post_message(group.id.clone(), "Hello all".into(), None)
        .expect("post");
    sync_all(&[&cal, &bob]).await;

    *lie.lock().expect("lie") = Some(name_author(account_id(&ann), account_id(&cal)));
    ann.groups()
        .post_message(group.id.clone(), "Meet at ten by the lake".into(), None)
        .expect("post");
    ann.sync().sync_now().await.expect("sync");
    let report = bob.sync().sync_now().await.expect("sync");
    assert_eq!(report.set_aside, 1, "{report:?}");
    assert_eq!(set_aside_rules(&bob), ["forged_author"]);
    let shown = |device: &Companion| {
        device
            .groups()
            .messages(group.id.clone(), 50, None)
            .expect("messages")
            .messages
            .into_iter()
            .map(|m| (m.author_name, m.body))
            .collect::<Vec<_>>()
    };
    assert!(
        !shown(&bob).iter().any(|(_, body)| body.contains("lake")),
        "Bob was shown Ann's message as Cal's: {:?}",
        shown(&bob)
    );
    cal.sync().sync_now().await.expect("sync");
    assert!(
        shown(&cal)
            .iter()
            .any(|(by, body)| by == "Ann" && body.contains("lake")),
        "{:?}",
        shown(&cal)
    );
}

on_both_relays!(a_message_shown_to_one_member_as_someone_elses_is_set_aside);
