//! Keeping a device signed in: the relay ends a session 90 days after its
//! token was made and after 30 days unused (docs/SECURITY.md, "Sessions
//! and devices"), so a device swaps its token for a fresh one of its own
//! making once the token is a day old. The new token is kept before the
//! relay is asked, and asking again with the same pair answers the same,
//! so a crash or a lost answer mid-swap loses neither token.

use super::{Relay, Result};
use crate::error::PphError;
use crate::store::{Store, TokenSwap};

/// How old a token is before the device swaps it.
pub(crate) const SWAP_AFTER_MS: i64 = 86_400_000;

/// Whether the device swaps its token now: a swap was begun and not seen
/// to finish, or the token is a day old (or of unknown age).
pub(crate) fn due(swap: &TokenSwap, now_ms: i64) -> bool {
    swap.next.is_some() || now_ms - swap.since_ms >= SWAP_AFTER_MS
}

/// The token to call the relay with: the current one, swapped first when
/// due. Offline, or refused for a reason a new token would not mend, the
/// current one (the swap is tried again later); `Unauthorized` when the
/// relay no longer takes the current token (the device signs in again).
pub(crate) async fn fresh_token(store: &Store, relay: &dyn Relay) -> Result<String> {
    let swap = store.token_swap()?.ok_or(PphError::Unauthorized)?;
    if !due(&swap, store.now_ms() as i64) {
        return Ok(swap.token);
    }
    let next = match swap.next {
        Some(next) => next,
        None => {
            let next = pph_protocol::wire::new_token(rand::random());
            store.begin_token_swap(&next)?;
            next
        }
    };
    match relay.refresh_session(&swap.token, &next).await {
        Ok(()) => {
            store.end_token_swap(&next, true)?;
            Ok(next)
        }
        Err(PphError::Unauthorized) => Err(PphError::Unauthorized),
        Err(PphError::Network { .. }) => Ok(swap.token),
        Err(_) => {
            store.end_token_swap(&next, false)?;
            Ok(swap.token)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swap(since_ms: i64, next: Option<&str>) -> TokenSwap {
        TokenSwap {
            token: "t".into(),
            since_ms,
            next: next.map(str::to_owned),
        }
    }

    #[test]
    fn a_token_is_swapped_once_a_day_old_or_when_a_swap_was_left_unfinished() {
        let now = 10 * SWAP_AFTER_MS;
        assert!(!due(&swap(now - SWAP_AFTER_MS + 1, None), now));
        assert!(due(&swap(now - SWAP_AFTER_MS, None), now));
        assert!(due(&swap(now, Some("n")), now));
        assert!(due(&swap(0, None), now), "a token of unknown age");
    }
}
