//! Meetups of a group: announce, reschedule or cancel; RSVPs with a
//! waitlist beyond capacity; attendance recorded by the facilitator, which a
//! person can count as a completion of a care-plan activity.

use super::model::*;
use super::{store, Groups};
use crate::care_plan::model::{Completion, NewCompletion, Outcome};
use crate::care_plan::CarePlans;
use crate::error::{self, PphError};
use crate::ids::{check_id, derived_id, new_id, owned_id};
use crate::store::{load, load_required};
use crate::time::whole_ms;

impl Groups {
    fn meetup(&self, meetup_id: &str) -> Result<Meetup, PphError> {
        check_id("meetup_id", meetup_id)?;
        Ok(self
            .store
            .read(|conn| load_required::<Meetup>(conn, meetup_id))?)
    }

    pub(super) fn require_facilitator(&self, group_id: &str) -> Result<String, PphError> {
        super::require_facilitator(&self.store, group_id)
    }

    fn view(
        &self,
        conn: &rusqlite::Connection,
        meetup: Meetup,
        me: &str,
    ) -> error::Result<MeetupView> {
        let mut rsvps = store::rsvps(conn, &meetup.id)?;
        crate::order::sort_by(&mut rsvps, |a, b| {
            (a.yes_since_ms, &a.account_id).cmp(&(b.yes_since_ms, &b.account_id))
        });
        let count = |answer| rsvps.iter().filter(|r| r.answer == answer).count() as u32;
        let yes: Vec<&Rsvp> = rsvps
            .iter()
            .filter(|r| r.answer == RsvpAnswer::Yes)
            .collect();
        let places = meetup
            .capacity
            .map_or(yes.len(), |c| (c as usize).min(yes.len()));
        let my_answer = rsvps.iter().find(|r| r.account_id == me).map(|r| r.answer);
        let my_place = match yes.iter().position(|r| r.account_id == me) {
            Some(i) if i < places => MeetupPlace::Going,
            Some(i) => MeetupPlace::Waitlisted {
                position: (i - places + 1) as u32,
            },
            None => MeetupPlace::NotGoing,
        };
        let attended = store::attendance(conn, &meetup.id)?
            .into_iter()
            .filter(|a| a.attended)
            .map(|a| a.account_id)
            .collect();
        Ok(MeetupView {
            yes: count(RsvpAnswer::Yes),
            no: count(RsvpAnswer::No),
            maybe: count(RsvpAnswer::Maybe),
            going: yes[..places]
                .iter()
                .map(|r| r.display_name.clone())
                .collect(),
            waitlist: yes[places..]
                .iter()
                .map(|r| r.display_name.clone())
                .collect(),
            my_answer,
            my_place,
            attended,
            meetup,
        })
    }

    fn meetup_view(&self, meetup_id: &str) -> Result<MeetupView, PphError> {
        let me = self.me()?.account_id;
        Ok(self.store.read(|conn| {
            let meetup = load_required::<Meetup>(conn, meetup_id)?;
            self.view(conn, meetup, &me)
        })?)
    }

    fn save_meetup(&self, old: Option<&Meetup>, new: &Meetup) -> Result<(), PphError> {
        Ok(self.store.write(|tx| tx.save(&new.group_id, old, new))?)
    }
}

#[uniffi::export]
impl Groups {
    pub fn create_meetup(&self, group_id: String, new: NewMeetup) -> Result<Meetup, PphError> {
        new.validate()?;
        let group = self.group(&group_id)?;
        let meetup = Meetup {
            id: new_id(),
            group_id: group.id,
            title: new.title.trim().to_owned(),
            starts_at: whole_ms(new.starts_at),
            ends_at: whole_ms(new.ends_at),
            place: new.place,
            online_link: new.online_link,
            capacity: new.capacity,
            notes: new.notes,
            created_by: self.me()?.account_id,
            cancelled: false,
            rescheduled: false,
        };
        self.save_meetup(None, &meetup)?;
        Ok(meetup)
    }

    /// Changes a meetup; a new time marks it rescheduled for everyone.
    pub fn update_meetup(&self, meetup_id: String, new: NewMeetup) -> Result<Meetup, PphError> {
        new.validate()?;
        let old = self.meetup(&meetup_id)?;
        let moved =
            (old.starts_at, old.ends_at) != (whole_ms(new.starts_at), whole_ms(new.ends_at));
        let meetup = Meetup {
            title: new.title.trim().to_owned(),
            starts_at: whole_ms(new.starts_at),
            ends_at: whole_ms(new.ends_at),
            place: new.place,
            online_link: new.online_link,
            capacity: new.capacity,
            notes: new.notes,
            rescheduled: old.rescheduled || moved,
            ..old.clone()
        };
        self.save_meetup(Some(&old), &meetup)?;
        Ok(meetup)
    }

    pub fn cancel_meetup(&self, meetup_id: String) -> Result<Meetup, PphError> {
        let old = self.meetup(&meetup_id)?;
        let meetup = Meetup {
            cancelled: true,
            ..old.clone()
        };
        self.save_meetup(Some(&old), &meetup)?;
        Ok(meetup)
    }

    /// Answers for this person. A yes keeps its place in the queue while it
    /// stays yes; beyond capacity it waits in line.
    pub fn rsvp(&self, meetup_id: String, answer: RsvpAnswer) -> Result<MeetupView, PphError> {
        let meetup = self.meetup(&meetup_id)?;
        if meetup.cancelled {
            return Err(PphError::validation(
                "meetup_id",
                "the meetup was cancelled",
            ));
        }
        let me = self.me()?;
        let id = owned_id(&me.account_id, &[&meetup_id]);
        let now = self.clock.now_ms();
        self.store.write(|tx| {
            let old: Option<Rsvp> = load(tx.tx, &id)?;
            let yes_since_ms = match (answer, &old) {
                (RsvpAnswer::Yes, Some(o)) if o.answer == RsvpAnswer::Yes => o.yes_since_ms,
                (RsvpAnswer::Yes, _) => Some(now),
                _ => None,
            };
            let new = Rsvp {
                id: id.clone(),
                meetup_id: meetup_id.clone(),
                group_id: meetup.group_id.clone(),
                account_id: me.account_id.clone(),
                display_name: me.display_name.clone(),
                answer,
                yes_since_ms,
            };
            if old.as_ref() == Some(&new) {
                return Ok(());
            }
            tx.save(&meetup.group_id, old.as_ref(), &new)
        })?;
        self.meetup_view(&meetup_id)
    }

    /// A group's meetups, soonest first, with answers and places.
    pub fn meetups(&self, group_id: String) -> Result<Vec<MeetupView>, PphError> {
        check_id("group_id", &group_id)?;
        let me = self.me()?.account_id;
        Ok(self.store.read(|conn| {
            store::meetups(conn, &group_id)?
                .into_iter()
                .map(|m| self.view(conn, m, &me))
                .collect()
        })?)
    }

    /// The facilitator marks who came.
    pub fn record_attendance(
        &self,
        meetup_id: String,
        account_id: String,
        attended: bool,
    ) -> Result<MeetupView, PphError> {
        check_id("account_id", &account_id)?;
        let meetup = self.meetup(&meetup_id)?;
        let me = self.require_facilitator(&meetup.group_id)?;
        let id = derived_id(&[&meetup_id, &account_id]);
        self.store.write(|tx| {
            let old: Option<Attendance> = load(tx.tx, &id)?;
            let new = Attendance {
                id: id.clone(),
                meetup_id: meetup_id.clone(),
                group_id: meetup.group_id.clone(),
                account_id: account_id.clone(),
                attended,
                recorded_by: me.clone(),
            };
            tx.save(&meetup.group_id, old.as_ref(), &new)
        })?;
        self.meetup_view(&meetup_id)
    }

    /// Counts having attended (as the facilitator recorded) as done for a
    /// care-plan activity such as "go to the breathing group".
    pub fn count_attendance(
        &self,
        meetup_id: String,
        activity_id: String,
        utc_offset_minutes: i32,
    ) -> Result<Completion, PphError> {
        let meetup = self.meetup(&meetup_id)?;
        let me = self.me()?.account_id;
        let id = derived_id(&[&meetup_id, &me]);
        let attended = self
            .store
            .read(|conn| Ok(load::<Attendance>(conn, &id)?.is_some_and(|a| a.attended)))?;
        if !attended {
            return Err(PphError::validation(
                "meetup_id",
                "no attendance recorded for this person yet",
            ));
        }
        CarePlans::new(self.store.clone()).record_completion(
            activity_id,
            NewCompletion {
                occurred_at: meetup.starts_at,
                utc_offset_minutes,
                outcome: Outcome::Done,
                note: Some(format!("Attended: {}", meetup.title)),
                value: None,
            },
        )
    }
}
