//! Deleting an account on a real relay process: a wrong password deletes
//! nothing; the right one deletes everything of the account, erases its
//! group messages from every member's phone (and from phones that join
//! later), passes its group on, and leaves no trace of it in the relay's
//! SQLite file or write-ahead log.

use pph_core::*;
use pph_testing::*;

const SENTINEL: &str = "Quagga5150Sentinel";

fn texts(phone: &Companion, group: &str) -> Vec<String> {
    phone
        .groups()
        .messages(group.into(), 50, None)
        .expect("messages")
        .messages
        .into_iter()
        .map(|m| m.body)
        .collect()
}

fn server_bytes_hold(dir: &std::path::Path, needle: &str) -> Vec<String> {
    ["server.db", "server.db-wal"]
        .into_iter()
        .filter(|name| {
            std::fs::read(dir.join(name))
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_leaves_nothing_on_the_relay_and_its_messages_leave_every_phone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let ann = signed_up(
        &server.url,
        dir.path(),
        "ann",
        &format!("Ann {SENTINEL}"),
        AccountRole::Patient,
    )
    .await;
    let bob = patient(&server, dir.path(), "bob").await;
    let doc = signed_up(
        &server.url,
        dir.path(),
        "doc",
        "Dr Doc",
        AccountRole::Clinician,
    )
    .await;
    let (group, _) = group_of(&ann, &[&bob], "Walkers").await;
    ann.care_plans()
        .create_plan(NewPlan {
            title: format!("My plan {SENTINEL}"),
            what_matters: "walking".into(),
            next_review: None,
        })
        .expect("plan");
    ann.sharing()
        .grant_share(
            "doc@example.org".into(),
            vec![ShareScope::CarePlan],
            in_ms(3_600_000),
        )
        .await
        .expect("share");
    sync_all(&[&ann, &bob]).await;
    let said = ann
        .groups()
        .post_message(group.id.clone(), format!("Hello {SENTINEL}"), None)
        .expect("ann posts");
    bob.groups()
        .post_message(group.id.clone(), "Hello Ann".into(), None)
        .expect("bob posts");
    sync_all(&[&ann, &bob, &ann]).await;
    bob.groups()
        .react(said.id.clone(), "👍".into(), true)
        .expect("bob reacts");
    sync_all(&[&bob, &ann, &doc]).await;
    assert_eq!(texts(&bob, &group.id).len(), 2);
    let ann_id = account_id(&ann);
    let ann_token = token_for(&server.url, "ann@example.org").await;

    let warning = ann.account().account_deletion_warning().expect("warning");
    assert!(
        warning
            .iter()
            .any(|l| l.contains("1 message(s) in 1 group(s)")),
        "{warning:?}"
    );
    // Bob's valid token with Ann's password deletes neither of them.
    let bob_token = token_for(&server.url, "bob@example.org").await;
    let crossed = reqwest::Client::new()
        .delete(format!("{}/v1/accounts/current", server.url))
        .bearer_auth(&bob_token)
        .json(&serde_json::json!({ "password": "not bob's password, ann's" }))
        .send()
        .await
        .expect("raw delete");
    assert_eq!(crossed.status().as_u16(), 403);
    let not_json = reqwest::Client::new()
        .delete(format!("{}/v1/accounts/current", server.url))
        .bearer_auth(&bob_token)
        .body("password=\u{0}")
        .send()
        .await
        .expect("raw delete");
    assert_eq!(not_json.status().as_u16(), 400);
    let wrong = ann
        .account()
        .delete_account("not the password at all".into())
        .await
        .expect_err("a wrong password deletes nothing");
    assert!(matches!(wrong, PphError::Forbidden { .. }), "{wrong:?}");
    ann.sync().sync_now().await.expect("still signed in");
    bob.sync().sync_now().await.expect("bob syncs");
    assert_eq!(texts(&bob, &group.id).len(), 2, "nothing was erased");

    let receipt = ann
        .account()
        .delete_account(PASSWORD.into())
        .await
        .expect("deleted");
    assert_eq!(receipt.groups_passed_on, 1);
    assert_eq!(receipt.shares_deleted, 1);
    assert_eq!(receipt.devices_signed_out, 2);
    assert!(receipt.group_records_erased >= 2, "{receipt:?}");
    assert!(!receipt.remains_elsewhere.is_empty());
    assert!(ann.sync().status().expect("status").account.is_none());
    assert!(matches!(
        ann.sync().sync_now().await,
        Err(PphError::Unauthorized)
    ));
    let client = reqwest::Client::new();
    let refused = client
        .get(format!("{}/v1/spaces", server.url))
        .bearer_auth(&ann_token)
        .send()
        .await
        .expect("raw");
    assert_eq!(
        refused.status().as_u16(),
        401,
        "its other device's token is gone"
    );

    let report = bob.sync().sync_now().await.expect("bob syncs");
    assert!(report.erased >= 2, "{report:?}");
    assert_eq!(texts(&bob, &group.id), vec!["Hello Ann".to_owned()]);
    // Bob runs the group now, and his phone wrote its description again.
    bob.sync()
        .sync_now()
        .await
        .expect("bob sends the group again");
    let groups = bob.groups().groups().expect("groups");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "Walkers");
    assert_eq!(groups[0].created_by, account_id(&bob));
    // The group's key turned over at Bob's sync: Ann's old phone, keys and
    // all, opens nothing written from now on.
    let keys = keys_view(&server.url, &bob_token).await;
    let epochs = &keys
        .spaces
        .iter()
        .find(|s| s.space == group.id)
        .expect("the group")
        .epochs;
    assert_eq!(epochs.iter().map(|e| e.epoch).max(), Some(2), "{epochs:?}");
    let tablet = signed_in(&server.url, dir.path(), "bob-tablet", "bob@example.org").await;
    tablet.sync().sync_now().await.expect("tablet");
    assert_eq!(texts(&tablet, &group.id), vec!["Hello Ann".to_owned()]);
    assert_eq!(tablet.groups().groups().expect("groups")[0].name, "Walkers");
    doc.sync().sync_now().await.expect("doc syncs");
    assert!(doc.sharing().shared_with_me().expect("patients").is_empty());

    for needle in [SENTINEL, ann_id.as_str(), "ann@example.org"] {
        assert_eq!(
            server_bytes_hold(dir.path(), needle),
            Vec::<String>::new(),
            "the relay's files still hold a trace of the account"
        );
    }
    drop(server);
    let conn = rusqlite::Connection::open(dir.path().join("server.db")).expect("file");
    let accounts: i64 = conn
        .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
        .expect("count");
    assert_eq!(accounts, 2, "bob and the doctor remain");
}
