//! Care plans: the plan, its goals, contacts and activities, ticking things
//! off, adherence and reviews.

use crate::ctx::Ctx;
use crate::fail::Result;
use crate::parse;
use crate::render::plan::{PlanAdherence, PlanHistory, Plans, Proposals};
use clap::{Args, Subcommand};
use pph_core::*;

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Start a plan in your own words.
    Create(Create),
    List,
    /// Show a plan now, or as it stood at an RFC 3339 instant.
    Show {
        plan: String,
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Every change to a plan: when, on which device, what.
    History {
        plan: String,
    },
    Update(Update),
    /// Reviews your clinicians proposed for a plan, undecided first.
    Proposals {
        plan: String,
    },
    /// Agree to a proposed review: it becomes your own review.
    Accept {
        proposal: String,
    },
    /// Decline a proposed review: your plan stays as it is.
    Decline {
        proposal: String,
    },
}

#[derive(Subcommand)]
pub enum GoalCommand {
    Add(GoalAdd),
    Status {
        goal: String,
        /// proposed, active, achieved or abandoned
        status: String,
    },
}

#[derive(Args, Default)]
pub struct Create {
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub what_matters: String,
    #[arg(long)]
    pub next_review: Option<String>,
}

#[derive(Args, Default)]
pub struct Update {
    pub plan: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub what_matters: Option<String>,
    /// active, paused or closed
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub next_review: Option<String>,
}

#[derive(Args, Default)]
pub struct GoalAdd {
    pub plan: String,
    #[arg(long)]
    pub text: String,
    /// Whose words these are.
    #[arg(long, default_value = "me")]
    pub by: String,
    #[arg(long)]
    pub target: Option<String>,
    /// proposed or active (the default)
    #[arg(long)]
    pub status: Option<String>,
}

#[derive(Args, Default)]
pub struct ContactAdd {
    pub plan: String,
    #[arg(long)]
    pub name: String,
    /// gp, nurse, pharmacist, consultant, social_worker, peer, carer, family, other
    #[arg(long)]
    pub role: String,
    /// How to reach them.
    #[arg(long, default_value = "")]
    pub reach: String,
}

/// When something is done: the flags every schedule takes.
#[derive(Args, Default)]
pub struct ScheduleArgs {
    /// once | daily | weekly:N | on:mon,thu | every:N
    #[arg(long)]
    pub repeat: String,
    /// First local date, YYYY-MM-DD.
    #[arg(long)]
    pub start: String,
    #[arg(long)]
    pub end: Option<String>,
    /// The time of day it is done, HH:MM-HH:MM.
    #[arg(long)]
    pub window: Option<String>,
}

impl ScheduleArgs {
    pub fn schedule(self) -> Result<Schedule> {
        Ok(Schedule {
            repeat: parse::repeat(&self.repeat)?,
            start: self.start,
            end: self.end,
            window: self.window.as_deref().map(parse::window).transpose()?,
        })
    }
}

#[derive(Args, Default)]
pub struct ActivityAdd {
    pub goal: String,
    #[arg(long)]
    pub text: String,
    #[command(flatten)]
    pub when: ScheduleArgs,
    /// A contact's id when they do it rather than you.
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Args, Default)]
pub struct Reschedule {
    pub activity: String,
    #[command(flatten)]
    pub when: ScheduleArgs,
    /// The first day the new schedule counts from.
    #[arg(long)]
    pub from: String,
}

#[derive(Args, Default)]
pub struct Done {
    pub activity: String,
    /// done, partly or skipped
    #[arg(long, default_value = "done")]
    pub outcome: String,
    #[arg(long)]
    pub note: Option<String>,
    /// When (RFC 3339); now if not given.
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Args, Default)]
pub struct Range {
    pub plan: String,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
}

#[derive(Args, Default)]
pub struct ReviewArgs {
    pub plan: String,
    #[command(flatten)]
    pub review: ReviewFields,
}

/// A review as typed, whether recorded by the person or proposed by a
/// clinician.
#[derive(Args, Default)]
pub struct ReviewFields {
    #[arg(long)]
    pub date: String,
    /// Who took part, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub with: Vec<String>,
    #[arg(long, default_value = "")]
    pub notes: String,
    #[arg(long, default_value = "")]
    pub outcome: String,
    #[arg(long)]
    pub next: Option<String>,
}

impl From<ReviewFields> for NewReview {
    fn from(a: ReviewFields) -> NewReview {
        NewReview {
            date: a.date,
            participants: a.with,
            notes: a.notes,
            outcome: a.outcome,
            next_review: a.next,
        }
    }
}

pub fn create(ctx: &Ctx, a: Create) -> Result<PlanInfo> {
    Ok(ctx.companion.care_plans().create_plan(NewPlan {
        title: a.title,
        what_matters: a.what_matters,
        next_review: a.next_review,
    })?)
}

pub fn show(ctx: &Ctx, plan: String, as_of: Option<&str>) -> Result<CarePlan> {
    let plans = ctx.companion.care_plans();
    Ok(match as_of {
        Some(at) => plans.plan_as_of(plan, parse::instant("--as-of", at)?)?,
        None => plans.plan(plan)?,
    })
}

pub fn history(ctx: &Ctx, plan: String) -> Result<PlanHistory> {
    Ok(PlanHistory(ctx.companion.care_plans().history(plan)?))
}

pub fn update(ctx: &Ctx, a: Update) -> Result<PlanInfo> {
    let status = a
        .status
        .map(|s| parse::enum_value("--status", &s))
        .transpose()?;
    Ok(ctx.companion.care_plans().update_plan(
        a.plan,
        PlanUpdate {
            title: a.title,
            what_matters: a.what_matters,
            status,
            next_review: a.next_review,
        },
    )?)
}

pub fn add_goal(ctx: &Ctx, a: GoalAdd) -> Result<Goal> {
    let status = a
        .status
        .map(|s| parse::enum_value("--status", &s))
        .transpose()?;
    Ok(ctx.companion.care_plans().add_goal(
        a.plan,
        NewGoal {
            description: a.text,
            expressed_by: a.by,
            target: a.target,
            status,
        },
    )?)
}

pub fn goal_status(ctx: &Ctx, goal: String, status: &str) -> Result<Goal> {
    Ok(ctx.companion.care_plans().update_goal(
        goal,
        GoalUpdate {
            status: Some(parse::enum_value("status", status)?),
            ..Default::default()
        },
    )?)
}

pub fn add_contact(ctx: &Ctx, a: ContactAdd) -> Result<Contact> {
    Ok(ctx.companion.care_plans().add_contact(
        a.plan,
        NewContact {
            name: a.name,
            role: parse::enum_value("--role", &a.role)?,
            reach: a.reach,
        },
    )?)
}

pub fn add_activity(ctx: &Ctx, a: ActivityAdd) -> Result<Activity> {
    let schedule = a.when.schedule()?;
    Ok(ctx.companion.care_plans().add_activity(
        a.goal,
        NewActivity {
            description: a.text,
            responsible: match a.by {
                Some(contact_id) => Responsible::Contact { contact_id },
                None => Responsible::Me,
            },
            schedule,
        },
    )?)
}

pub fn reschedule(ctx: &Ctx, a: Reschedule) -> Result<Activity> {
    let schedule = a.when.schedule()?;
    Ok(ctx
        .companion
        .care_plans()
        .change_schedule(a.activity, schedule, a.from)?)
}

pub fn done(ctx: &Ctx, a: Done) -> Result<Completion> {
    let outcome: Outcome = parse::enum_value("--outcome", &a.outcome)?;
    let at = parse::instant_or("--at", a.at.as_deref(), ctx.now())?;
    Ok(ctx.companion.care_plans().record_completion(
        a.activity,
        NewCompletion {
            occurred_at: at,
            utc_offset_minutes: ctx.offset_minutes(at),
            outcome,
            note: a.note,
            value: None,
        },
    )?)
}

pub fn adherence(ctx: &Ctx, a: Range) -> Result<PlanAdherence> {
    let plans = ctx.companion.care_plans();
    let plan = plans.plan(a.plan.clone())?;
    let adherence = plans.adherence(a.plan, a.from, a.to)?;
    Ok(PlanAdherence { adherence, plan })
}

pub fn review(ctx: &Ctx, a: ReviewArgs) -> Result<Review> {
    Ok(ctx
        .companion
        .care_plans()
        .record_review(a.plan, a.review.into())?)
}

pub fn run_plan(ctx: &Ctx, command: PlanCommand) -> Result<()> {
    match command {
        PlanCommand::Create(a) => {
            let plan = create(ctx, a)?;
            ctx.out.created(&plan.id, &plan);
        }
        PlanCommand::List => ctx
            .out
            .show(&Plans(ctx.companion.care_plans().list_plans()?)),
        PlanCommand::Show { plan, as_of } => ctx.out.show(&show(ctx, plan, as_of.as_deref())?),
        PlanCommand::History { plan } => ctx.out.show(&history(ctx, plan)?),
        PlanCommand::Update(a) => {
            let plan = update(ctx, a)?;
            ctx.out.said("updated", &plan);
        }
        PlanCommand::Proposals { plan } => ctx.out.show(&Proposals(
            ctx.companion.care_plans().review_proposals(plan)?,
        )),
        PlanCommand::Accept { proposal } => {
            let review = accept(ctx, proposal)?;
            ctx.out.created(&review.id, &review);
        }
        PlanCommand::Decline { proposal } => {
            ctx.companion
                .care_plans()
                .decline_review_proposal(proposal)?;
            ctx.out.done("declined; your plan stays as it was");
        }
    }
    Ok(())
}

pub fn accept(ctx: &Ctx, proposal: String) -> Result<Review> {
    Ok(ctx
        .companion
        .care_plans()
        .accept_review_proposal(proposal)?)
}

pub fn run_goal(ctx: &Ctx, command: GoalCommand) -> Result<()> {
    match command {
        GoalCommand::Add(a) => {
            let goal = add_goal(ctx, a)?;
            ctx.out.created(&goal.id, &goal);
        }
        GoalCommand::Status { goal, status } => {
            let goal = goal_status(ctx, goal, &status)?;
            ctx.out.said("updated", &goal);
        }
    }
    Ok(())
}
