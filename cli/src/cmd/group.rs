//! Peer groups: starting one, inviting and joining, the chat, meetups with
//! their RSVPs and who came.

use crate::ctx::Ctx;
use crate::fail::{Fail, Result};
use crate::parse;
use crate::render::groups::{Chat, Groups, Meetups, Members};
use clap::{Args, Subcommand};
use pph_core::*;
use std::time::SystemTime;

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Start a group; you facilitate it.
    Create(Create),
    /// The groups on this device.
    List,
    /// A code that lets someone join (facilitators).
    Invite {
        group: String,
        /// How long it works: 2h, 7d (at most 30 days).
        #[arg(long = "for", default_value = "7d")]
        span: String,
    },
    /// Stop a code from letting anyone else in (facilitators).
    RevokeInvite {
        group: String,
        code: String,
    },
    /// Join with a code; the group arrives with the next sync.
    Join {
        code: String,
    },
    Members {
        group: String,
    },
    Leave {
        group: String,
    },
    /// Remove a member, who cannot rejoin until let back (facilitators).
    Remove {
        group: String,
        account: String,
    },
    /// Let a removed member join again (facilitators).
    Readmit {
        group: String,
        account: String,
    },
    /// The latest messages, oldest first; marks them read.
    Chat {
        group: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// An older page: the `next` a previous page gave.
        #[arg(long)]
        before: Option<String>,
    },
    /// Write to the group (sent with the next sync).
    Post(Post),
    /// Change your message.
    Edit {
        message: String,
        text: String,
    },
    /// Take your message back (its place stays).
    Retract {
        message: String,
    },
    React {
        message: String,
        emoji: String,
        /// Take the reaction back.
        #[arg(long)]
        off: bool,
    },
    /// Arrange a meetup.
    Meetup(MeetupArgs),
    /// The group's timebank: offers, requests, time given and received.
    Timebank {
        #[command(subcommand)]
        command: super::timebank::TimebankCommand,
    },
    Meetups {
        group: String,
    },
    /// yes, no or maybe.
    Rsvp {
        meetup: String,
        answer: String,
    },
    /// Record whether someone came (facilitators).
    Attendance {
        meetup: String,
        account: String,
        #[arg(long)]
        absent: bool,
    },
    /// Count a meetup you attended as done for a care-plan activity.
    Count {
        meetup: String,
        #[arg(long)]
        activity: String,
    },
}

#[derive(Args, Default)]
pub struct Create {
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub purpose: String,
    /// e.g. COPD, low mood.
    #[arg(long)]
    pub focus: Option<String>,
}

#[derive(Args, Default)]
pub struct Post {
    pub group: String,
    pub text: String,
    #[arg(long)]
    pub reply_to: Option<String>,
}

#[derive(Args, Default)]
pub struct MeetupArgs {
    pub group: String,
    #[arg(long)]
    pub title: String,
    /// When it starts (RFC 3339).
    #[arg(long)]
    pub start: String,
    /// How long: 90m, 2h.
    #[arg(long = "for", default_value = "1h")]
    pub span: String,
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub link: Option<String>,
    #[arg(long)]
    pub capacity: Option<u32>,
    #[arg(long, default_value = "")]
    pub notes: String,
}

pub fn create(ctx: &Ctx, a: Create) -> Result<Group> {
    Ok(ctx.block_on(ctx.companion.groups().create_group(NewGroup {
        name: a.name,
        purpose: a.purpose,
        condition_focus: a.focus,
    }))?)
}

pub fn invite(ctx: &Ctx, group: String, span: &str) -> Result<GroupInvite> {
    // Expiry is the relay's to judge, by the wall clock.
    let until = SystemTime::now() + parse::span("--for", span)?;
    Ok(ctx.block_on(ctx.companion.groups().invite_code(group, until))?)
}

pub fn join(ctx: &Ctx, code: String) -> Result<String> {
    Ok(ctx.block_on(ctx.companion.groups().join_group(code))?)
}

pub fn members(ctx: &Ctx, group: String) -> Result<Members> {
    Ok(Members(
        ctx.block_on(ctx.companion.groups().members(group))?,
    ))
}

pub fn chat(ctx: &Ctx, group: String, limit: u32, before: Option<String>) -> Result<Chat> {
    let groups = ctx.companion.groups();
    let page = groups.messages(group.clone(), limit, before)?;
    groups.mark_read(group)?;
    Ok(Chat(page))
}

pub fn post(ctx: &Ctx, a: Post) -> Result<ChatMessage> {
    Ok(ctx
        .companion
        .groups()
        .post_message(a.group, a.text, a.reply_to)?)
}

pub fn edit(ctx: &Ctx, message: String, text: String) -> Result<ChatMessage> {
    Ok(ctx.companion.groups().edit_message(message, text)?)
}

pub fn react(ctx: &Ctx, message: String, emoji: String, on: bool) -> Result<()> {
    Ok(ctx.companion.groups().react(message, emoji, on)?)
}

pub fn meetup(ctx: &Ctx, a: MeetupArgs) -> Result<Meetup> {
    let starts_at = parse::instant("--start", &a.start)?;
    let ends_at = starts_at + parse::span("--for", &a.span)?;
    Ok(ctx.companion.groups().create_meetup(
        a.group,
        NewMeetup {
            title: a.title,
            starts_at,
            ends_at,
            place: a.place,
            online_link: a.link,
            capacity: a.capacity,
            notes: a.notes,
        },
    )?)
}

pub fn meetups(ctx: &Ctx, group: String) -> Result<Meetups> {
    Ok(Meetups(ctx.companion.groups().meetups(group)?))
}

pub fn rsvp(ctx: &Ctx, meetup: String, answer: &str) -> Result<MeetupView> {
    let answer: RsvpAnswer = parse::enum_value("answer", answer)?;
    Ok(ctx.companion.groups().rsvp(meetup, answer)?)
}

pub fn attendance(ctx: &Ctx, meetup: String, account: String, came: bool) -> Result<MeetupView> {
    Ok(ctx
        .companion
        .groups()
        .record_attendance(meetup, account, came)?)
}

pub fn count(ctx: &Ctx, meetup: String, activity: String) -> Result<Completion> {
    let offset = ctx.offset_minutes(ctx.now());
    Ok(ctx
        .companion
        .groups()
        .count_attendance(meetup, activity, offset)?)
}

pub fn run(ctx: &Ctx, command: GroupCommand) -> Result<()> {
    let groups = ctx.companion.groups();
    match command {
        GroupCommand::Create(a) => {
            let group = create(ctx, a)?;
            ctx.out.created(&group.id, &group);
        }
        GroupCommand::List => ctx.out.show(&Groups(groups.groups()?)),
        GroupCommand::Invite { group, span } => {
            let invite = invite(ctx, group, &span)?;
            ctx.out.created(&invite.code, &invite);
        }
        GroupCommand::RevokeInvite { group, code } => {
            ctx.block_on(groups.revoke_invite(group, code))?;
            ctx.out.done("the code no longer works");
        }
        GroupCommand::Join { code } => {
            let group = join(ctx, code)?;
            ctx.out
                .created(&group, &serde_json::json!({ "group_id": group }));
        }
        GroupCommand::Members { group } => ctx.out.show(&members(ctx, group)?),
        GroupCommand::Timebank { command } => super::timebank::run(ctx, command)?,
        GroupCommand::Leave { group } => {
            ctx.block_on(groups.leave_group(group))?;
            ctx.out.done("left");
        }
        GroupCommand::Remove { group, account } => {
            ctx.block_on(groups.remove_member(group, account))?;
            ctx.out.done("removed");
        }
        GroupCommand::Readmit { group, account } => {
            ctx.block_on(groups.readmit_member(group, account))?;
            ctx.out.done("may join again with an invite code");
        }
        GroupCommand::Chat {
            group,
            limit,
            before,
        } => ctx.out.show(&chat(ctx, group, limit, before)?),
        GroupCommand::Post(a) => {
            let message = post(ctx, a)?;
            ctx.out.created(&message.id, &message);
        }
        GroupCommand::Edit { message, text } => {
            let message = edit(ctx, message, text)?;
            ctx.out.said("edited", &message);
        }
        GroupCommand::Retract { message } => {
            groups.retract_message(message)?;
            ctx.out.done("retracted");
        }
        GroupCommand::React {
            message,
            emoji,
            off,
        } => {
            react(ctx, message, emoji, !off)?;
            ctx.out.done(if off {
                "reaction taken back"
            } else {
                "reacted"
            });
        }
        GroupCommand::Meetup(a) => {
            let meetup = meetup(ctx, a)?;
            ctx.out.created(&meetup.id, &meetup);
        }
        GroupCommand::Meetups { group } => ctx.out.show(&meetups(ctx, group)?),
        GroupCommand::Rsvp { meetup, answer } => ctx.out.show(&rsvp(ctx, meetup, &answer)?),
        GroupCommand::Attendance {
            meetup,
            account,
            absent,
        } => ctx.out.show(&attendance(ctx, meetup, account, !absent)?),
        GroupCommand::Count { meetup, activity } => ctx.out.show(&count(ctx, meetup, activity)?),
    }
    Ok(())
}

/// This device's account id, for commands that name a person.
pub fn my_account(ctx: &Ctx) -> Result<String> {
    ctx.companion
        .sync()
        .status()?
        .account
        .map(|a| a.account_id)
        .ok_or_else(|| {
            Fail::new(
                crate::fail::Status::NotAllowed,
                "not signed in (pph sync signin)",
            )
        })
}
