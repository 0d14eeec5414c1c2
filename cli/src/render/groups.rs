//! Peer groups, chats and meetups as the terminal shows them.

use super::{instant, lines};
use crate::out::Show;
use pph_core::{
    ChatMessage, Group, GroupMember, MeetupPlace, MeetupView, MessagePage, MessageStatus,
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(transparent)]
pub struct Groups(pub Vec<Group>);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Members(pub Vec<GroupMember>);

/// A page of a conversation (newest first, as the core pages it).
#[derive(Serialize)]
#[serde(transparent)]
pub struct Chat(pub MessagePage);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Meetups(pub Vec<MeetupView>);

impl Show for Groups {
    fn text(&self) -> String {
        lines(&self.0, |g| {
            let focus = g
                .condition_focus
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            format!("{}  {}{focus}", g.id, g.name)
        })
    }
}

impl Show for Members {
    fn text(&self) -> String {
        lines(&self.0, |m| {
            format!("{}  {} ({:?})", m.account_id, m.display_name, m.role)
        })
    }
}

fn message(m: &ChatMessage) -> String {
    let reactions: Vec<String> = m
        .reactions
        .iter()
        .map(|r| format!("{} {}", r.emoji, r.count))
        .collect();
    let body = if m.hidden {
        "(hidden by a facilitator)"
    } else if m.retracted {
        "(taken back)"
    } else {
        &m.body
    };
    format!(
        "  {:<5} {body}{}{}{}",
        m.author_name,
        if m.edited { " (edited)" } else { "" },
        if reactions.is_empty() {
            String::new()
        } else {
            format!("  [{}]", reactions.join(", "))
        },
        match m.status {
            MessageStatus::Pending => "  (pending)",
            MessageStatus::Failed => "  (failed)",
            MessageStatus::Sent => "",
        }
    )
}

impl Show for ChatMessage {
    fn text(&self) -> String {
        format!("{}\n", message(self))
    }
}

impl Show for Chat {
    fn text(&self) -> String {
        let mut out: String = self
            .0
            .messages
            .iter()
            .rev()
            .map(|m| format!("{}\n", message(m)))
            .collect();
        if let Some(next) = &self.0.next {
            out.insert_str(0, &format!("(older: --before {next})\n"));
        }
        out
    }
}

impl Show for MeetupView {
    fn text(&self) -> String {
        let m = &self.meetup;
        let place = m
            .place
            .as_deref()
            .or(m.online_link.as_deref())
            .unwrap_or("somewhere to be agreed");
        let mut out = format!(
            "{}  {} at {place}{}{}  id {}\n  yes {}, no {}, maybe {}",
            instant(m.starts_at),
            m.title,
            if m.cancelled { " (cancelled)" } else { "" },
            if m.rescheduled { " (moved)" } else { "" },
            m.id,
            self.yes,
            self.no,
            self.maybe
        );
        if let Some(capacity) = m.capacity {
            out.push_str(&format!(" for {capacity} places"));
        }
        out.push_str(&format!("; going: {}", self.going.join(", ")));
        if !self.waitlist.is_empty() {
            out.push_str(&format!("; waiting: {}", self.waitlist.join(", ")));
        }
        out.push_str(&format!(
            "\n  you: {}\n",
            match (&self.my_answer, &self.my_place) {
                (None, _) => "no answer yet".to_owned(),
                (_, MeetupPlace::Going) => "going".to_owned(),
                (_, MeetupPlace::Waitlisted { position }) =>
                    format!("number {position} on the waiting list"),
                (Some(answer), MeetupPlace::NotGoing) => format!("{answer:?}").to_lowercase(),
            }
        ));
        out
    }
}

impl Show for Meetups {
    fn text(&self) -> String {
        self.0.iter().map(Show::text).collect()
    }
}
