//! How many attempts the server allows, and counted under which keys. The
//! counts live in the database (`Storage::take_attempt`), so every server
//! process on it shares them, and each attempt is counted before it is
//! tried, atomically, so that attempts made at once cannot slip past.
//!
//! Sign-in is limited per account and client address (so a stranger
//! guessing from one place cannot lock the person out from everywhere) and
//! per client address across accounts (so guesses spread over many
//! accounts are caught). A successful attempt is given back. Sign-ups, and
//! the codes they need, are limited per client address, so one place cannot
//! make accounts by the thousand, and codes per email, so no one's mailbox
//! is flooded.

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
/// Sign-ups from one address (accounts made, or tried), by default: a
/// relay's configuration may set another (`ServerConfig::sign_ups`).
pub const SIGN_UPS_PER_ADDRESS: Limit = Limit {
    max: 10,
    window_ms: FIFTEEN_MINUTES,
};
/// Sign-up codes mailed to one email (docs/adr/0025): so few that the relay
/// cannot be used to flood a mailbox, nor a code of 40 bits be guessed in
/// any number of windows (each code takes `CODE_TRIES` guesses).
pub const MAILS_PER_EMAIL: Limit = Limit {
    max: 3,
    window_ms: FIFTEEN_MINUTES,
};
/// Guesses one mailed code takes before it is spent.
pub const CODE_TRIES: i64 = 5;
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

pub fn sign_up_key(addr: IpAddr) -> String {
    format!("sign-up:{addr}")
}

/// Sign-up codes asked for from one address.
pub fn sign_up_code_key(addr: IpAddr) -> String {
    format!("sign-up-code:{addr}")
}

pub fn mail_key(email: &str) -> String {
    format!("mail:{email}")
}

pub fn invite_key(account_id: &str) -> String {
    format!("invite:{account_id}")
}

/// Whether an attempt the storage counted must be refused, and if so in
/// how many whole seconds (at least one) to try again: the storage says
/// how long until its window ends (`Storage::take_attempt`).
pub fn retry_after_s(wait_ms: Option<i64>) -> Option<u64> {
    wait_ms.map(|ms| (ms.max(0) as u64).div_ceil(1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_whole_seconds_and_never_zero() {
        assert_eq!(retry_after_s(None), None);
        assert_eq!(retry_after_s(Some(1)), Some(1));
        assert_eq!(retry_after_s(Some(1_000)), Some(1));
        assert_eq!(retry_after_s(Some(1_001)), Some(2));
        assert_eq!(retry_after_s(Some(-5)), Some(1));
    }
}
