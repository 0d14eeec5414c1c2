//! Helper for the crash test: writes goals and activities into a plan as fast
//! as it can, printing one acknowledgement line after each commit, until it is
//! killed. Arguments: DB_PATH KEY_HEX PLAN_ID FIRST_INDEX

use pph_core::*;
use std::io::Write;

fn main() -> Result<(), PphError> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, key_hex, plan_id, first] = args.as_slice() else {
        eprintln!("usage: crash_writer DB_PATH KEY_HEX PLAN_ID FIRST_INDEX");
        std::process::exit(2);
    };
    let key = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).unwrap_or_default())
        .collect();
    let companion = Companion::open(CompanionConfig {
        db_path: db.clone(),
        encryption_key: key,
        device_name: "crash writer".into(),
    })?;
    let plans = companion.care_plans();
    let mut out = std::io::stdout().lock();
    let first: u64 = first.parse().unwrap_or_default();
    for i in first.. {
        let goal = plans.add_goal(
            plan_id.clone(),
            NewGoal {
                description: format!("goal {i}"),
                expressed_by: "me".into(),
                target: Some(format!("target {i}")),
                status: None,
            },
        )?;
        let _ = writeln!(out, "goal {}", goal.id).and_then(|()| out.flush());
        let activity = plans.add_activity(
            goal.id,
            NewActivity {
                description: format!("activity {i}"),
                responsible: Responsible::Me,
                schedule: Schedule {
                    repeat: Repeat::Daily,
                    start: "2026-03-02".into(),
                    end: None,
                    window: None,
                },
            },
        )?;
        let _ = writeln!(out, "activity {}", activity.id).and_then(|()| out.flush());
    }
    Ok(())
}
