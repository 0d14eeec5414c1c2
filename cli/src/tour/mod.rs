//! `pph tour`: an end-to-end walk through everything, on temporary
//! encrypted stores and a relay on this machine, printing what each person
//! would see. Each scene runs the same command functions the shell runs,
//! on a device's `Ctx`; time runs on one manual clock so a fortnight
//! passes in a moment.

mod budget;
mod diary;
mod groups;
mod intruder;
mod plan;
mod referral;
mod relay;
mod rights;
mod safety;
mod sealed;
mod share;
mod sync;
mod timebank;
mod today;

use crate::cmd::sync::{ask_code, sign_up, SignUp};
use crate::ctx::{self, Ctx, Offset};
use crate::fail::{Fail, Result, Status};
use crate::out::{line, Out};
use pph_core::clock::ManualClock;
use pph_core::{AccountInfo, Companion, CompanionConfig};
use pph_protocol::Change;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Monday 2 March 2026, 08:00 UTC.
const START_MS: u64 = 1_772_438_400_000;
const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;
const PASSWORD: &str = "tour password, not for real use";

pub(crate) const ANN: &str = "Ann's phone";
pub(crate) const TABLET: &str = "Ann's tablet";
pub(crate) const LAPTOP: &str = "Surgery laptop";
pub(crate) const JIM: &str = "Jim";
pub(crate) const ROSA: &str = "Rosa";

/// Ids later scenes build on.
#[derive(Default)]
struct Story {
    plan: String,
    walk_goal: String,
    sleep_goal: String,
    walk: String,
    group_activity: String,
    /// Just before the review, to look back at.
    before_review: String,
    server_url: String,
    group: String,
    welcome: String,
}

pub struct Tour {
    /// Stopped before its folder goes (fields drop in this order).
    server: Option<relay::RelayProcess>,
    dir: tempfile::TempDir,
    key: Vec<u8>,
    clock: Arc<ManualClock>,
    runtime: Arc<tokio::runtime::Runtime>,
    devices: BTreeMap<&'static str, Ctx>,
    story: Story,
}

struct Scene {
    title: &'static str,
    play: fn(&mut Tour) -> Result<()>,
}

const SCENES: &[Scene] = &[
    Scene {
        title: "An encrypted store on this phone",
        play: plan::open,
    },
    Scene {
        title: "Ann writes her care plan in her own words",
        play: plan::write,
    },
    Scene {
        title: "Two weeks of ticking things off (UK time, UTC+0)",
        play: plan::tick,
    },
    Scene {
        title: "The review with Priya",
        play: plan::review,
    },
    Scene {
        title: "History: what changed, when, on which device (last 6 of all)",
        play: plan::history,
    },
    Scene {
        title: "The plan as it stood before the review",
        play: plan::as_it_stood,
    },
    Scene {
        title: "A week of Ann's symptom diary",
        play: diary::week,
    },
    Scene {
        title: "A PHQ-9, with its safety message",
        play: diary::phq9,
    },
    Scene {
        title: "Ann's personal health budget",
        play: budget::budget,
    },
    Scene {
        title: "Sync: a server on this machine",
        play: sync::sign_up,
    },
    Scene {
        title: "Offline on both, then together again",
        play: sync::offline_edits,
    },
    Scene {
        title: "Two weeks on: Ann's phone keeps logging, offline",
        play: sync::offline_logging,
    },
    Scene {
        title: "What the relay keeps: sealed on the phone, opened only by Ann's devices",
        play: sealed::relay_view,
    },
    Scene {
        title: "Social prescribing: a link worker's referral to a walking group",
        play: referral::walking_group,
    },
    Scene {
        title: "Ann shares with Dr Okafor for the consultation",
        play: share::consultation,
    },
    Scene {
        title: "An intruder in the relay's database slips Ann a key",
        play: intruder::slipped_key,
    },
    Scene {
        title: "Jim's breathing group",
        play: groups::chat,
    },
    Scene {
        title: "An intruder in the relay's database adds someone to the group",
        play: intruder::added_member,
    },
    Scene {
        title: "A park walk with two places",
        play: groups::walk,
    },
    Scene {
        title: "The group's timebank: a lift, confirmed once both phones sync",
        play: timebank::lift,
    },
    Scene {
        title: "Ann's morning: Today, and reminders across a clock change",
        play: today::morning,
    },
    Scene {
        title: "Ann's record is hers: export, a new phone, erasure",
        play: rights::take_it_with_her,
    },
    Scene {
        title: "Rosa leaves for good: her account deleted everywhere",
        play: rights::rosa_leaves,
    },
    Scene {
        title: "Mistakes are refused, and nothing is written",
        play: safety::mistakes,
    },
    Scene {
        title: "Only the right key opens the store",
        play: safety::keys,
    },
];

pub fn run() -> Result<()> {
    let mut tour = Tour::new()?;
    for scene in SCENES {
        line(&format!("\n== {} ==", scene.title));
        (scene.play)(&mut tour)?;
    }
    line("\nTour complete. The temporary store is deleted on exit.");
    Ok(())
}

impl Tour {
    fn new() -> Result<Tour> {
        let dir = tempfile::tempdir().map_err(|e| {
            Fail::new(
                Status::Failure,
                format!("no temporary directory: {}", e.kind()),
            )
        })?;
        Ok(Tour {
            dir,
            key: rand::random::<[u8; 32]>().to_vec(),
            clock: Arc::new(ManualClock::new(START_MS)),
            runtime: ctx::runtime()?,
            devices: BTreeMap::new(),
            server: None,
            story: Story::default(),
        })
    }

    fn config(&self, name: &str, key: &[u8]) -> CompanionConfig {
        CompanionConfig {
            db_path: self.path(name).to_string_lossy().into_owned(),
            encryption_key: key.to_vec(),
            device_name: name.into(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.db"))
    }

    /// Opens a device's store (its own file, the tour's key and clock).
    fn open(&mut self, name: &'static str) -> Result<Ctx> {
        let companion =
            Companion::open_with_clock(self.config(name, &self.key), self.clock.clone())?;
        let device = Ctx::new(
            companion,
            Out::text(),
            self.clock.clone(),
            self.runtime.clone(),
            Offset::Fixed(0),
        );
        self.devices.insert(name, device.clone());
        Ok(device)
    }

    fn device(&self, name: &str) -> Result<Ctx> {
        self.devices
            .get(name)
            .cloned()
            .ok_or_else(|| Fail::new(Status::Failure, format!("the tour has no {name}")))
    }

    /// An instant in the tour's first weeks, for `--at`.
    fn at(day: u64, hour: u64) -> String {
        crate::render::rfc3339(
            UNIX_EPOCH + Duration::from_millis(START_MS + day * DAY_MS + hour * HOUR_MS),
        )
    }

    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(pph_core::clock::Clock::now_ms(self.clock.as_ref()))
    }
}

pub(super) fn failed(e: impl std::fmt::Display) -> Fail {
    Fail::new(Status::Failure, e.to_string())
}

impl Tour {
    /// Starts the relay (`pph-server` on a loopback port, its own SQLite
    /// file), kept until the tour ends; its address.
    fn start_relay(&mut self) -> Result<String> {
        let relay = relay::RelayProcess::start(&self.dir.path().join("server.db"))?;
        let url = relay.url.clone();
        self.server = Some(relay);
        Ok(url)
    }

    /// Signs `phone` up as its person does: a code asked for, read in the
    /// mail the relay wrote, and typed in with the password.
    fn sign_up(&self, phone: &Ctx, email: &str, name: &str, role: &str) -> Result<AccountInfo> {
        let server = self.story.server_url.clone();
        ask_code(phone, &server, email)?;
        let code = self
            .server
            .as_ref()
            .ok_or_else(|| failed("the relay has not started"))?
            .mailed_code(email)?;
        sign_up(
            phone,
            SignUp {
                server,
                email: email.into(),
                name: name.into(),
                role: role.into(),
                code: Some(code),
                ..SignUp::default()
            },
            PASSWORD,
        )
    }

    /// The relay's operator vouches for a clinician (`pph-server admin
    /// verify-clinician`): only then may a patient share with them.
    fn verify_clinician(&self, email: &str) -> Result<()> {
        self.server
            .as_ref()
            .ok_or_else(|| failed("the relay has not started"))?
            .verify_clinician(email)
    }

    /// Every change of `space` as the relay holds it (as a breach of its
    /// database would read it), through the relay's operator command.
    fn relay_changes(&self, space: &str) -> Result<Vec<Change>> {
        self.server
            .as_ref()
            .ok_or_else(|| failed("the relay has not started"))?
            .changes(space)
    }
}

pub(super) fn last_diary_entry(changes: &[Change]) -> Result<&Change> {
    changes
        .iter()
        .rev()
        .find(|c| c.entity_type == "diary_entry")
        .ok_or_else(|| failed("no diary entry on the relay"))
}

/// One line of the story.
fn say(text: impl AsRef<str>) {
    line(text.as_ref());
}
