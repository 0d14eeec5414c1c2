//! Personal care plans: the exported API. Each call validates, then runs one
//! transaction through the store.

pub(crate) mod adherence;
pub mod model;
mod proposals;
pub(crate) mod referral;
mod social_prescribing;
pub(crate) mod store;

use crate::error::{PphError, Result};
use crate::ids::{check_id, new_id};
use crate::store::change_log::{changes_for, fold};
use crate::store::{list_by, load_required, Entity, Store};
use crate::time::{from_ms, local_date, parse_date, to_ms};
use model::*;
use std::sync::Arc;
use std::time::SystemTime;

#[derive(uniffi::Object)]
pub struct CarePlans {
    store: Arc<Store>,
}

impl CarePlans {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        CarePlans { store }
    }
}

#[uniffi::export]
impl CarePlans {
    pub fn create_plan(&self, new: NewPlan) -> Result<PlanInfo, PphError> {
        new.validate()?;
        let plan = PlanInfo {
            id: new_id(),
            title: new.title,
            what_matters: new.what_matters,
            status: PlanStatus::Active,
            next_review: new.next_review,
        };
        self.store.write(|tx| tx.save_personal(None, &plan))?;
        Ok(plan)
    }

    /// The plan as it stands now.
    pub fn plan(&self, plan_id: String) -> Result<CarePlan, PphError> {
        check_id("plan_id", &plan_id)?;
        Ok(self.store.read(|conn| {
            let info: PlanInfo = load_required(conn, &plan_id)?;
            assemble(
                info,
                list_by(conn, "plan_id", &plan_id)?,
                list_by(conn, "plan_id", &plan_id)?,
                list_by(conn, "plan_id", &plan_id)?,
                list_by(conn, "plan_id", &plan_id)?,
            )
        })?)
    }

    /// The plan exactly as it stood at `at`, rebuilt from the change log.
    pub fn plan_as_of(&self, plan_id: String, at: SystemTime) -> Result<CarePlan, PphError> {
        check_id("plan_id", &plan_id)?;
        let at_ms = to_ms("at", at)?;
        Ok(self.store.read(|conn| {
            let ids = store::member_ids(conn, &plan_id, false)?;
            let changes = changes_for(conn, &ids, Some(at_ms))?;
            let info = fold::<PlanInfo>(&changes)?
                .pop()
                .ok_or_else(|| PphError::not_found(PlanInfo::KIND, &plan_id))?;
            assemble(
                info,
                fold(&changes)?,
                fold(&changes)?,
                fold(&changes)?,
                fold(&changes)?,
            )
        })?)
    }

    pub fn list_plans(&self) -> Result<Vec<PlanInfo>, PphError> {
        Ok(self.store.read(store::list_plans)?)
    }

    /// Every change to the plan and everything in it, oldest first.
    pub fn history(&self, plan_id: String) -> Result<Vec<PlanChange>, PphError> {
        check_id("plan_id", &plan_id)?;
        Ok(self.store.read(|conn| {
            load_required::<PlanInfo>(conn, &plan_id)?;
            let ids = store::member_ids(conn, &plan_id, true)?;
            Ok(changes_for(conn, &ids, None)?
                .into_iter()
                .map(|c| PlanChange {
                    at: from_ms(c.hlc.wall_ms),
                    device: c.device,
                    entity_type: c.entity_type,
                    entity_id: c.entity_id,
                    field: c.field,
                    value_json: c.value.to_string(),
                })
                .collect())
        })?)
    }

    pub fn update_plan(&self, plan_id: String, update: PlanUpdate) -> Result<PlanInfo, PphError> {
        check_id("plan_id", &plan_id)?;
        update.validate()?;
        Ok(self.store.write(|tx| {
            let old: PlanInfo = load_required(tx.tx, &plan_id)?;
            let mut new = old.clone();
            set(&mut new.title, update.title);
            set(&mut new.what_matters, update.what_matters);
            set(&mut new.status, update.status);
            if update.next_review.is_some() {
                new.next_review = update.next_review;
            }
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    pub fn add_contact(&self, plan_id: String, new: NewContact) -> Result<Contact, PphError> {
        check_id("plan_id", &plan_id)?;
        new.validate()?;
        Ok(self.store.write(|tx| {
            load_required::<PlanInfo>(tx.tx, &plan_id)?;
            let contact = Contact {
                id: new_id(),
                plan_id,
                name: new.name,
                role: new.role,
                reach: new.reach,
                removed: false,
            };
            tx.save_personal(None, &contact)?;
            Ok(contact)
        })?)
    }

    /// Takes someone out of the support network; history keeps them.
    pub fn remove_contact(&self, contact_id: String) -> Result<(), PphError> {
        check_id("contact_id", &contact_id)?;
        Ok(self.store.write(|tx| {
            let old: Contact = load_required(tx.tx, &contact_id)?;
            let new = Contact {
                removed: true,
                ..old.clone()
            };
            tx.save_personal(Some(&old), &new)
        })?)
    }

    pub fn add_goal(&self, plan_id: String, new: NewGoal) -> Result<Goal, PphError> {
        check_id("plan_id", &plan_id)?;
        new.validate()?;
        Ok(self.store.write(|tx| {
            load_required::<PlanInfo>(tx.tx, &plan_id)?;
            let goal = Goal {
                id: new_id(),
                plan_id,
                description: new.description,
                expressed_by: new.expressed_by,
                target: new.target,
                status: new.status.unwrap_or(GoalStatus::Active),
            };
            tx.save_personal(None, &goal)?;
            Ok(goal)
        })?)
    }

    pub fn update_goal(&self, goal_id: String, update: GoalUpdate) -> Result<Goal, PphError> {
        check_id("goal_id", &goal_id)?;
        update.validate()?;
        Ok(self.store.write(|tx| {
            let old: Goal = load_required(tx.tx, &goal_id)?;
            let mut new = old.clone();
            set(&mut new.description, update.description);
            if update.target.is_some() {
                new.target = update.target;
            }
            set(&mut new.status, update.status);
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    pub fn add_activity(&self, goal_id: String, new: NewActivity) -> Result<Activity, PphError> {
        check_id("goal_id", &goal_id)?;
        new.validate()?;
        Ok(self.store.write(|tx| {
            let goal: Goal = load_required(tx.tx, &goal_id)?;
            check_responsible(tx.tx, &goal.plan_id, &new.responsible)?;
            let activity = Activity {
                id: new_id(),
                plan_id: goal.plan_id,
                goal_id,
                description: new.description,
                responsible: new.responsible,
                schedule: new.schedule,
                past_schedules: vec![],
                referral: None,
            };
            tx.save_personal(None, &activity)?;
            Ok(activity)
        })?)
    }

    pub fn update_activity(
        &self,
        activity_id: String,
        update: ActivityUpdate,
    ) -> Result<Activity, PphError> {
        check_id("activity_id", &activity_id)?;
        update.validate()?;
        Ok(self.store.write(|tx| {
            let old: Activity = load_required(tx.tx, &activity_id)?;
            let mut new = old.clone();
            set(&mut new.description, update.description);
            if let Some(r) = update.responsible {
                check_responsible(tx.tx, &old.plan_id, &r)?;
                new.responsible = r;
            }
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    /// Replaces the schedule from a local date on; days before it keep the
    /// old schedule for adherence.
    pub fn change_schedule(
        &self,
        activity_id: String,
        schedule: Schedule,
        effective_from: String,
    ) -> Result<Activity, PphError> {
        check_id("activity_id", &activity_id)?;
        schedule.validate()?;
        let from = parse_date("effective_from", &effective_from)?;
        Ok(self.store.write(|tx| {
            let old: Activity = load_required(tx.tx, &activity_id)?;
            if let Some(last) = old.past_schedules.last() {
                if from <= parse_date("until", &last.until)? {
                    return Err(PphError::validation(
                        "effective_from",
                        "must be after the previous schedule change",
                    )
                    .into());
                }
            }
            let mut new = old.clone();
            new.past_schedules.push(PastSchedule {
                schedule: old.schedule.clone(),
                until: effective_from,
            });
            new.schedule = schedule;
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    pub fn record_completion(
        &self,
        activity_id: String,
        new: NewCompletion,
    ) -> Result<Completion, PphError> {
        check_id("activity_id", &activity_id)?;
        new.validate()?;
        let at_ms = to_ms("occurred_at", new.occurred_at)?;
        Ok(self.store.write(|tx| {
            let activity: Activity = load_required(tx.tx, &activity_id)?;
            let completion = Completion {
                id: new_id(),
                plan_id: activity.plan_id,
                activity_id,
                occurred_at: new.occurred_at,
                utc_offset_minutes: new.utc_offset_minutes,
                local_date: local_date(at_ms, new.utc_offset_minutes).to_string(),
                outcome: new.outcome,
                note: new.note,
                value: new.value,
            };
            tx.save_personal(None, &completion)?;
            Ok(completion)
        })?)
    }

    /// Completions of one activity between two local dates, inclusive.
    pub fn completions(
        &self,
        activity_id: String,
        from: String,
        to: String,
    ) -> Result<Vec<Completion>, PphError> {
        check_id("activity_id", &activity_id)?;
        adherence::check_range(parse_date("from", &from)?, parse_date("to", &to)?)?;
        Ok(self.store.read(|conn| {
            let activity: Activity = load_required(conn, &activity_id)?;
            store::completions_between(conn, &activity.plan_id, Some(&activity_id), &from, &to)
        })?)
    }

    /// Adherence per activity and for the whole plan between two local dates, inclusive.
    pub fn adherence(
        &self,
        plan_id: String,
        from: String,
        to: String,
    ) -> Result<Adherence, PphError> {
        check_id("plan_id", &plan_id)?;
        let (from_d, to_d) = (parse_date("from", &from)?, parse_date("to", &to)?);
        adherence::check_range(from_d, to_d)?;
        let (activities, marks) = self.store.read(|conn| {
            load_required::<PlanInfo>(conn, &plan_id)?;
            Ok((
                list_by::<Activity>(conn, "plan_id", &plan_id)?,
                store::marks_between(conn, &plan_id, &from, &to)?,
            ))
        })?;
        adherence::adherence(&activities, &marks, from_d, to_d)
    }

    /// Records a review and sets the plan's next review date from it.
    pub fn record_review(&self, plan_id: String, new: NewReview) -> Result<Review, PphError> {
        check_id("plan_id", &plan_id)?;
        new.validate()?;
        Ok(self.store.write(|tx| {
            let old: PlanInfo = load_required(tx.tx, &plan_id)?;
            let review = Review {
                id: new_id(),
                plan_id,
                date: new.date,
                participants: new.participants,
                notes: new.notes,
                outcome: new.outcome,
                next_review: new.next_review,
            };
            save_review(tx, &old, &review)?;
            Ok(review)
        })?)
    }
}

/// Stores a new review and moves its plan's next review date to the
/// review's, if it names one.
pub(crate) fn save_review(
    tx: &mut crate::store::WriteTx<'_>,
    plan: &PlanInfo,
    review: &Review,
) -> Result<()> {
    tx.save_personal(None, review)?;
    if review.next_review.is_some() {
        let moved = PlanInfo {
            next_review: review.next_review.clone(),
            ..plan.clone()
        };
        tx.save_personal(Some(plan), &moved)?;
    }
    Ok(())
}

/// A named contact must belong to the same plan and still be in it.
fn check_responsible(conn: &rusqlite::Connection, plan_id: &str, who: &Responsible) -> Result<()> {
    check_person(conn, plan_id, who, "responsible.contact_id")
}

/// Someone named in the plan: the person, or a current member of its
/// support network.
fn check_person(
    conn: &rusqlite::Connection,
    plan_id: &str,
    who: &Responsible,
    field: &str,
) -> Result<()> {
    if let Responsible::Contact { contact_id } = who {
        check_id(field, contact_id)?;
        let contact: Contact = load_required(conn, contact_id)?;
        if contact.plan_id != plan_id || contact.removed {
            return Err(
                PphError::validation(field, "is not in this plan's support network").into(),
            );
        }
    }
    Ok(())
}

/// Applies one optional field of an update.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn assemble(
    info: PlanInfo,
    mut contacts: Vec<Contact>,
    mut goals: Vec<Goal>,
    mut activities: Vec<Activity>,
    mut reviews: Vec<Review>,
) -> Result<CarePlan> {
    // Ordered by what every replica shares: ids are UUIDv7, so creation
    // order; local insertion order differs between devices after sync.
    crate::order::sort_by(&mut contacts, |a, b| a.id.cmp(&b.id));
    crate::order::sort_by(&mut goals, |a, b| a.id.cmp(&b.id));
    crate::order::sort_by(&mut activities, |a, b| a.id.cmp(&b.id));
    crate::order::sort_by(&mut reviews, |a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
    Ok(CarePlan {
        info,
        contacts: contacts.into_iter().filter(|c| !c.removed).collect(),
        goals,
        activities,
        reviews,
    })
}
