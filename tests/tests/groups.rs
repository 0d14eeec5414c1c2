//! Peer groups end to end: three members on three encrypted stores and a
//! real `pph-server` process.

use pph_core::*;
use pph_testing::*;
use std::sync::Arc;
use std::time::Duration;

fn bodies(page: &MessagePage) -> Vec<&str> {
    page.messages.iter().map(|m| m.body.as_str()).collect()
}

/// The latest 50 messages of a group on one phone.
fn latest(phone: &Companion, group: &Group) -> MessagePage {
    phone
        .groups()
        .messages(group.id.clone(), 50, None)
        .expect("page")
}

/// One message of a group as a phone shows it.
fn shown(phone: &Companion, group: &Group, message_id: &str) -> ChatMessage {
    latest(phone, group)
        .messages
        .into_iter()
        .find(|m| m.id == message_id)
        .expect("message kept in place")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_chat_offline_and_a_removed_member_gets_nothing_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = ServerProcess::start(dir.path());
    let fay = patient(&server, dir.path(), "Fay").await;
    let gus = patient(&server, dir.path(), "Gus").await;
    let hal = patient(&server, dir.path(), "Hal").await;

    let group = fay
        .groups()
        .create_group(NewGroup {
            name: "Breathe Easy Thursdays".into(),
            purpose: "Support between sessions".into(),
            condition_focus: Some("COPD".into()),
        })
        .await
        .expect("group");
    let invite = fay
        .groups()
        .invite_code(group.id.clone(), in_ms(86_400_000))
        .await
        .expect("invite");
    assert!(gus
        .groups()
        .invite_code(group.id.clone(), in_ms(1))
        .await
        .is_err());
    for joiner in [&gus, &hal] {
        let joined = joiner
            .groups()
            .join_group(invite.code.to_lowercase())
            .await
            .expect("join");
        assert_eq!(joined, group.id);
    }
    let welcome = fay
        .groups()
        .post_message(group.id.clone(), "Welcome, both".into(), None)
        .expect("post");
    assert_eq!(welcome.status, MessageStatus::Pending);
    fay.sync().sync_now().await.expect("fay");
    for m in [&gus, &hal] {
        m.sync().sync_now().await.expect("sync");
    }
    assert_eq!(gus.groups().groups().expect("groups"), vec![group.clone()]);
    assert_eq!(
        gus.groups().unread_count(group.id.clone()).expect("unread"),
        1
    );
    let reply = gus
        .groups()
        .post_message(
            group.id.clone(),
            "Thanks! See you Thursday".into(),
            Some(welcome.id.clone()),
        )
        .expect("reply");
    gus.groups().mark_read(group.id.clone()).expect("read");
    assert_eq!(
        gus.groups().unread_count(group.id.clone()).expect("unread"),
        0
    );
    hal.groups()
        .react(welcome.id.clone(), "👍".into(), true)
        .expect("react");
    gus.sync().sync_now().await.expect("gus");
    hal.sync().sync_now().await.expect("hal");
    fay.sync().sync_now().await.expect("fay");
    let page = fay
        .groups()
        .messages(group.id.clone(), 50, None)
        .expect("messages");
    assert_eq!(
        bodies(&page),
        vec!["Thanks! See you Thursday", "Welcome, both"]
    );
    assert_eq!(
        page.messages[0].reply_to.as_deref(),
        Some(welcome.id.as_str())
    );
    assert_eq!(
        page.messages[1].reactions,
        vec![ReactionCount {
            emoji: "👍".into(),
            count: 1,
            mine: false
        }]
    );
    assert!(page
        .messages
        .iter()
        .all(|m| m.status == MessageStatus::Sent));
    assert_eq!(
        fay.groups().unread_count(group.id.clone()).expect("unread"),
        1
    );

    // Hal writes with no signal: shown at once as pending, sent later.
    server.kill();
    let offline = hal
        .groups()
        .post_message(group.id.clone(), "Running late, bus is stuck".into(), None)
        .expect("offline post");
    assert_eq!(offline.status, MessageStatus::Pending);
    assert!(hal.sync().sync_now().await.is_err());
    let still = hal
        .groups()
        .messages(group.id.clone(), 1, None)
        .expect("page");
    assert_eq!(still.messages[0].status, MessageStatus::Pending);
    server.restart();
    hal.sync().sync_now().await.expect("back online");
    let sent = hal
        .groups()
        .messages(group.id.clone(), 1, None)
        .expect("page");
    assert_eq!(sent.messages[0].status, MessageStatus::Sent);
    gus.sync().sync_now().await.expect("gus");
    assert_eq!(
        bodies(
            &gus.groups()
                .messages(group.id.clone(), 1, None)
                .expect("page")
        ),
        vec!["Running late, bus is stuck"]
    );

    // Edits and retractions reach everyone; only the author may make them.
    gus.groups()
        .edit_message(reply.id.clone(), "Thanks! See you on Thursday".into())
        .expect("edit");
    assert!(matches!(
        hal.groups().retract_message(reply.id.clone()),
        Err(PphError::Forbidden { .. })
    ));
    gus.sync().sync_now().await.expect("gus");
    fay.sync().sync_now().await.expect("fay");
    let reply_now = shown(&fay, &group, &reply.id);
    assert_eq!(
        (reply_now.body.as_str(), reply_now.edited),
        ("Thanks! See you on Thursday", true)
    );
    gus.groups()
        .retract_message(reply.id.clone())
        .expect("retract");
    gus.sync().sync_now().await.expect("gus");
    fay.sync().sync_now().await.expect("fay");
    let gone = shown(&fay, &group, &reply.id);
    assert!(gone.retracted && gone.body.is_empty());

    // The facilitator removes Hal: nothing new reaches Hal, and what Hal
    // writes to the group is set aside as failed, never silently dropped.
    let members = fay
        .groups()
        .members(group.id.clone())
        .await
        .expect("members");
    assert_eq!(members.len(), 3);
    assert_eq!(members[0].role, MemberRole::Facilitator);
    let hal_id = hal
        .sync()
        .status()
        .expect("status")
        .account
        .expect("account")
        .account_id;
    fay.groups()
        .remove_member(group.id.clone(), hal_id)
        .await
        .expect("remove");
    fay.groups()
        .post_message(group.id.clone(), "After Hal left".into(), None)
        .expect("post");
    fay.sync().sync_now().await.expect("fay");
    let refused = hal
        .groups()
        .post_message(group.id.clone(), "Can anyone hear me?".into(), None)
        .expect("local post");
    hal.diary()
        .define_symptom(NewSymptom {
            name: "Ankle swelling".into(),
            scale: SymptomScale::Severity,
        })
        .expect("own records still sync");
    let report = hal.sync().sync_now().await.expect("hal syncs");
    assert_eq!(report.errors.len(), 1, "{report:?}");
    let status = hal.sync().status().expect("status");
    assert_eq!((status.pending_changes, status.refused_changes), (0, 1));
    let hal_page = hal
        .groups()
        .messages(group.id.clone(), 50, None)
        .expect("page");
    assert!(!bodies(&hal_page).contains(&"After Hal left"));
    let failed = hal_page
        .messages
        .iter()
        .find(|m| m.id == refused.id)
        .expect("kept");
    assert_eq!(failed.status, MessageStatus::Failed);
    assert!(failed.failure.is_some());
    // Resending puts it back in line; the server refuses it again.
    let again = hal
        .groups()
        .resend_message(refused.id.clone())
        .expect("resend");
    assert_eq!(again.status, MessageStatus::Pending);
    hal.sync().sync_now().await.expect("hal");
    assert_eq!(hal.sync().status().expect("status").refused_changes, 1);
    hal.groups()
        .discard_message(refused.id.clone())
        .expect("discard");
    assert_eq!(hal.sync().status().expect("status").refused_changes, 0);
    gus.sync().sync_now().await.expect("gus");
    assert!(!bodies(&latest(&gus, &group)).contains(&"Can anyone hear me?"));

    // Gus leaves: the group stops syncing to him. Someone who never joined
    // gets nothing of it.
    gus.groups()
        .leave_group(group.id.clone())
        .await
        .expect("leave");
    fay.groups()
        .post_message(group.id.clone(), "After Gus left".into(), None)
        .expect("post");
    fay.sync().sync_now().await.expect("fay");
    gus.sync().sync_now().await.expect("gus");
    assert!(!bodies(&latest(&gus, &group)).contains(&"After Gus left"));
    assert_eq!(
        fay.groups()
            .members(group.id.clone())
            .await
            .expect("members")
            .len(),
        1
    );
    let stranger = patient(&server, dir.path(), "Kim").await;
    stranger.sync().sync_now().await.expect("kim");
    assert!(stranger.groups().groups().expect("groups").is_empty());
    assert!(matches!(
        stranger.groups().members(group.id.clone()).await,
        Err(PphError::Forbidden { .. })
    ));
}

async fn group_of_three(
    server: &ServerProcess,
    dir: &std::path::Path,
) -> (Vec<Arc<Companion>>, Group, GroupInvite) {
    let fay = patient(server, dir, "Fay").await;
    let gus = patient(server, dir, "Gus").await;
    let hal = patient(server, dir, "Hal").await;
    let (group, invite) = group_of(&fay, &[&gus, &hal], "Breathing group").await;
    (vec![fay, gus, hal], group, invite)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meetup_over_capacity_keeps_a_waitlist_and_attendance_counts_for_the_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let (all, group, _) = group_of_three(&server, dir.path()).await;
    let (fay, gus, hal) = (&all[0], &all[1], &all[2]);
    let start = in_ms(86_400_000);
    let meetup = fay
        .groups()
        .create_meetup(
            group.id.clone(),
            NewMeetup {
                title: "Park walk".into(),
                starts_at: start,
                ends_at: start + Duration::from_millis(3_600_000),
                place: Some("Café by the lake".into()),
                online_link: None,
                capacity: Some(2),
                notes: "Flat route".into(),
            },
        )
        .expect("meetup");
    assert!(matches!(
        fay.groups().create_meetup(
            group.id.clone(),
            NewMeetup {
                title: "Nowhere".into(),
                starts_at: start,
                ends_at: start,
                place: None,
                online_link: None,
                capacity: None,
                notes: String::new(),
            },
        ),
        Err(PphError::Validation { .. })
    ));
    sync_all(&all).await;
    fay.groups()
        .rsvp(meetup.id.clone(), RsvpAnswer::Yes)
        .expect("fay");
    fay.sync().sync_now().await.expect("fay");
    gus.groups()
        .rsvp(meetup.id.clone(), RsvpAnswer::Yes)
        .expect("gus");
    gus.sync().sync_now().await.expect("gus");
    hal.groups()
        .rsvp(meetup.id.clone(), RsvpAnswer::Yes)
        .expect("hal");
    sync_all(&all).await;
    sync_all(&all).await;
    let seen_by_hal = hal.groups().meetups(group.id.clone()).expect("meetups");
    let view = &seen_by_hal[0];
    assert_eq!((view.yes, view.no, view.maybe), (3, 0, 0));
    assert_eq!(view.going, vec!["Fay", "Gus"]);
    assert_eq!(view.waitlist, vec!["Hal"]);
    assert_eq!(view.my_place, MeetupPlace::Waitlisted { position: 1 });
    // Gus drops out: Hal moves up, on every device.
    gus.groups()
        .rsvp(meetup.id.clone(), RsvpAnswer::No)
        .expect("gus");
    sync_all(&all).await;
    let view = &hal.groups().meetups(group.id.clone()).expect("meetups")[0];
    assert_eq!(view.my_place, MeetupPlace::Going);
    assert_eq!((view.yes, view.no), (2, 1));

    // Rescheduling is visible to the group.
    fay.groups()
        .update_meetup(
            meetup.id.clone(),
            NewMeetup {
                title: "Park walk".into(),
                starts_at: start + Duration::from_millis(3_600_000),
                ends_at: start + Duration::from_millis(7_200_000),
                place: Some("Café by the lake".into()),
                online_link: None,
                capacity: Some(2),
                notes: "An hour later".into(),
            },
        )
        .expect("reschedule");
    sync_all(&all).await;
    let view = &gus.groups().meetups(group.id.clone()).expect("meetups")[0];
    assert!(view.meetup.rescheduled);
    assert_eq!(
        view.meetup.starts_at,
        start + Duration::from_millis(3_600_000)
    );

    // Attendance: only the facilitator records it; Hal counts it for his plan.
    let hal_id = hal
        .sync()
        .status()
        .expect("status")
        .account
        .expect("me")
        .account_id;
    assert!(matches!(
        gus.groups()
            .record_attendance(meetup.id.clone(), hal_id.clone(), true),
        Err(PphError::Forbidden { .. })
    ));
    fay.groups()
        .record_attendance(meetup.id.clone(), hal_id.clone(), true)
        .expect("attendance");
    sync_all(&all).await;
    let plan = hal
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan");
    let goal = hal
        .care_plans()
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Get out more".into(),
                expressed_by: "me".into(),
                target: None,
                status: None,
            },
        )
        .expect("goal");
    let activity = hal
        .care_plans()
        .add_activity(
            goal.id.clone(),
            NewActivity {
                description: "Go to the breathing group".into(),
                responsible: Responsible::Me,
                schedule: Schedule {
                    repeat: Repeat::Daily,
                    start: "2026-01-01".into(),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("activity");
    let done = hal
        .groups()
        .count_attendance(meetup.id.clone(), activity.id.clone(), 0)
        .expect("counted");
    assert_eq!(done.outcome, Outcome::Done);
    assert!(gus
        .groups()
        .count_attendance(meetup.id.clone(), activity.id.clone(), 0)
        .is_err());

    fay.groups()
        .cancel_meetup(meetup.id.clone())
        .expect("cancel");
    sync_all(&all).await;
    let view = &hal.groups().meetups(group.id.clone()).expect("meetups")[0];
    assert!(view.meetup.cancelled);
    assert!(matches!(
        hal.groups().rsvp(meetup.id.clone(), RsvpAnswer::Maybe),
        Err(PphError::Validation { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_message_is_blank_for_members_and_never_served_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let (all, group, invite) = group_of_three(&server, dir.path()).await;
    let (fay, gus, hal) = (&all[0], &all[1], &all[2]);
    sync_all(&all).await;
    let rude = gus
        .groups()
        .post_message(group.id.clone(), "something unkind".into(), None)
        .expect("post");
    gus.sync().sync_now().await.expect("gus");
    hal.sync().sync_now().await.expect("hal");
    hal.groups()
        .report_message(rude.id.clone(), "unkind to a member".into())
        .expect("report");
    hal.sync().sync_now().await.expect("hal");
    fay.sync().sync_now().await.expect("fay");
    let queue = fay
        .groups()
        .reported_messages(group.id.clone())
        .expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].reasons, vec!["unkind to a member"]);
    assert!(matches!(
        hal.groups().hide_message(rude.id.clone()),
        Err(PphError::Forbidden { .. })
    ));
    fay.groups().hide_message(rude.id.clone()).expect("hide");
    sync_all(&all).await;
    for d in [fay, gus, hal] {
        let message = shown(d, &group, &rude.id);
        assert!(message.hidden);
        assert_eq!(message.body, "");
    }
    assert!(fay
        .groups()
        .reported_messages(group.id.clone())
        .expect("queue")
        .is_empty());
    // A revoked code lets nobody in.
    let spare = fay
        .groups()
        .invite_code(group.id.clone(), in_ms(60_000))
        .await
        .expect("spare");
    fay.groups()
        .revoke_invite(group.id.clone(), spare.code.clone())
        .await
        .expect("revoke");
    let jo = patient(&server, dir.path(), "Jo").await;
    assert!(matches!(
        jo.groups().join_group(spare.code.clone()).await,
        Err(PphError::NotFound { .. })
    ));
    // Someone joining later never receives the hidden text.
    let ivy = patient(&server, dir.path(), "Ivy").await;
    ivy.groups()
        .join_group(invite.code.clone())
        .await
        .expect("join");
    ivy.sync().sync_now().await.expect("ivy");
    let ivy_page = ivy
        .groups()
        .messages(group.id.clone(), 10, None)
        .expect("page");
    assert!(ivy_page.messages.iter().all(|m| m.id != rude.id));
}
