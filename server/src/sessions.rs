//! How long a device's session lives, decided without a database. A
//! session is the chain of tokens from one sign-in: the device swaps its
//! token for a fresh one (`POST /v1/sessions/refresh`) once a day, so a
//! phone synced weekly never notices, and each token carries its session's
//! id and the instant it began. A token is live while it is younger than
//! its lifetime, its session younger than a year (then the password is
//! asked again), it was used within the idle limit, and it is neither
//! revoked nor replaced (a replaced one answers for a short grace, for the
//! requests its device had in flight). A replaced token used after its
//! grace, or swapped a second time, was copied: its session ends, the
//! thief's tokens and the owner's alike, once.

use pph_protocol::wire::DeviceSession;

const DAY_MS: i64 = 86_400_000;
/// A token older than this is refused, however often it is used.
pub const LIFETIME_MS: i64 = 90 * DAY_MS;
/// A session older than this is refused, however often its token was
/// swapped: the device signs in with the password again.
pub const SESSION_MS: i64 = 365 * DAY_MS;
/// A token not used for this long is refused.
pub const IDLE_MS: i64 = 30 * DAY_MS;
/// How long a replaced token still answers.
pub const GRACE_MS: i64 = 60_000;
/// How long, by default, an ended session's tokens are kept after the
/// last thing done in it (`retention.ended_sessions_days`).
pub const ENDED_SESSIONS_KEPT_DAYS: u32 = 90;
/// The most days an operator may keep them: ten years.
pub const MOST_ENDED_SESSIONS_KEPT_DAYS: u32 = 3650;
/// How stale a token's last use may be before it is written again: a
/// request writes at most once an hour for its session.
pub const TOUCH_MS: i64 = 3_600_000;

/// The instants a live token's times must be after, at `now_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Live {
    pub made_after: i64,
    pub session_after: i64,
    pub used_after: i64,
    pub replaced_after: i64,
}

impl Live {
    pub fn at(now_ms: i64) -> Live {
        Live {
            made_after: now_ms - LIFETIME_MS,
            session_after: now_ms - SESSION_MS,
            used_after: now_ms - IDLE_MS,
            replaced_after: now_ms - GRACE_MS,
        }
    }
}

/// The instant before which an ended session's last activity must lie
/// for its tokens to be forgotten at `now_ms`, keeping them `kept_days`.
pub fn forget_quiet_before(now_ms: i64, kept_days: u32) -> i64 {
    now_ms - i64::from(kept_days) * DAY_MS
}

/// Whether a request at `now_ms` writes the token's last use again.
pub fn needs_touch(last_used_ms: i64, now_ms: i64) -> bool {
    now_ms - last_used_ms >= TOUCH_MS
}

/// One token of an account as the devices list reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub session: String,
    pub node: String,
    pub device_name: String,
    pub signed_in_ms: i64,
    pub last_used_ms: i64,
    pub live: bool,
    pub this_request: bool,
}

/// The account's signed-in devices, one per session with a live token:
/// the node and name its latest token gave, when it signed in and when it
/// was last seen; newest seen first. Someone who signs in under another
/// device's node and name shows as a second entry, with their own
/// sign-in time.
pub fn devices(rows: &[TokenRow]) -> Vec<DeviceSession> {
    let mut out: Vec<DeviceSession> = Vec::new();
    for row in rows {
        let at = match out.iter().position(|d| d.session == row.session) {
            Some(at) => at,
            None => {
                out.push(DeviceSession {
                    session: row.session.clone(),
                    node: row.node.clone(),
                    name: row.device_name.clone(),
                    first_seen_ms: row.signed_in_ms,
                    last_seen_ms: row.last_used_ms,
                    this_device: false,
                });
                out.len() - 1
            }
        };
        // Rows come oldest first: the latest token names the device.
        let d = &mut out[at];
        d.node = row.node.clone();
        d.name = row.device_name.clone();
        d.first_seen_ms = d.first_seen_ms.min(row.signed_in_ms);
        d.last_seen_ms = d.last_seen_ms.max(row.last_used_ms);
        d.this_device |= row.this_request;
    }
    out.retain(|d| rows.iter().any(|r| r.live && r.session == d.session));
    out.sort_by(|a, b| {
        b.last_seen_ms
            .cmp(&a.last_seen_ms)
            .then_with(|| a.session.cmp(&b.session))
    });
    out
}

pub use pph_protocol::wire::is_session;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(session: &str, name: &str, signed_in: i64, used: i64, live: bool) -> TokenRow {
        TokenRow {
            session: session.into(),
            node: "a1b2c3d4e5f60718".into(),
            device_name: name.into(),
            signed_in_ms: signed_in,
            last_used_ms: used,
            live,
            this_request: false,
        }
    }

    #[test]
    fn a_token_lives_a_lifetime_and_dies_idle_or_replaced() {
        let now = 1_000 * DAY_MS;
        let live = Live::at(now);
        assert_eq!(live.made_after, now - 90 * DAY_MS);
        assert_eq!(live.session_after, now - 365 * DAY_MS);
        assert_eq!(live.used_after, now - 30 * DAY_MS);
        assert_eq!(live.replaced_after, now - 60_000);
        assert!(!needs_touch(now - TOUCH_MS + 1, now));
        assert!(needs_touch(now - TOUCH_MS, now));
    }

    #[test]
    fn each_session_is_listed_once_with_its_latest_name_while_it_has_a_live_token() {
        let mut phone_now = row("p", "Ann's phone (renamed)", 10, 90, true);
        phone_now.this_request = true;
        let rows = [
            row("p", "Ann's phone", 10, 40, false),
            row("t", "Tablet", 20, 95, true),
            phone_now,
            // Someone signed in under the phone's node and name: a second
            // entry, signed in later.
            row("x", "Ann's phone", 80, 85, true),
            row("gone", "Old phone", 5, 30, false),
        ];
        let listed = devices(&rows);
        let seen: Vec<(&str, &str, i64, i64, bool)> = listed
            .iter()
            .map(|d| {
                (
                    d.session.as_str(),
                    d.name.as_str(),
                    d.first_seen_ms,
                    d.last_seen_ms,
                    d.this_device,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("t", "Tablet", 20, 95, false),
                ("p", "Ann's phone (renamed)", 10, 90, true),
                ("x", "Ann's phone", 80, 85, false),
            ]
        );
    }

    #[test]
    fn a_session_is_named_by_32_or_64_hex_digits() {
        assert!(is_session(&"ab".repeat(16)));
        assert!(is_session(&"0f".repeat(32)));
        for not in [
            "",
            "ab",
            &"AB".repeat(16),
            &"ab".repeat(17),
            "../../x",
            &"g".repeat(32),
        ] {
            assert!(!is_session(not), "{not}");
        }
    }
}

pph_protocol::debug_without_secrets!(TokenRow,);
