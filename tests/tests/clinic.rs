//! The clinician's consultation view in a real browser: a real relay, a
//! patient's phone sharing with a clinician, `pph clinic` serving the
//! clinician's store on loopback, headless Chromium reading it through
//! WebDriver, and axe-core checking each page. Screenshots of each page are
//! saved under the target directory's `screenshots/clinic/`.

use pph_core::*;
use pph_testing::*;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// `pph clinic` as the clinician starts it; stopped when dropped.
struct ClinicProcess {
    child: Child,
    url: String,
}

impl ClinicProcess {
    /// With the stored session.
    fn start(pph: &Pph) -> ClinicProcess {
        Self::start_with(pph, &[], None)
    }

    /// With extra arguments (signing in) and `PPH_PASSWORD` if given.
    fn start_with(pph: &Pph, args: &[&str], password: Option<&str>) -> ClinicProcess {
        let mut command = Command::new(built("e2e_pph"));
        command
            .args(pph.flags())
            .args(["clinic", "--no-open"])
            .args(args)
            .env_remove("PPH_PASSWORD")
            // A clinician in London: the pages show times in the
            // device's zone, not in UTC.
            .env("TZ", "Europe/London");
        if let Some(p) = password {
            command.env("PPH_PASSWORD", p);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pph clinic");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the address line");
        let url = first
            .strip_prefix("Clinic view: ")
            .unwrap_or_else(|| panic!("pph clinic said {first:?}"))
            .trim()
            .to_owned();
        ClinicProcess { child, url }
    }
}

impl Drop for ClinicProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.ancestors()
        .nth(3)
        .expect("the target directory")
        .join("screenshots/clinic")
}

/// Each table row's cells, as the browser shows them.
async fn rows(browser: &Browser) -> Vec<Vec<String>> {
    let found = browser
        .run("return [...document.querySelectorAll('tr')].map(r => [...r.cells].map(c => c.innerText.trim()));")
        .await;
    serde_json::from_value(found).expect("rows")
}

/// A raw request to the clinic view: its status and body.
async fn raw(url: &str, host: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(host) = host {
        request = request.header("host", host);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinician_reads_a_shared_record_in_a_browser_and_an_ended_share_shows_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let phone = patient(&server, dir.path(), "rosa").await;
    let plan_id = a_record_for_a_consultation(&phone);
    phone.sync().sync_now().await.expect("phone sync");

    let dr = Pph::new(dir.path(), "dr.cole");
    let signup = dr.sign_up(
        &[],
        (&server.url, "dr.cole@example.org", "Dr Cole", "clinician"),
        PASSWORD,
    );
    assert!(
        signup.status.success(),
        "{}",
        String::from_utf8_lossy(&signup.stderr)
    );
    let share = phone
        .sharing()
        .grant_share(
            "dr.cole@example.org".into(),
            ShareScope::ALL.to_vec(),
            in_ms(86_400_000),
        )
        .await
        .expect("share");

    let clinic = ClinicProcess::start(&dr);
    let base = clinic.url.trim_end_matches('/').to_owned();
    let (origin, token) = base.rsplit_once('/').expect("origin/token");
    assert_eq!(token.len(), 64);
    assert!(origin.starts_with("http://127.0.0.1:"));

    // Without the token, with a wrong one, or addressed by another name
    // (DNS rebinding): nothing at all.
    for url in [
        format!("{origin}/"),
        format!("{origin}/{}/", "0".repeat(64)),
        format!("{origin}/patients"),
    ] {
        assert_eq!(raw(&url, None).await, (404, String::new()), "{url}");
    }
    assert_eq!(
        raw(&clinic.url, Some("evil.example")).await,
        (404, String::new())
    );
    let page = reqwest::get(&clinic.url).await.expect("patients page");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.starts_with("default-src 'none'") && !csp.contains("script"));
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");

    let browser = Browser::start().await;
    let shots = screenshots();
    browser.go(&clinic.url).await;
    assert_eq!(browser.title().await, "Patients sharing with you");
    let list = browser.text().await;
    assert!(list.contains("rosa"), "{list}");
    // The safety number to compare with Rosa's phone in the room: the same
    // on the page, in `pph sync safety-number` and on her phone.
    let number = phone
        .account()
        .safety_number(share.clinician_account_id.clone())
        .expect("Rosa's phone has seen Dr Cole's identity");
    assert!(list.contains(&number.digits), "{list}");
    let shown = dr.run(&["sync", "safety-number", &account_id(&phone)]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(&number.digits),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let verified = dr.run(&["sync", "verify", &account_id(&phone), &number.digits]);
    assert!(verified.status.success());
    let wrong = dr.run(&["sync", "verify", &account_id(&phone), "12345"]);
    assert_eq!(
        wrong.status.code(),
        Some(2),
        "a number that does not match is refused"
    );
    assert!(
        list.contains("care plan, symptom diary, questionnaires, budget"),
        "{list}"
    );
    browser.screenshot(&shots.join("patients.png")).await;
    // Times on the clinician's own clock (pph clinic runs with
    // TZ=Europe/London), with the zone's abbreviation: never UTC.
    let until = browser
        .run("return document.querySelectorAll('td')[2].innerText;")
        .await;
    let until = until.as_str().expect("the share's end");
    assert!(
        until.ends_with(" GMT") || until.ends_with(" BST"),
        "{until}"
    );
    assert_eq!(
        browser.accessibility_violations().await,
        Vec::<String>::new()
    );

    let link = browser
        .run("return document.querySelector('td a').href;")
        .await
        .as_str()
        .expect("a link to the patient")
        .to_owned();
    assert!(link.ends_with(&phone.store().personal_space()));
    browser.go(&link).await;
    assert_eq!(browser.title().await, "Consultation: rosa");
    let text = browser.text().await;
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("no {s:?} in:\n{text}"))
    };
    // In the order a clinician reads it; safety flags before the goals.
    assert!(at("What matters to them") < at("Safety flags"));
    assert!(at("Walking my granddaughter to school") < at("Safety flags"));
    assert!(at("Safety flags") < at("Goals, activities and adherence"));
    assert!(at("Goals, activities and adherence") < at("Symptom trends"));
    assert!(at("Symptom trends") < at("Questionnaires"));
    assert!(at("Questionnaires") < at("How complete the diary is"));
    assert!(at("How complete the diary is") < at("Personal health budget"));
    assert!(at("Personal health budget") < at("Review history"));
    // The flag is the first thing after what matters, with its date.
    let flag_date = days_ago(3);
    let flags = browser
        .run("return document.querySelector('section.flags').innerText;")
        .await;
    let flags = flags.as_str().expect("flags section");
    assert!(flags.contains(&format!("{flag_date}, PHQ9")), "{flags}");
    let top = browser
        .run("return document.querySelector('section.flags').getBoundingClientRect().top;")
        .await
        .as_f64()
        .expect("position");
    assert!(top < 800.0, "safety flags within the first screen: {top}");

    // Adherence as the core computes it on the patient's own phone.
    let since = days_ago(28);
    let today = days_ago(0);
    let adherence = phone
        .care_plans()
        .adherence(plan_id.clone(), since.clone(), today)
        .expect("adherence");
    let f = &adherence.activities[0].figures;
    let table = rows(&browser).await;
    let walk = table
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("Walk"))
        .expect("the walk's row");
    assert_eq!(
        walk,
        &vec![
            "Walk".to_owned(),
            f.scheduled.to_string(),
            f.done.to_string(),
            f.partly.to_string(),
            (f.skipped + f.missed).to_string(),
            format!("{:.0}%", f.ratio.expect("scheduled") * 100.0),
        ]
    );
    assert!(f.done > 0 && f.scheduled > f.done);
    // Diary completeness: 12 of the last 14 days, 37 of the last 90.
    assert!(
        table.contains(&vec![
            "Last 14 days".into(),
            "12 of 14".into(),
            "86%".into()
        ]),
        "{table:?}"
    );
    assert!(
        table.contains(&vec![
            "Last 90 days".into(),
            "37 of 90".into(),
            "41%".into()
        ]),
        "{table:?}"
    );
    // The flare, day by day, marked.
    assert!(text.contains("1 flare"), "{text}");
    assert!(text.contains("Nurse Patel"), "the review history");
    browser.screenshot(&shots.join("consultation.png")).await;
    // A tablet or phone in the consultation room, 390 pixels wide: the
    // page wraps, nothing scrolls sideways.
    browser.set_window_size(390, 844).await;
    let widths = browser
        .run(
            "const wide = [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > window.innerWidth)
               .slice(0, 5).map(e => e.tagName + '.' + e.className);
             return [document.documentElement.scrollWidth, window.innerWidth, wide];",
        )
        .await;
    let (page, window) = (widths[0].as_f64(), widths[1].as_f64());
    assert!(
        page.zip(window).is_some_and(|(p, w)| p <= w),
        "the page is {page:?} px wide in a {window:?} px window; past its edge: {}",
        widths[2]
    );
    browser
        .screenshot(&shots.join("consultation-390.png"))
        .await;
    browser.set_window_size(1280, 2400).await;
    let pages = browser.print_to_pdf(&shots.join("consultation.pdf")).await;
    eprintln!("the consultation page prints on {pages} A4 pages");
    assert!((1..=2).contains(&pages), "printed on {pages} pages");
    assert_eq!(
        browser.accessibility_violations().await,
        Vec::<String>::new()
    );

    // A bad review (next review before the review) is refused by name and
    // sends nothing.
    let bad = reqwest::Client::new()
        .post(format!("{link}/review"))
        .form(&[
            ("date", days_ago(0)),
            ("participants", "rosa, Dr Cole".into()),
            ("outcome", "x".into()),
            ("next_review", days_ago(1)),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().await.expect("body").contains("next_review"));

    // Record the consultation: it reaches the phone as a proposal, which
    // changes the plan only when the person accepts it.
    let next = (chrono::Utc::now().date_naive() + chrono::Duration::days(180)).to_string();
    browser
        .fill(
            "notes",
            "Talked about the rehab class; breathless on stairs",
        )
        .await;
    browser
        .fill("outcome", "Join the pulmonary rehab class")
        .await;
    browser.fill("next_review", &next).await;
    browser.click_to_new_page("#review button").await;
    assert_eq!(browser.title().await, "Consultation: rosa");
    assert!(browser.text().await.contains("awaiting their decision"));
    phone
        .sync()
        .sync_now()
        .await
        .expect("phone pulls the proposal");
    let proposals = phone
        .care_plans()
        .review_proposals(plan_id.clone())
        .expect("proposals");
    assert_eq!(proposals.len(), 1, "the refused one never arrived");
    let p = &proposals[0];
    assert_eq!(
        (p.proposer_name.as_str(), p.outcome.as_str(), p.decision),
        ("Dr Cole", "Join the pulmonary rehab class", None)
    );
    assert_eq!(p.participants, vec!["rosa".to_owned(), "Dr Cole".into()]);
    let plans = phone.care_plans();
    let reviews_before = plans.plan(plan_id.clone()).expect("plan").reviews.len();
    let review = plans.accept_review_proposal(p.id.clone()).expect("accept");
    let plan = plans.plan(plan_id.clone()).expect("plan");
    assert_eq!(plan.reviews.len(), reviews_before + 1);
    assert!(plan.reviews.contains(&review));
    assert_eq!(plan.info.next_review, Some(next.clone()));
    assert!(matches!(
        plans.decline_review_proposal(p.id.clone()),
        Err(PphError::Conflict { .. })
    ));
    phone
        .sync()
        .sync_now()
        .await
        .expect("phone sends the acceptance");
    browser.go(&clinic.url).await;
    browser.click_to_new_page("form button").await;
    browser.go(&link).await;
    let after = browser.text().await;
    assert!(after.contains("accepted: in their plan"), "{after}");
    assert!(after.contains("Join the pulmonary rehab class"));
    browser
        .screenshot(&shots.join("proposal-accepted.png"))
        .await;

    // Revoked on the phone, then "Sync now" on the list: the page shows
    // that the share ended and nothing of the record.
    phone
        .sharing()
        .revoke_share(share.share_id)
        .await
        .expect("revoke");
    browser.go(&clinic.url).await;
    browser.click_to_new_page("form button").await;
    assert_eq!(browser.title().await, "Patients sharing with you");
    assert!(!browser.text().await.contains("rosa"));
    browser.go(&link).await;
    assert_eq!(browser.title().await, "This share has ended");
    let ended = browser.text().await;
    for private in [
        "Walking my granddaughter",
        "PHQ",
        "Walk",
        "Town Cabs",
        "rosa",
    ] {
        assert!(
            !ended.contains(private),
            "{private} shown after the share ended"
        );
    }
    let (status, _) = raw(&link, None).await;
    assert_eq!(status, 410);
    browser.screenshot(&shots.join("ended.png")).await;
    assert_eq!(
        browser.accessibility_violations().await,
        Vec::<String>::new()
    );
    browser.quit().await;
    drop(clinic);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clinic_view_signs_a_clinician_in_and_refuses_anyone_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    // Not signed in, and no relay named: refused, nothing served.
    let nobody = Pph::new(dir.path(), "nobody");
    let (status, err) = nobody.fails(&["clinic", "--no-open"]);
    assert_eq!(status, 5, "{err}");
    assert!(err.contains("not signed in"), "{err}");
    // A patient's account: refused, as not a clinician's.
    let pat = Pph::new(dir.path(), "pat");
    let signup = pat.sign_up(
        &[],
        (&server.url, "pat@example.org", "Pat", "patient"),
        PASSWORD,
    );
    assert!(signup.status.success());
    let (status, err) = pat.fails(&["clinic", "--no-open"]);
    assert_eq!(status, 5, "{err}");
    assert!(err.contains("not a clinician's"), "{err}");
    // A clinician signing in on a new computer through `pph clinic` itself.
    let office = Pph::new(dir.path(), "office");
    let _ = signed_up(
        &server.url,
        dir.path(),
        "dr.lee",
        "Dr Lee",
        AccountRole::Clinician,
    )
    .await;
    let wrong = office.run_with(
        &[
            "clinic",
            "--no-open",
            "--server",
            &server.url,
            "--email",
            "dr.lee@example.org",
        ],
        Some("not the password"),
    );
    assert_eq!(wrong.status.code(), Some(5), "a wrong password");
    let clinic = ClinicProcess::start_with(
        &office,
        &["--server", &server.url, "--email", "dr.lee@example.org"],
        Some(PASSWORD),
    );
    let (status, body) = raw(&clinic.url, None).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("No one shares their record with you"),
        "{body}"
    );
}
