//! How long a device's session lives, decided without a database: a token
//! is live while it is younger than its lifetime, used within the idle
//! limit, and neither revoked nor replaced (a replaced one answers for a
//! short grace, for the requests its device had in flight). A device keeps
//! its session by swapping its token for a fresh one (`POST
//! /v1/sessions/refresh`) at least once a lifetime; a phone synced weekly
//! never notices, and a stolen token dies at the latest a lifetime after
//! it was made, or when its device next swaps: the replaced token, used
//! again after its grace, signs that device out everywhere (it was copied).

use pph_protocol::wire::DeviceSession;

const DAY_MS: i64 = 86_400_000;
/// A token older than this is refused, however often it is used.
pub const LIFETIME_MS: i64 = 90 * DAY_MS;
/// A token not used for this long is refused.
pub const IDLE_MS: i64 = 30 * DAY_MS;
/// How long a replaced token still answers.
pub const GRACE_MS: i64 = 60_000;
/// How stale a token's last use may be before it is written again: a
/// request writes at most once an hour for its session.
pub const TOUCH_MS: i64 = 3_600_000;

/// The instants a live token's times must be after, at `now_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Live {
    pub made_after: i64,
    pub used_after: i64,
    pub replaced_after: i64,
}

impl Live {
    pub fn at(now_ms: i64) -> Live {
        Live {
            made_after: now_ms - LIFETIME_MS,
            used_after: now_ms - IDLE_MS,
            replaced_after: now_ms - GRACE_MS,
        }
    }
}

/// Whether a request at `now_ms` writes the token's last use again.
pub fn needs_touch(last_used_ms: i64, now_ms: i64) -> bool {
    now_ms - last_used_ms >= TOUCH_MS
}

/// One token of an account as the devices list reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub node: String,
    pub device_name: String,
    pub made_ms: i64,
    pub last_used_ms: i64,
    pub live: bool,
    pub this_request: bool,
}

/// The account's signed-in devices, one per node with a live token: the
/// name it gave last, when it first signed in (its oldest token, live or
/// not) and when it was last seen; newest seen first.
pub fn devices(rows: &[TokenRow]) -> Vec<DeviceSession> {
    let mut out: Vec<DeviceSession> = Vec::new();
    let mut named_at: Vec<i64> = Vec::new();
    for row in rows {
        let at = match out.iter().position(|d| d.node == row.node) {
            Some(at) => at,
            None => {
                out.push(DeviceSession {
                    node: row.node.clone(),
                    name: row.device_name.clone(),
                    first_seen_ms: row.made_ms,
                    last_seen_ms: row.last_used_ms,
                    this_device: false,
                });
                named_at.push(i64::MIN);
                out.len() - 1
            }
        };
        let d = &mut out[at];
        d.first_seen_ms = d.first_seen_ms.min(row.made_ms);
        d.last_seen_ms = d.last_seen_ms.max(row.last_used_ms);
        d.this_device |= row.this_request;
        if row.made_ms > named_at[at] {
            named_at[at] = row.made_ms;
            d.name = row.device_name.clone();
        }
    }
    let live: Vec<&str> = rows
        .iter()
        .filter(|r| r.live)
        .map(|r| r.node.as_str())
        .collect();
    out.retain(|d| live.contains(&d.node.as_str()));
    out.sort_by(|a, b| {
        b.last_seen_ms
            .cmp(&a.last_seen_ms)
            .then_with(|| a.node.cmp(&b.node))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(node: &str, name: &str, made: i64, used: i64, live: bool) -> TokenRow {
        TokenRow {
            node: node.into(),
            device_name: name.into(),
            made_ms: made,
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
        assert_eq!(live.used_after, now - 30 * DAY_MS);
        assert_eq!(live.replaced_after, now - 60_000);
        assert!(!needs_touch(now - TOUCH_MS + 1, now));
        assert!(needs_touch(now - TOUCH_MS, now));
    }

    #[test]
    fn a_device_is_listed_once_with_its_first_and_last_use_while_it_has_a_live_token() {
        let mut phone_now = row("p", "Ann's phone (new name)", 50, 90, true);
        phone_now.this_request = true;
        let rows = [
            row("p", "Ann's phone", 10, 40, false),
            phone_now,
            row("t", "Tablet", 20, 95, true),
            row("gone", "Old phone", 5, 30, false),
        ];
        let listed = devices(&rows);
        let seen: Vec<(&str, &str, i64, i64, bool)> = listed
            .iter()
            .map(|d| {
                (
                    d.node.as_str(),
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
                ("p", "Ann's phone (new name)", 10, 90, true),
            ]
        );
    }
}
