//! What a year of a typical person's use weighs on the wire and on the
//! relay's disk (docs/PERFORMANCE.md, padding): through a real relay
//! process over SQLite, one person and a peer, with
//! - a diary entry a day (two ratings; a note of 10 to 160 characters on
//!   three days in five; a tag on some),
//! - a walk done most days and a breathing exercise some,
//! - a PHQ-9 and a GAD-7 a month, a spend a week,
//! - four messages a week of 20 to 240 characters in a peer group.
//!
//! It prints the changes pushed, their bytes as stored and served (each
//! change's JSON, sealed value included), and the relay's SQLite file
//! after a checkpoint. Deterministic: the same year on every build, so two
//! builds' figures compare (run interleaved, in their own checkouts).
//!
//!   cargo bench -p pph-testing --bench year_of_sizes

use pph_core::*;
use pph_testing::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY_MS: u64 = 86_400_000;
const START_MS: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const WORDS: &str = "slept badly knee sore walked to the shop and back felt better after \
lunch breathless on the stairs again tired but the group helped today ";

/// A small deterministic generator: the same year everywhere.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }

    fn text(&mut self, from: u64, to: u64) -> String {
        let len = (from + self.roll(to - from + 1)) as usize;
        WORDS
            .chars()
            .cycle()
            .skip(self.roll(60) as usize)
            .take(len)
            .collect()
    }
}

fn at(day: u64, hour: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(START_MS + day * DAY_MS + hour * 3_600_000)
}

fn answers(count: usize, dice: &mut Dice) -> Vec<Answer> {
    (1..=count)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: dice.roll(4) as i32,
        })
        .collect()
}

fn a_year(ann: &Companion, group: &str, dice: &mut Dice) {
    let diary = ann.diary();
    let cough = diary
        .define_symptom(NewSymptom {
            name: "Morning cough".into(),
            scale: SymptomScale::Severity,
        })
        .expect("symptom")
        .id;
    let plans = ann.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "The park with my grandson".into(),
            next_review: Some("2026-06-01".into()),
        })
        .expect("plan");
    let goal = plans
        .add_goal(
            plan.id,
            NewGoal {
                description: "Walk to the shop".into(),
                expressed_by: "me".into(),
                target: Some("most days".into()),
                status: None,
            },
        )
        .expect("goal");
    let activities: Vec<String> = ["Walk", "Breathing exercises"]
        .into_iter()
        .map(|what| {
            plans
                .add_activity(
                    goal.id.clone(),
                    NewActivity {
                        description: what.into(),
                        responsible: Responsible::Me,
                        schedule: Schedule {
                            repeat: Repeat::Daily,
                            start: "2026-01-01".into(),
                            end: None,
                            window: None,
                        },
                    },
                )
                .expect("activity")
                .id
        })
        .collect();
    let (budget, line) =
        a_budget_with_a_transport_line(ann, "Travel", ("2026-01-01", "2026-12-31"));
    for day in 0..365 {
        let note = (dice.roll(5) < 3).then(|| dice.text(10, 160));
        diary
            .log_entry(NewEntry {
                recorded_at: at(day, 20),
                utc_offset_minutes: 0,
                ratings: vec![
                    Rating {
                        symptom_id: "00000000-0000-7000-8000-00000000a001".into(),
                        value: dice.roll(11) as f64,
                    },
                    Rating {
                        symptom_id: cough.clone(),
                        value: dice.roll(11) as f64,
                    },
                ],
                note,
                tags: if dice.roll(3) == 0 {
                    vec!["weather".into()]
                } else {
                    vec![]
                },
                medications: vec![],
            })
            .expect("entry");
        for (i, activity) in activities.iter().enumerate() {
            if dice.roll(10) < [8, 4][i] {
                plans
                    .record_completion(
                        activity.clone(),
                        NewCompletion {
                            occurred_at: at(day, 10),
                            utc_offset_minutes: 0,
                            outcome: Outcome::Done,
                            note: None,
                            value: None,
                        },
                    )
                    .expect("done");
            }
        }
        if day % 30 == 0 {
            diary
                .submit_questionnaire("phq9".into(), answers(9, dice), at(day, 9), 0)
                .expect("phq9");
            diary
                .submit_questionnaire("gad7".into(), answers(7, dice), at(day, 9), 0)
                .expect("gad7");
        }
        if day % 7 == 0 {
            let date = chrono::DateTime::<chrono::Utc>::from(at(day, 0))
                .date_naive()
                .to_string();
            ann.budgets()
                .record_spend(budget.clone(), a_cab_ride(&line, &date, "Cabs", None))
                .expect("spend");
        }
        if day % 7 < 4 {
            ann.groups()
                .post_message(group.into(), dice.text(20, 240), None)
                .expect("message");
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::sqlite(dir.path());
    let server = ServerProcess::start_on(&relay, dir.path());
    let ann = patient(&server, dir.path(), "ann").await;
    let bob = patient(&server, dir.path(), "bob").await;
    let (group, _) = group_of(&ann, &[&bob], "Walkers").await;
    sync_all(&[&ann, &bob]).await;
    let mut dice = Dice(2026);
    a_year(&ann, &group.id, &mut dice);
    ann.sync().sync_now().await.expect("sync");
    drop(server);

    let mut changes = 0usize;
    let mut bytes = 0usize;
    let mut values = 0usize;
    for space in [ann.store().personal_space(), group.id.clone()] {
        for c in relay.raw_changes(&space).await {
            changes += 1;
            bytes += serde_json::to_string(&c).expect("json").len();
            values += c.value.to_string().len();
        }
    }
    let Relay::Sqlite(db) = &relay else {
        unreachable!("a SQLite relay")
    };
    let conn = rusqlite::Connection::open(db).expect("relay file");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
        .expect("checkpoint");
    drop(conn);
    let disk = std::fs::metadata(db).expect("relay file").len();
    println!(
        "a year of use: {changes} changes, {bytes} bytes as served ({values} of them sealed values), \
         relay file {disk} bytes after VACUUM"
    );
}
