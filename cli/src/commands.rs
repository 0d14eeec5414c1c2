//! Subcommands that use a real store file.

use crate::{key, render};
use clap::Subcommand;
use pph_core::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Care plans.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Goals in a plan.
    Goal {
        #[command(subcommand)]
        command: GoalCommand,
    },
    /// Add someone to a plan's support network.
    Contact {
        plan: String,
        #[arg(long)]
        name: String,
        /// gp, nurse, pharmacist, consultant, social_worker, peer, carer, family, other
        #[arg(long)]
        role: String,
        /// How to reach them.
        #[arg(long, default_value = "")]
        reach: String,
    },
    /// Add an activity to a goal.
    Activity {
        goal: String,
        #[arg(long)]
        text: String,
        /// once | daily | weekly:N | on:mon,thu | every:N
        #[arg(long)]
        repeat: String,
        /// First local date, YYYY-MM-DD.
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: Option<String>,
    },
    /// Record that an activity was done (now, in this machine's time zone).
    Done {
        activity: String,
        /// done, partly or skipped
        #[arg(long, default_value = "done")]
        outcome: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Adherence of a plan between two local dates.
    Adherence {
        plan: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    /// Record a review and the next review date.
    Review {
        plan: String,
        #[arg(long)]
        date: String,
        /// Who took part, comma separated.
        #[arg(long, value_delimiter = ',')]
        with: Vec<String>,
        #[arg(long, default_value = "")]
        notes: String,
        #[arg(long, default_value = "")]
        outcome: String,
        #[arg(long)]
        next: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PlanCommand {
    Create {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        what_matters: String,
        #[arg(long)]
        next_review: Option<String>,
    },
    List,
    /// Show a plan now, or as it stood at an RFC 3339 instant.
    Show {
        plan: String,
        #[arg(long)]
        as_of: Option<String>,
    },
    History {
        plan: String,
    },
    Update {
        plan: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        what_matters: Option<String>,
        /// active, paused or closed
        #[arg(long)]
        status: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum GoalCommand {
    Add {
        plan: String,
        #[arg(long)]
        text: String,
        #[arg(long, default_value = "me")]
        by: String,
        #[arg(long)]
        target: Option<String>,
    },
    Status {
        goal: String,
        /// proposed, active, achieved or abandoned
        status: String,
    },
}

/// Parses a core enum from its snake_case name (`gp`, `social_worker`,
/// `achieved`…), the same names the change log records.
fn parse_enum<T: serde::de::DeserializeOwned>(flag: &str, text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_ascii_lowercase()))
        .map_err(|_| format!("{flag}: unknown value (see --help)"))
}

/// Parses `once | daily | weekly:N | on:mon,thu | every:N`.
pub fn parse_repeat(text: &str) -> Result<Repeat, String> {
    let (kind, arg) = text.split_once(':').unwrap_or((text, ""));
    let number = |what: &str| -> Result<u16, String> {
        arg.parse()
            .map_err(|_| format!("--repeat {kind}:N needs a whole number of {what}"))
    };
    match kind {
        "once" => Ok(Repeat::Once),
        "daily" => Ok(Repeat::Daily),
        "weekly" => Ok(Repeat::TimesPerWeek {
            times: u8::try_from(number("times")?)
                .map_err(|_| "too many times a week".to_string())?,
        }),
        "every" => Ok(Repeat::EveryNDays {
            days: number("days")?,
        }),
        "on" => {
            let days = arg
                .split(',')
                .filter(|d| !d.is_empty())
                .map(|d| match d.to_ascii_lowercase().as_str() {
                    "mon" => Ok(Weekday::Mon),
                    "tue" => Ok(Weekday::Tue),
                    "wed" => Ok(Weekday::Wed),
                    "thu" => Ok(Weekday::Thu),
                    "fri" => Ok(Weekday::Fri),
                    "sat" => Ok(Weekday::Sat),
                    "sun" => Ok(Weekday::Sun),
                    _ => Err(format!("unknown weekday {d:?} (mon..sun)")),
                })
                .collect::<Result<_, _>>()?;
            Ok(Repeat::OnWeekdays { days })
        }
        _ => Err("--repeat is one of once, daily, weekly:N, on:mon,thu, every:N".into()),
    }
}

/// The shell's words for a core refusal; never echoes the input.
pub fn explain(e: PphError) -> String {
    e.to_string()
}

fn open(db: Option<PathBuf>, key_file: Option<PathBuf>) -> Result<Arc<Companion>, String> {
    let db = db.ok_or("no store: pass --db FILE or set PPH_DB")?;
    let key = key::load(key_file.as_deref())?;
    Companion::open(CompanionConfig {
        db_path: db.to_string_lossy().into_owned(),
        encryption_key: key,
        device_name: "pph command line".into(),
    })
    .map_err(explain)
}

fn local_offset_minutes() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

pub fn run(
    db: Option<PathBuf>,
    key_file: Option<PathBuf>,
    command: StoreCommand,
) -> Result<(), String> {
    let companion = open(db, key_file)?;
    let plans = companion.care_plans();
    match command {
        StoreCommand::Plan { command } => plan_command(&plans, command),
        StoreCommand::Goal {
            command:
                GoalCommand::Add {
                    plan,
                    text,
                    by,
                    target,
                },
        } => {
            let goal = plans
                .add_goal(
                    plan,
                    NewGoal {
                        description: text,
                        expressed_by: by,
                        target,
                        status: None,
                    },
                )
                .map_err(explain)?;
            println!("{}", goal.id);
            Ok(())
        }
        StoreCommand::Goal {
            command: GoalCommand::Status { goal, status },
        } => {
            let status: GoalStatus = parse_enum("status", &status)?;
            plans
                .update_goal(
                    goal,
                    GoalUpdate {
                        status: Some(status),
                        ..Default::default()
                    },
                )
                .map_err(explain)?;
            Ok(())
        }
        StoreCommand::Contact {
            plan,
            name,
            role,
            reach,
        } => {
            let contact = plans
                .add_contact(
                    plan,
                    NewContact {
                        name,
                        role: parse_enum("--role", &role)?,
                        reach,
                    },
                )
                .map_err(explain)?;
            println!("{}", contact.id);
            Ok(())
        }
        StoreCommand::Activity {
            goal,
            text,
            repeat,
            start,
            end,
        } => {
            let activity = plans
                .add_activity(
                    goal,
                    NewActivity {
                        description: text,
                        responsible: Responsible::Me,
                        schedule: Schedule {
                            repeat: parse_repeat(&repeat)?,
                            start,
                            end,
                            window: None,
                        },
                    },
                )
                .map_err(explain)?;
            println!("{}", activity.id);
            Ok(())
        }
        StoreCommand::Done {
            activity,
            outcome,
            note,
        } => {
            let outcome: Outcome = parse_enum("--outcome", &outcome)?;
            let c = plans
                .record_completion(
                    activity,
                    NewCompletion {
                        occurred_at: SystemTime::now(),
                        utc_offset_minutes: local_offset_minutes(),
                        outcome,
                        note,
                        value: None,
                    },
                )
                .map_err(explain)?;
            println!("recorded for {}", c.local_date);
            Ok(())
        }
        StoreCommand::Adherence { plan, from, to } => {
            let whole = plans.plan(plan.clone()).map_err(explain)?;
            let a = plans.adherence(plan, from, to).map_err(explain)?;
            print!("{}", render::adherence(&a, &whole));
            Ok(())
        }
        StoreCommand::Review {
            plan,
            date,
            with,
            notes,
            outcome,
            next,
        } => {
            plans
                .record_review(
                    plan,
                    NewReview {
                        date,
                        participants: with,
                        notes,
                        outcome,
                        next_review: next,
                    },
                )
                .map_err(explain)?;
            Ok(())
        }
    }
}

fn plan_command(plans: &CarePlans, command: PlanCommand) -> Result<(), String> {
    match command {
        PlanCommand::Create {
            title,
            what_matters,
            next_review,
        } => {
            let plan = plans
                .create_plan(NewPlan {
                    title,
                    what_matters,
                    next_review,
                })
                .map_err(explain)?;
            println!("{}", plan.id);
        }
        PlanCommand::List => {
            for p in plans.list_plans().map_err(explain)? {
                println!("{}  {} [{:?}]", p.id, p.title, p.status);
            }
        }
        PlanCommand::Show { plan, as_of } => {
            let whole = match as_of {
                Some(at) => {
                    let at = chrono::DateTime::parse_from_rfc3339(&at).map_err(|_| {
                        "--as-of takes an RFC 3339 instant, e.g. 2026-03-02T09:00:00Z"
                    })?;
                    plans.plan_as_of(plan, at.into()).map_err(explain)?
                }
                None => plans.plan(plan).map_err(explain)?,
            };
            print!("{}", render::plan(&whole));
        }
        PlanCommand::History { plan } => {
            print!(
                "{}",
                render::history(&plans.history(plan).map_err(explain)?)
            );
        }
        PlanCommand::Update {
            plan,
            title,
            what_matters,
            status,
        } => {
            let status: Option<PlanStatus> =
                status.map(|s| parse_enum("--status", &s)).transpose()?;
            plans
                .update_plan(
                    plan,
                    PlanUpdate {
                        title,
                        what_matters,
                        status,
                        next_review: None,
                    },
                )
                .map_err(explain)?;
        }
    }
    Ok(())
}
