//! What a server process is started with besides its storage: the secret
//! that keys stored invite codes, whether to believe a proxy's
//! `X-Forwarded-For`, how many passwords may be hashed at once, whether
//! every clinician counts as verified (a closed relay's choice), where
//! its mail goes and where its metrics are served.

use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

const SECRET_BYTES: usize = 32;

pub struct ServerConfig {
    /// Keys the HMAC under which invite codes are stored, so a copy of the
    /// database alone cannot be searched for them. Every process on one
    /// database must share it.
    pub secret: Zeroizing<Vec<u8>>,
    /// Behind a reverse proxy, the client's address is the last one it
    /// appends to `X-Forwarded-For`; otherwise the socket's peer.
    pub trust_forwarded_for: bool,
    /// Threads for Argon2 (each hash takes 19 MiB and a core).
    pub hashing_threads: usize,
    /// Every clinician account counts as verified, as if the operator had
    /// verified each: only for a relay no stranger can sign up on (the
    /// tests' relays, or one inside a trust's own network): a mailed code
    /// proves only that a person reads the mailbox, not that they are a
    /// clinician.
    pub verify_every_clinician: bool,
    /// How many sign-ups one address may make in a window.
    pub sign_ups: crate::rate_limit::Limit,
    /// How many failed sign-ins one address may make in a window, whatever
    /// the account (each account's own limit stands beside it).
    pub sign_ins: crate::rate_limit::Limit,
    /// The stretch every password is to have (docs/adr/0024): a new one
    /// must meet it, and an account below it is stretched again at its
    /// next sign-in.
    pub stretch: pph_protocol::kdf::Stretch,
    /// Where sign-up codes are mailed (`mail.rs`).
    pub mail: crate::mail::Outbox,
    /// Where metrics are served (`metrics.rs`), bound before the relay
    /// says it listens; None: nowhere.
    pub metrics_listener: Option<tokio::net::TcpListener>,
    /// How many days an ended session's tokens are kept after the last
    /// thing done in it (`sessions::forget_quiet_before`).
    pub ended_sessions_kept_days: u32,
}

impl ServerConfig {
    /// A configuration with a fresh secret that lives only in this process
    /// (tests, benchmarks), its mail going to `mail`.
    pub fn ephemeral(mail: crate::mail::Outbox) -> Self {
        Self::with_secret(
            Zeroizing::new(rand::random::<[u8; SECRET_BYTES]>().to_vec()),
            mail,
        )
    }

    pub fn with_secret(secret: Zeroizing<Vec<u8>>, mail: crate::mail::Outbox) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ServerConfig {
            secret,
            trust_forwarded_for: false,
            // Leave a core for everything else while sign-ins queue.
            hashing_threads: cores.saturating_sub(1).max(1),
            verify_every_clinician: false,
            sign_ups: crate::rate_limit::SIGN_UPS_PER_ADDRESS,
            sign_ins: crate::rate_limit::SIGN_IN_PER_ADDRESS,
            stretch: pph_protocol::kdf::Stretch::LEAST,
            mail,
            metrics_listener: None,
            ended_sessions_kept_days: crate::sessions::ENDED_SESSIONS_KEPT_DAYS,
        }
    }
}

/// Reads the secret from `path` (64 hex characters), creating the file
/// with a new secret, readable by its owner only, when there is none.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    match read_secret_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match create_secret(path)? {
            Some(secret) => Ok(secret),
            // Another process made it meanwhile: theirs is the one. Still
            // none: `path` is a link to nothing (once, not in a loop).
            None => read_secret_file(path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    std::io::Error::new(std::io::ErrorKind::NotFound, DANGLING_SECRET)
                }
                _ => e,
            }),
        },
        read => read,
    }
}

/// The secret in the file at `path`, refused when others than its owner
/// may read or write it, or it holds no secret.
fn read_secret_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let invalid = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    let text = Zeroizing::new(std::fs::read_to_string(path)?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(invalid(format!(
                "the secret file may be read or written by others (mode {mode:03o}): chmod 600 it"
            )));
        }
    }
    parse_secret(text).ok_or_else(|| invalid(MALFORMED_SECRET.to_owned()))
}

/// Writes a new secret to a file of its own, then links it in at `path`
/// only if nothing is there: a process reading `path` meanwhile finds no
/// file or a whole one, never an empty one. None: another process linked
/// one in first.
fn create_secret(path: &Path) -> std::io::Result<Option<Zeroizing<Vec<u8>>>> {
    let secret = Zeroizing::new(rand::random::<[u8; SECRET_BYTES]>().to_vec());
    let staged = path.with_file_name(format!(
        ".{}.{}",
        path.file_name()
            .map_or("secret".into(), |n| n.to_string_lossy()),
        hex::encode(rand::random::<[u8; 8]>())
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&staged).and_then(|mut file| {
        file.write_all(Zeroizing::new(hex::encode(&*secret)).as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&staged, path));
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(Some(secret)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e),
    }
}

/// A keyed fingerprint of the secret, which the database keeps so that
/// every process serving it is checked to share it: an HMAC under the
/// secret, which says nothing of it.
pub fn fingerprint(secret: &[u8]) -> String {
    crate::credentials::code_hash(secret, "pph-secret-fingerprint")
}

/// The secret in `path`, if it can be read and holds one (the operator's
/// commands, which make nothing).
pub fn read_secret(path: &Path) -> Option<Zeroizing<Vec<u8>>> {
    read_secret_file(path).ok()
}

const MALFORMED_SECRET: &str = "the secret file must hold 64 hex characters";
const DANGLING_SECRET: &str =
    "the secret file is a symbolic link to nothing: make its target, or name another file";

fn parse_secret(text: Zeroizing<String>) -> Option<Zeroizing<Vec<u8>>> {
    hex::decode(text.trim())
        .ok()
        .filter(|s| s.len() == SECRET_BYTES)
        .map(Zeroizing::new)
}

/// What `load_or_create_secret` would do with `path`, without doing it:
/// an existing file must hold a secret, a missing one must be makeable in
/// a directory that exists.
pub fn check_secret_file(path: &Path) -> Result<(), String> {
    match read_secret_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(e.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.is_symlink() => {
            Err(DANGLING_SECRET.to_owned())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            match parent.is_dir() {
                true => Ok(()),
                false => Err(format!(
                    "{} does not exist to make the secret file in",
                    parent.display()
                )),
            }
        }
        Err(e) => Err(format!("cannot read {}: {}", path.display(), e.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_is_made_once_then_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("server.secret");
        let made = load_or_create_secret(&path).expect("create");
        assert_eq!(made.len(), SECRET_BYTES);
        assert_eq!(*load_or_create_secret(&path).expect("read"), *made);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").expect("spoil");
        assert!(load_or_create_secret(&path).is_err());
    }

    /// Refused with a reason, never looped on nor taken: a secret others
    /// may read, and a link to nothing (the twenty-eighth attacker run
    /// overflowed the stack with one).
    #[cfg(unix)]
    #[test]
    fn a_secret_others_may_read_or_a_link_to_nothing_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("relay.secret");
        load_or_create_secret(&path).expect("create");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = load_or_create_secret(&path).expect_err("taken while readable by others");
        assert!(e.to_string().contains("chmod 600"), "{e}");
        assert!(check_secret_file(&path)
            .expect_err("passed")
            .contains("644"));
        let link = dir.path().join("mounted.secret");
        std::os::unix::fs::symlink(dir.path().join("not-yet-mounted"), &link).expect("link");
        let e = load_or_create_secret(&link).expect_err("taken");
        assert!(e.to_string().contains("link to nothing"), "{e}");
        assert!(check_secret_file(&link)
            .expect_err("passed")
            .contains("link to nothing"));
        assert!(!dir.path().join("not-yet-mounted").exists());
    }

    #[test]
    fn processes_making_the_secret_at_once_all_read_one() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("relay.secret");
        let made: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let makers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| load_or_create_secret(&path).expect("made or read").to_vec())
                })
                .collect();
            makers
                .into_iter()
                .map(|m| m.join().expect("thread"))
                .collect()
        });
        assert!(made.iter().all(|s| *s == made[0]), "two secrets");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "a staged file left"
        );
        assert_ne!(fingerprint(&made[0]), fingerprint(&[0; SECRET_BYTES]));
    }
}
