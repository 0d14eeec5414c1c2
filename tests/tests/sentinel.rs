//! A sentinel string in everything a person writes (names, emails, plan
//! text, notes, symptoms, payees, group messages, timebank offers,
//! referrals, passwords), run through every capability on a real server
//! with its log captured; then the server's log, every error the core
//! raised, every record the API handed back as `Debug` shows it, and the
//! refusals `pph` printed must hold none of it, nor any token.

use pph_core::*;
use pph_testing::*;
use std::process::Command;
use std::sync::Arc;
use std::time::SystemTime;

const SENTINEL: &str = "Zebra4711Sentinel";

fn said(what: &str) -> String {
    format!("{SENTINEL} {what}")
}

/// The errors raised along the way, as a person or a log would see them.
#[derive(Default)]
struct Errors(Vec<String>);

impl Errors {
    fn keep<T: std::fmt::Debug>(&mut self, outcome: Result<T, PphError>) {
        let e = outcome.expect_err("this was meant to be refused");
        self.0.push(format!("{e} / {e:?}"));
    }
}

fn clean(what: &str, text: &str, secrets: &[&str]) {
    let lower = text.to_lowercase();
    assert!(
        !lower.contains(&SENTINEL.to_lowercase()),
        "{what} holds the sentinel:\n{text}"
    );
    for s in secrets {
        assert!(!text.contains(s), "{what} holds a secret");
    }
}

fn plan_things(phone: &Companion, errors: &mut Errors) -> Goal {
    let plans = phone.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: said("plan"),
            what_matters: said("what matters"),
            next_review: None,
        })
        .expect("plan");
    let gp = plans
        .add_contact(
            plan.id.clone(),
            NewContact {
                name: said("GP"),
                role: ContactRole::Gp,
                reach: said("phone"),
            },
        )
        .expect("contact");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: said("goal"),
                expressed_by: "me".into(),
                target: Some(said("target")),
                status: None,
            },
        )
        .expect("goal");
    let schedule = Schedule {
        repeat: Repeat::Daily,
        start: "2026-11-01".into(),
        end: None,
        window: None,
    };
    plans
        .add_referral(
            goal.id.clone(),
            NewReferral {
                service: said("walkers"),
                kind: ServiceKind::WalkingGroup,
                referred_by: Responsible::Contact { contact_id: gp.id },
                requested_on: "2026-11-01".into(),
                description: said("walk"),
                schedule: schedule.clone(),
            },
        )
        .expect("referral");
    errors.keep(plans.create_plan(NewPlan {
        title: said("x").repeat(1_000),
        what_matters: String::new(),
        next_review: None,
    }));
    errors.keep(plans.add_goal(
        plan.id.clone(),
        NewGoal {
            description: format!("{SENTINEL}\0"),
            expressed_by: said("by"),
            target: None,
            status: None,
        },
    ));
    errors.keep(plans.update_referral(
        SENTINEL.into(),
        ReferralStatus::Accepted,
        "2026-11-02".into(),
        Some(said("note")),
    ));
    errors.keep(plans.add_activity(
        goal.id.clone(),
        NewActivity {
            description: said("activity"),
            responsible: Responsible::Me,
            schedule: Schedule {
                start: said("date"),
                ..schedule
            },
        },
    ));
    goal
}

fn diary_and_budget(phone: &Companion, errors: &mut Errors) {
    let diary = phone.diary();
    let symptom = diary
        .define_symptom(NewSymptom {
            name: said("symptom"),
            scale: SymptomScale::Severity,
        })
        .expect("symptom");
    diary
        .log_entry(NewEntry {
            recorded_at: SystemTime::now(),
            utc_offset_minutes: 0,
            ratings: vec![Rating {
                symptom_id: symptom.id.clone(),
                value: 4.0,
            }],
            note: Some(said("note")),
            tags: vec![said("tag")],
            medications: vec![],
        })
        .expect("entry");
    errors.keep(diary.log_entry(NewEntry {
        recorded_at: SystemTime::now(),
        utc_offset_minutes: 0,
        ratings: vec![Rating {
            symptom_id: symptom.id,
            value: 40.0,
        }],
        note: Some(said("note")),
        tags: vec![],
        medications: vec![],
    }));
    errors.keep(diary.search(said("query"), 0, None));

    let budgets = phone.budgets();
    let (budget, line) =
        a_budget_with_a_transport_line(phone, &said("budget"), ("2026-01-01", "2026-12-31"));
    let note = said("spend note");
    let spend = |payee: &str| a_cab_ride(&line, "2026-11-02", payee, Some(&note));
    budgets
        .record_spend(budget.clone(), spend(&said("cabs")))
        .expect("spend");
    errors.keep(budgets.record_spend(budget, spend(&format!("{SENTINEL} wine bar"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sentinel_in_everything_reaches_no_log_and_no_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("server.log");
    let server = ServerProcess::start_logging(dir.path(), &log);
    let mut errors = Errors::default();
    let name = SENTINEL.to_lowercase();
    let ann = signed_up(
        &server.url,
        dir.path(),
        &name,
        &said("Ann"),
        AccountRole::Patient,
    )
    .await;
    let email = format!("{name}@example.org");
    let bob = signed_up(
        &server.url,
        dir.path(),
        "bob",
        &said("Bob"),
        AccountRole::Patient,
    )
    .await;
    let doctor = signed_up(
        &server.url,
        dir.path(),
        "doctor",
        &said("Dr"),
        AccountRole::Clinician,
    )
    .await;

    let goal = plan_things(&ann, &mut errors);
    diary_and_budget(&ann, &mut errors);
    ann.sync().sync_now().await.expect("sync");
    ann.sharing()
        .grant_share(
            "doctor@example.org".into(),
            vec![ShareScope::CarePlan, ShareScope::Diary],
            in_ms(3_600_000),
        )
        .await
        .expect("share");
    doctor.sync().sync_now().await.expect("clinician sync");
    let space = ann.store().personal_space();
    let summary = doctor.sharing().consultation_summary(space.clone());
    let access = ann.sharing().share_access_log().await;
    // What the API hands back, as `{:?}` in a log or a panic would show it.
    let mut shown = vec![
        format!("{summary:?} {access:?} {goal:?}"),
        format!("{:?}", ann.care_plans().list_plans()),
        format!("{:?}", ann.care_plans().plan(goal.plan_id.clone())),
        format!("{:?}", ann.diary().list_symptoms()),
        format!(
            "{:?}",
            ann.diary()
                .entries("2000-01-01".into(), "2100-01-01".into(), 50, None)
        ),
        format!("{:?}", ann.budgets().list_budgets()),
        format!("{:?}", ann.sync().status()),
        format!("{:?}", ann.sharing().shares().await),
        format!("{:?}", doctor.sharing().shared_with_me()),
        format!("{:?}", ann.account().devices().await),
    ];

    // Groups: a chat, a meetup, the timebank.
    let (group, _) = group_of(&ann, &[&bob], &said("group")).await;
    ann.groups()
        .post_message(group.id.clone(), said("message"), None)
        .expect("message");
    ann.timebank()
        .set_rules(
            group.id.clone(),
            TimebankRules {
                on: true,
                lower_limit_minutes: -600,
                upper_limit_minutes: 600,
            },
        )
        .expect("rules");
    sync_all(&[&ann, &bob]).await;
    ann.timebank()
        .post(
            group.id.clone(),
            NewPost {
                kind: PostKind::Request,
                category: TimeCategory::Shopping,
                text: said("request"),
                goal_id: Some(goal.id.clone()),
            },
        )
        .expect("post");
    let gift = bob
        .timebank()
        .record_exchange(
            group.id.clone(),
            NewExchange {
                receiver_id: account_id(&ann),
                receiver_name: said("Ann"),
                minutes: 60,
                category: TimeCategory::Shopping,
                on_date: "2026-11-02".into(),
                note: said("gift"),
                post_id: None,
            },
        )
        .expect("gift");
    errors.keep(bob.timebank().confirm_exchange(gift.id.clone()));
    errors.keep(
        ann.groups()
            .post_message(group.id.clone(), String::new(), None),
    );
    sync_all(&[&bob, &ann, &bob]).await;
    shown.push(format!(
        "{:?} {:?} {gift:?}",
        ann.groups().groups(),
        ann.groups().messages(group.id.clone(), 50, None)
    ));
    shown.push(format!(
        "{:?}",
        ann.groups().members(group.id.clone()).await
    ));
    shown.push(format!("{:?}", ann.timebank().balances(group.id.clone())));
    ann.timebank().confirm_exchange(gift.id).expect("confirm");
    errors.keep(bob.groups().join_group(said("code")).await);

    // Refusals at sign-in and sign-up, with the sentinel in what was typed.
    let stranger = device(dir.path(), "stranger");
    errors.keep(
        stranger
            .account()
            .sign_in(server.url.clone(), email.clone(), said("password"))
            .await,
    );
    errors.keep(
        pph_testing::sign_up_with_mail(
            &stranger,
            &server.url,
            &email,
            &said("a long enough password"),
            &said("Ann again"),
            AccountRole::Patient,
        )
        .await,
    );
    errors.keep(
        pph_testing::sign_up_with_mail(
            &stranger,
            &server.url,
            &format!("{SENTINEL}@@"),
            &said("a long enough password"),
            &said("Odd"),
            AccountRole::Patient,
        )
        .await,
    );
    sync_all(&[&ann, &bob, &doctor]).await;
    // Deleting an account with a wrong password that holds the sentinel.
    errors.keep(bob.account().delete_account(said("password")).await);

    // Raw requests with a token: bad JSON quoting the sentinel, a push of
    // a kind that does not exist, a pull of someone else's space.
    let token = token_for(&server.url, &email).await;
    let client = reqwest::Client::new();
    let mut bodies = Vec::new();
    for request in [
        client
            .post(format!("{}/v1/changes", server.url))
            .bearer_auth(&token)
            .body(format!("{{\"changes\": [\"{SENTINEL}\"]}}")),
        client
            .get(format!("{}/v1/spaces/{SENTINEL}/changes", server.url))
            .bearer_auth(&token),
        client
            .get(format!(
                "{}/v1/spaces/{}/changes",
                server.url,
                bob.store().personal_space()
            ))
            .bearer_auth(&token),
        client
            .post(format!("{}/v1/invites/{SENTINEL}", server.url))
            .bearer_auth(&token),
    ] {
        let response = request.send().await.expect("request");
        assert!(response.status().is_client_error(), "{response:?}");
        bodies.push(response.text().await.expect("body"));
    }

    // `pph` refusing what was typed says what to do without repeating it.
    let store = dir.path().join("cli.db");
    let key = dir.path().join("cli.key");
    let pph = |args: &[&str]| {
        Command::new(built("e2e_pph"))
            .arg("--db")
            .arg(&store)
            .arg("--key-file")
            .arg(&key)
            .args(args)
            .env("PPH_PASSWORD", said("password"))
            .output()
            .expect("pph")
    };
    let made = Command::new(built("e2e_pph"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .expect("key");
    assert!(made.status.success());
    let long_title = said("title").repeat(100);
    let mut refusals = String::new();
    for args in [
        vec!["plan", "create", "--title", long_title.as_str()],
        vec!["diary", "log", "--rate", "Zebra4711Sentinel=5"],
        vec!["goal", "add", SENTINEL, "--text", "x"],
        vec![
            "share",
            "grant",
            "Zebra4711Sentinel@x",
            "--scope",
            "Zebra4711Sentinel",
        ],
        vec!["sync", "signin", "--server", &server.url, "--email", &email],
    ] {
        let out = pph(&args);
        assert!(!out.status.success(), "{args:?} was accepted");
        refusals.push_str(&String::from_utf8_lossy(&out.stderr));
        refusals.push_str(&String::from_utf8_lossy(&out.stdout));
    }

    // The log names accounts only by their keyed log ids.
    let ids: Vec<String> = [&ann, &bob, &doctor].map(|d| account_id(d)).to_vec();
    // Bob deletes his account, sentinels and all: the log says nothing of it.
    bob.account()
        .delete_account(PASSWORD.into())
        .await
        .expect("deleted");
    drop(server);
    let server_log = std::fs::read_to_string(&log).expect("server log");
    let secrets = [token.as_str(), PASSWORD];
    clean("the server's log", &server_log, &secrets);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    clean("the server's log", &server_log, &ids);
    // It is a log of every request (so the checks above read something).
    assert!(
        server_log.contains(r#"route="/v1/changes""#) && server_log.contains("status=200"),
        "the server's log has no request lines"
    );
    assert!(
        server_log.contains("push refused") || server_log.contains("request refused"),
        "the server's log has no refusal lines"
    );
    assert_eq!(errors.0.len(), 14, "every refusal above was collected");
    for e in &errors.0 {
        clean("an error", e, &secrets);
    }
    for b in &bodies {
        clean("a refusal from the server", b, &secrets);
    }
    for text in &shown {
        assert!(text.contains(" { .. }"), "a record shown: {text}");
        clean("a record's Debug", text, &secrets);
    }
    assert!(refusals.lines().count() >= 5, "each refusal says something");
    clean("pph's refusals", &refusals, &secrets);
    let _: Vec<Arc<Companion>> = vec![ann, bob, doctor, stranger];
}
