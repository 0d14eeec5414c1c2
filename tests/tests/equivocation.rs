//! A relay that lies to one person and not to the others (equivocation),
//! played by a proxy in front of a real relay process (`RewritingProxy`):
//! what it changes in the answers one device gets, the device catches; the
//! members it does not lie to see the truth. Rows written into the relay's
//! database, which lie to everyone alike, are `trust.rs`'s and
//! `end_to_end.rs`'s.

use pph_core::*;
use pph_testing::*;
use std::path::Path;
use std::sync::Arc;

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
    let proxy = RewritingProxy::start(&server.url).await;
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

    proxy.lie(name_author(account_id(&ann), account_id(&cal)));
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

/// Every identity a JSON answer gives for `account` replaced by `keys`'s.
fn swap_identity(account: String, keys: pph_protocol::sealed::AccountKeys) -> Rewrite {
    fn walk(v: &mut serde_json::Value, account: &str, keys: &pph_protocol::sealed::AccountKeys) {
        match v {
            serde_json::Value::Object(map) => {
                if map.get("account_id").and_then(|a| a.as_str()) == Some(account)
                    && map.contains_key("identity")
                    && map.contains_key("binding")
                {
                    map.insert("public_key".into(), keys.public_key.clone().into());
                    map.insert("identity".into(), keys.identity.clone().into());
                    map.insert("binding".into(), keys.binding.clone().into());
                }
                map.values_mut().for_each(|v| walk(v, account, keys));
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|v| walk(v, account, keys))
            }
            _ => {}
        }
    }
    Arc::new(move |_: &Asked, mut answer: serde_json::Value| {
        walk(&mut answer, &account, &keys);
        answer
    })
}

/// The relay tells Ann's phone alone that her clinician has a new identity
/// (one whose keys it holds), and everyone else the truth: her phone warns
/// her, loudly as she had verified him, and wraps no key of a scope she
/// adds to the impostor; the clinician's own phone sees nothing amiss.
async fn a_new_identity_shown_to_one_person_alone_is_not_wrapped_to(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let proxy = RewritingProxy::start(&server.url).await;
    let ann = signed_up(&proxy.url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&server.url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let sharing = ann.sharing();
    let grant = |scopes: Vec<ShareScope>| {
        sharing.grant_share("doc@example.org".into(), scopes, in_ms(3_600_000))
    };
    grant(vec![ShareScope::Diary]).await.expect("share");
    sync_all(&[&ann, &doc]).await;
    let (ann_id, doc_id) = (account_id(&ann), account_id(&doc));
    let number = ann.account().safety_number(doc_id.clone()).expect("number");
    ann.account()
        .mark_verified(doc_id.clone(), number.digits.clone())
        .expect("verified");

    let impostor = account_keys(&pph_core::crypto::wrap::AccountKeyPair::generate());
    proxy.lie(swap_identity(doc_id.clone(), impostor));
    grant(vec![ShareScope::Diary, ShareScope::Budget])
        .await
        .expect("the share is signed on her phone");
    let report = ann.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("has a new identity")),
        "{:?}",
        report.errors
    );
    let warnings = ann.account().identity_warnings().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].account_id, doc_id);
    assert!(warnings[0].was_verified);
    // The relay's own record, read without the proxy: no budget key was
    // wrapped to anyone for the clinician.
    let doc_token = token_for(&server.url, "doc@example.org").await;
    let space = ann.store().personal_space();
    let budget_keys = keys_view(&server.url, &doc_token)
        .await
        .envelopes
        .into_iter()
        .filter(|e| e.key == pph_protocol::sealed::KeyName::Budget && e.space == space)
        .count();
    assert_eq!(budget_keys, 0, "a key was wrapped to the impostor");
    // The truth, told to the clinician: nothing changed on his side.
    doc.sync().sync_now().await.expect("sync");
    assert!(doc.account().identity_warnings().expect("w").is_empty());
    assert_eq!(
        doc.account().safety_number(ann_id).expect("number").digits,
        number.digits
    );
}

on_both_relays!(
    a_message_shown_to_one_member_as_someone_elses_is_set_aside,
    a_new_identity_shown_to_one_person_alone_is_not_wrapped_to,
);
