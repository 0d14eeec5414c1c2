//! Ann's care plan: written in her words, a fortnight of ticking things
//! off, a review, and the plan's history.

use super::{say, Tour, ANN, DAY_MS, HOUR_MS, START_MS};
use crate::cmd::plan::{
    self, ActivityAdd, ContactAdd, Create, Done, GoalAdd, Range, Reschedule, ReviewArgs,
    ReviewFields, ScheduleArgs,
};
use crate::fail::Result;
use crate::render::plan::PlanHistory;

pub(super) fn open(t: &mut Tour) -> Result<()> {
    let ann = t.open(ANN)?;
    say(format!(
        "Opened {} (schema v{}) with a 32-byte key from the keystore.",
        t.path(ANN).display(),
        ann.companion.schema_version()?
    ));
    Ok(())
}

pub(super) fn write(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let plan = plan::create(
        &ann,
        Create {
            title: "Breathe easier".into(),
            what_matters: "Being able to take my grandson to the park on Saturdays".into(),
            next_review: Some("2026-03-16".into()),
        },
    )?;
    let contact = |name: &str, role: &str, reach: &str| {
        plan::add_contact(
            &ann,
            ContactAdd {
                plan: plan.id.clone(),
                name: name.into(),
                role: role.into(),
                reach: reach.into(),
            },
        )
    };
    let nurse = contact(
        "Priya (practice nurse)",
        "nurse",
        "surgery, Tuesday mornings",
    )?;
    contact("Dr Okafor", "gp", "surgery reception")?;
    contact("Jim from the breathing group", "peer", "Thursday group")?;
    contact("Sam (daughter)", "family", "texts")?;
    let walk_goal = plan::add_goal(
        &ann,
        GoalAdd {
            plan: plan.id.clone(),
            text: "Walk to the shop and back without stopping".into(),
            by: "me".into(),
            target: Some("3 times a week".into()),
            status: None,
        },
    )?;
    let sleep_goal = plan::add_goal(
        &ann,
        GoalAdd {
            plan: plan.id.clone(),
            text: "Sleep through the night more often".into(),
            by: "Priya (practice nurse)".into(),
            target: None,
            status: Some("proposed".into()),
        },
    )?;
    let activity = |goal: &str,
                    text: &str,
                    repeat: &str,
                    start: &str,
                    window: Option<&str>,
                    by: Option<&str>| {
        plan::add_activity(
            &ann,
            ActivityAdd {
                goal: goal.into(),
                text: text.into(),
                when: ScheduleArgs {
                    repeat: repeat.into(),
                    start: start.into(),
                    end: None,
                    window: window.map(Into::into),
                },
                by: by.map(Into::into),
            },
        )
    };
    let walk = activity(
        &walk_goal.id,
        "Walk to the shop",
        "weekly:3",
        "2026-03-02",
        None,
        None,
    )?;
    activity(
        &walk_goal.id,
        "Breathing exercises",
        "daily",
        "2026-03-02",
        Some("09:00-10:00"),
        None,
    )?;
    let group = activity(
        &walk_goal.id,
        "Go to the breathing group",
        "on:thu",
        "2026-03-02",
        Some("14:00-15:30"),
        None,
    )?;
    activity(
        &sleep_goal.id,
        "Check inhaler technique",
        "once",
        "2026-03-10",
        None,
        Some(&nurse.id),
    )?;
    ann.out.show(&plan::show(&ann, plan.id.clone(), None)?);
    t.story.plan = plan.id;
    t.story.walk_goal = walk_goal.id;
    t.story.sleep_goal = sleep_goal.id;
    t.story.walk = walk.id;
    t.story.group_activity = group.id;
    Ok(())
}

pub(super) fn tick(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let whole = plan::show(&ann, t.story.plan.clone(), None)?;
    let id_of = |description: &str| {
        whole
            .activities
            .iter()
            .find(|a| a.description == description)
            .map(|a| a.id.clone())
            .unwrap_or_default()
    };
    let (walk, breathing, group) = (
        id_of("Walk to the shop"),
        id_of("Breathing exercises"),
        id_of("Go to the breathing group"),
    );
    let mut ticked = 0;
    for day in 0..14u64 {
        t.clock.set(START_MS + day * DAY_MS + 12 * HOUR_MS);
        let record = |activity: &str, outcome: &str, hour: u64| {
            plan::done(
                &ann,
                Done {
                    activity: activity.into(),
                    outcome: outcome.into(),
                    note: None,
                    at: Some(Tour::at(day, hour)),
                },
            )
        };
        // A bad patch in the second week: breathing done most days, some only partly.
        let breathing_outcome = match day {
            8 | 9 => Some("partly"),
            10 => None,
            _ => Some("done"),
        };
        if let Some(outcome) = breathing_outcome {
            record(&breathing, outcome, 1)?;
            ticked += 1;
        }
        if [0, 2, 4, 8].contains(&day) {
            record(&walk, "done", 3)?;
            ticked += 1;
        }
        if day % 7 == 3 {
            record(&group, "done", 6)?;
            ticked += 1;
        }
    }
    say(format!(
        "{ticked} completions recorded, each one transaction with its change-log rows."
    ));
    for (from, to) in [("2026-03-02", "2026-03-08"), ("2026-03-09", "2026-03-15")] {
        let range = Range {
            plan: t.story.plan.clone(),
            from: from.into(),
            to: to.into(),
        };
        ann.out.show(&plan::adherence(&ann, range)?);
    }
    Ok(())
}

pub(super) fn review(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    t.story.before_review = Tour::at(14, 0);
    t.clock.set(START_MS + 14 * DAY_MS + HOUR_MS);
    plan::review(
        &ann,
        ReviewArgs {
            plan: t.story.plan.clone(),
            review: ReviewFields {
                date: "2026-03-16".into(),
                with: vec!["Ann".into(), "Priya (practice nurse)".into()],
                notes: "Walking well; breathing exercises slipped in week two".into(),
                outcome: "Walk 4 times a week; keep the group".into(),
                next: Some("2026-06-15".into()),
            },
        },
    )?;
    plan::reschedule(
        &ann,
        Reschedule {
            activity: t.story.walk.clone(),
            when: ScheduleArgs {
                repeat: "weekly:4".into(),
                start: "2026-03-02".into(),
                ..ScheduleArgs::default()
            },
            from: "2026-03-16".into(),
        },
    )?;
    plan::goal_status(&ann, t.story.sleep_goal.clone(), "active")?;
    ann.out.show(&plan::show(&ann, t.story.plan.clone(), None)?);
    Ok(())
}

pub(super) fn history(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let PlanHistory(changes) = plan::history(&ann, t.story.plan.clone())?;
    say(format!("{} field changes in all.", changes.len()));
    let last = changes[changes.len().saturating_sub(6)..].to_vec();
    ann.out.show(&PlanHistory(last));
    Ok(())
}

pub(super) fn as_it_stood(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let then = plan::show(&ann, t.story.plan.clone(), Some(&t.story.before_review))?;
    let walking = then
        .activities
        .iter()
        .find(|a| a.id == t.story.walk)
        .map(|a| crate::render::plan::schedule(&a.schedule))
        .unwrap_or_default();
    say(format!(
        "Next review then: {}; walking then: {walking}; sleep goal then: {}",
        then.info.next_review.as_deref().unwrap_or("not set"),
        then.goals
            .iter()
            .find(|g| g.id == t.story.sleep_goal)
            .map_or_else(|| "gone".to_owned(), |g| format!("{:?}", g.status))
    ));
    Ok(())
}
