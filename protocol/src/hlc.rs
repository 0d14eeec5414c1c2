use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Remote clocks further ahead of ours than this are refused.
pub const MAX_DRIFT_MS: u64 = 5 * 60 * 1000;

/// A hybrid logical clock timestamp: wall milliseconds, a counter for events in
/// the same millisecond, and the node that produced it. Ordered by all three, so
/// two replicas never produce equal stamps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub node: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClockError {
    #[error("remote clock is {ahead_ms} ms ahead, more than the allowed drift")]
    TooFarAhead { ahead_ms: u64 },
    #[error("clock counter overflow")]
    CounterOverflow,
}

impl Hlc {
    pub fn zero(node: &str) -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            node: node.to_owned(),
        }
    }

    /// The stamp for a local event, given the last stamp this node issued and
    /// the physical clock now.
    pub fn tick(&self, now_ms: u64) -> Result<Hlc, ClockError> {
        if now_ms > self.wall_ms {
            return Ok(Hlc {
                wall_ms: now_ms,
                counter: 0,
                node: self.node.clone(),
            });
        }
        let counter = self
            .counter
            .checked_add(1)
            .ok_or(ClockError::CounterOverflow)?;
        Ok(Hlc {
            wall_ms: self.wall_ms,
            counter,
            node: self.node.clone(),
        })
    }

    /// Merge a remote stamp into this node's clock so later local events order
    /// after it. Refuses remote stamps too far in the future.
    pub fn receive(&self, remote: &Hlc, now_ms: u64) -> Result<Hlc, ClockError> {
        if remote.wall_ms > now_ms.saturating_add(MAX_DRIFT_MS) {
            return Err(ClockError::TooFarAhead {
                ahead_ms: remote.wall_ms - now_ms,
            });
        }
        let wall_ms = now_ms.max(self.wall_ms).max(remote.wall_ms);
        let counter = if wall_ms == self.wall_ms && wall_ms == remote.wall_ms {
            self.counter.max(remote.counter).checked_add(1)
        } else if wall_ms == self.wall_ms {
            self.counter.checked_add(1)
        } else if wall_ms == remote.wall_ms {
            remote.counter.checked_add(1)
        } else {
            Some(0)
        }
        .ok_or(ClockError::CounterOverflow)?;
        Ok(Hlc {
            wall_ms,
            counter,
            node: self.node.clone(),
        })
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, &self.node).cmp(&(other.wall_ms, other.counter, &other.node))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013}-{:08x}-{}", self.wall_ms, self.counter, self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_is_strictly_increasing_even_when_the_wall_clock_goes_back() {
        let mut clock = Hlc::zero("a");
        let mut seen = Vec::new();
        for now in [100, 100, 99, 50, 101, 101] {
            clock = clock.tick(now).expect("tick");
            seen.push(clock.clone());
        }
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen[3].wall_ms, 100);
        assert_eq!(seen[3].counter, 3);
    }

    #[test]
    fn receive_orders_after_the_remote_stamp() {
        let local = Hlc::zero("a").tick(1_000).expect("tick");
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
            node: "b".into(),
        };
        let merged = local.receive(&remote, 2_000).expect("receive");
        assert!(merged > remote);
        assert_eq!(merged.wall_ms, 5_000);
        assert_eq!(merged.counter, 8);
        assert_eq!(merged.node, "a");
    }

    #[test]
    fn receive_refuses_stamps_too_far_ahead() {
        let local = Hlc::zero("a");
        let remote = Hlc {
            wall_ms: 1_000 + MAX_DRIFT_MS + 1,
            counter: 0,
            node: "b".into(),
        };
        assert_eq!(
            local.receive(&remote, 1_000),
            Err(ClockError::TooFarAhead {
                ahead_ms: MAX_DRIFT_MS + 1
            })
        );
    }

    #[test]
    fn node_breaks_ties() {
        let a = Hlc {
            wall_ms: 1,
            counter: 0,
            node: "a".into(),
        };
        let b = Hlc {
            node: "b".into(),
            ..a.clone()
        };
        assert!(a < b);
    }
}
