//! How many attempts the server allows, and counted under which keys. The
//! counts live in the database (`Storage::take_attempt`), so every server
//! process on it shares them, and each attempt is counted before it is
//! tried, atomically, so that attempts made at once cannot slip past.
//!
//! Sign-in is limited per account and client address (so a stranger
//! guessing from one place cannot lock the person out from everywhere) and
//! per client address across accounts (so guesses spread over many
//! accounts are caught). A successful attempt is given back.

use crate::api::{ApiError, ApiResult};
use crate::storage::Storage;
use pph_protocol::wire::ErrorCode;
use std::net::IpAddr;

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: u32,
    pub window_ms: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60 * 1000;

/// Sign-ins for one account from one address.
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window_ms: FIFTEEN_MINUTES,
};
/// Failed sign-ins from one address, whatever the account.
pub const SIGN_IN_PER_ADDRESS: Limit = Limit {
    max: 20,
    window_ms: FIFTEEN_MINUTES,
};
/// Unknown invite codes tried by one account.
pub const INVITE_CODES: Limit = Limit {
    max: 5,
    window_ms: FIFTEEN_MINUTES,
};

/// Counters older than this are swept now and then.
pub const LONGEST_WINDOW_MS: i64 = FIFTEEN_MINUTES;

pub fn sign_in_key(email: &str, addr: IpAddr) -> String {
    format!("{}{addr}", sign_in_prefix(email))
}

/// What every sign-in counter of one email starts with.
pub fn sign_in_prefix(email: &str) -> String {
    format!("sign-in:{email}:")
}

pub fn address_key(addr: IpAddr) -> String {
    format!("address:{addr}")
}

pub fn invite_key(account_id: &str) -> String {
    format!("invite:{account_id}")
}

/// Counts one attempt under `key`; `RateLimited` (with when to try again)
/// when it is over the limit.
pub async fn take(storage: &Storage, key: &str, limit: Limit, now_ms: i64) -> ApiResult<()> {
    match storage
        .take_attempt(key, now_ms, limit.window_ms, limit.max)
        .await?
    {
        None => Ok(()),
        Some(wait_ms) => {
            let seconds = (wait_ms.max(0) as u64).div_ceil(1000).max(1);
            Err(ApiError::rate_limited(seconds))
        }
    }
}

impl ApiError {
    pub fn rate_limited(retry_after_s: u64) -> Self {
        let mut e = ApiError::new(
            ErrorCode::RateLimited,
            format!("too many attempts; try again in {retry_after_s} s"),
        );
        e.retry_after_s = Some(retry_after_s);
        e
    }
}
