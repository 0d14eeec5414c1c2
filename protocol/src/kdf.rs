//! How a device stretches the password (docs/adr/0024): Argon2id with a
//! random salt of the account's own and parameters kept with the account
//! on the relay, served before sign-in (`POST /v1/sessions/kdf`) so the
//! relay can raise them later. The bounds are checked once, here, by the
//! relay on what a device sends and by the device on what a relay serves:
//! a hostile relay cannot talk a device into a stretch cheap enough to
//! make a captured authentication key worth searching, nor into one that
//! takes an old phone's memory.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Bytes of random salt a device chooses for each password it sets.
pub const SALT_BYTES: usize = 16;
/// The least stretch a device accepts: 64 MiB and 3 passes, the strength
/// every account had before parameters were kept with it.
pub const MIN_MEMORY_KIB: u32 = 64 * 1024;
pub const MIN_PASSES: u32 = 3;
/// The most a relay may ask for: 256 MiB fits an old phone's free memory,
/// and 10 passes of it is a few seconds there.
pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
pub const MAX_PASSES: u32 = 10;
pub const MAX_LANES: u32 = 4;

/// Argon2id's parameters and the account's salt (base64url, unpadded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    pub salt: String,
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

/// Argon2id's cost without a salt: what a relay asks of every password
/// (`pph-server --kdf-memory-kib`, `--kdf-passes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stretch {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Stretch {
    /// The least a device accepts, and a relay's default.
    pub const LEAST: Stretch = Stretch {
        memory_kib: MIN_MEMORY_KIB,
        passes: MIN_PASSES,
        lanes: 1,
    };

    /// Ok when within the bounds a device accepts; else why not.
    pub fn check(&self) -> Result<(), String> {
        if !(MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return Err(format!(
                "the memory must be {MIN_MEMORY_KIB} to {MAX_MEMORY_KIB} KiB"
            ));
        }
        if !(MIN_PASSES..=MAX_PASSES).contains(&self.passes) {
            return Err(format!("the passes must be {MIN_PASSES} to {MAX_PASSES}"));
        }
        if !(1..=MAX_LANES).contains(&self.lanes) {
            return Err(format!("the lanes must be 1 to {MAX_LANES}"));
        }
        Ok(())
    }

    /// The more costly of the two in every parameter.
    pub fn at_least(&self, other: &Stretch) -> Stretch {
        Stretch {
            memory_kib: self.memory_kib.max(other.memory_kib),
            passes: self.passes.max(other.passes),
            lanes: self.lanes.max(other.lanes),
        }
    }

    /// This stretch with `salt`.
    pub fn with_salt(&self, salt: &[u8; SALT_BYTES]) -> Kdf {
        Kdf {
            salt: URL_SAFE_NO_PAD.encode(salt),
            memory_kib: self.memory_kib,
            passes: self.passes,
            lanes: self.lanes,
        }
    }
}

impl Kdf {
    /// Its cost, without the salt.
    pub fn stretch(&self) -> Stretch {
        Stretch {
            memory_kib: self.memory_kib,
            passes: self.passes,
            lanes: self.lanes,
        }
    }

    /// The salt's bytes, when the whole stretch is within bounds; else why
    /// not.
    pub fn checked_salt(&self) -> Result<[u8; SALT_BYTES], String> {
        self.stretch().check()?;
        URL_SAFE_NO_PAD
            .decode(&self.salt)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("the salt must be {SALT_BYTES} bytes, base64url"))
    }

    /// True when this stretch is at least as costly as `target` in every
    /// parameter: an account below its relay's target is stretched again
    /// at its next sign-in.
    pub fn meets(&self, target: &Stretch) -> bool {
        self.memory_kib >= target.memory_kib
            && self.passes >= target.passes
            && self.lanes >= target.lanes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stretch_is_within_bounds_or_refused_with_its_reason() {
        let good = Stretch::LEAST.with_salt(&[7; SALT_BYTES]);
        assert_eq!(good.checked_salt(), Ok([7; SALT_BYTES]));
        let cases = [
            (
                Kdf {
                    salt: "short".into(),
                    ..good.clone()
                },
                "salt",
            ),
            (
                Kdf {
                    memory_kib: 8,
                    ..good.clone()
                },
                "memory",
            ),
            (
                Kdf {
                    memory_kib: MAX_MEMORY_KIB + 1,
                    ..good.clone()
                },
                "memory",
            ),
            (
                Kdf {
                    passes: 1,
                    ..good.clone()
                },
                "passes",
            ),
            (
                Kdf {
                    lanes: 0,
                    ..good.clone()
                },
                "lanes",
            ),
        ];
        for (kdf, named) in cases {
            let refused = kdf.checked_salt().expect_err("out of bounds");
            assert!(refused.contains(named), "{refused}");
        }
    }

    #[test]
    fn a_stretch_meets_a_target_only_in_every_parameter() {
        let base = Stretch::LEAST.with_salt(&[1; SALT_BYTES]);
        let raised = Stretch {
            passes: MIN_PASSES + 1,
            ..Stretch::LEAST
        };
        assert!(base.meets(&Stretch::LEAST));
        assert!(raised.with_salt(&[1; SALT_BYTES]).meets(&Stretch::LEAST));
        assert!(!base.meets(&raised));
    }
}
