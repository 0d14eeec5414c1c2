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
/// Failed sign-ins from one address, whatever the account (one that
/// succeeds is given back), by default: a relay whose people share one
/// address (a clinic behind NAT) may set more
/// (`ServerConfig::sign_ins`).
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
/// Emails one account looked up that have no clinician account: enough
/// for a patient's typing slips, too few to search for who has one (the
/// twenty-sixth attacker run looked up 600 a second).
pub const CLINICIAN_LOOKUPS: Limit = Limit {
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

/// A client as limits count it: an IPv4 address, or an IPv6 address's /64
/// (one subscriber's network commonly holds a whole /64, so counting each
/// address would let one client count as billions). An IPv6 address that
/// carries an IPv4 one (mapped, compatible, NAT64's 64:ff9b::/96, 6to4's
/// 2002::/16) counts as that IPv4 client: behind NAT64 every IPv4 client
/// would otherwise be one /64, and through 6to4 one IPv4 client 65,536.
fn client(addr: IpAddr) -> String {
    let v6 = match addr {
        IpAddr::V4(v4) => return v4.to_string(),
        IpAddr::V6(v6) => v6,
    };
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let carried = match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    };
    match carried {
        Some(v4) => v4.to_string(),
        None => format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]),
    }
}

pub fn sign_in_key(email: &str, addr: IpAddr) -> String {
    format!("{}{}", sign_in_prefix(email), client(addr))
}

/// What every sign-in counter of one email starts with.
pub fn sign_in_prefix(email: &str) -> String {
    format!("sign-in:{email}:")
}

pub fn address_key(addr: IpAddr) -> String {
    format!("address:{}", client(addr))
}

pub fn sign_up_key(addr: IpAddr) -> String {
    format!("sign-up:{}", client(addr))
}

/// Sign-up codes asked for from one address.
pub fn sign_up_code_key(addr: IpAddr) -> String {
    format!("sign-up-code:{}", client(addr))
}

/// Mails to one mailbox: a `+tag` (which most mail systems deliver to the
/// address without it) is left out, so tags do not multiply the limit.
pub fn mail_key(email: &str) -> String {
    let mailbox = match email.split_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{domain}")
        }
        None => email.to_owned(),
    };
    format!("mail:{mailbox}")
}

pub fn lookup_key(account_id: &str) -> String {
    format!("lookup:{account_id}")
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

    #[test]
    fn tagged_addresses_share_their_mailbox_limit() {
        assert_eq!(mail_key("ann+1@example.org"), mail_key("ann@example.org"));
        assert_eq!(mail_key("ann+x+y@example.org"), mail_key("ann@example.org"));
        assert_ne!(mail_key("anne@example.org"), mail_key("ann@example.org"));
    }

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        let at = |s: &str| s.parse::<IpAddr>().expect("address");
        assert_eq!(
            sign_up_key(at("2001:db8:1:2::1")),
            sign_up_key(at("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            sign_up_key(at("2001:db8:1:2::1")),
            sign_up_key(at("2001:db8:1:3::1"))
        );
        assert_eq!(
            address_key(at("::ffff:10.0.0.1")),
            address_key(at("10.0.0.1"))
        );
        assert_ne!(address_key(at("10.0.0.1")), address_key(at("10.0.0.2")));
        for carrying in ["64:ff9b::10.0.0.1", "2002:a00:1:ffff::1", "::10.0.0.1"] {
            assert_eq!(
                address_key(at(carrying)),
                address_key(at("10.0.0.1")),
                "{carrying}"
            );
        }
        assert_ne!(
            address_key(at("64:ff9b::10.0.0.1")),
            address_key(at("64:ff9b::10.0.0.2"))
        );
    }
}
