//! Password hashes (Argon2id), device tokens (random, stored as SHA-256)
//! and invite codes (short, so stored under an HMAC keyed with the server's
//! secret).

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use zeroize::Zeroize;

thread_local! {
    /// The memory Argon2 fills (19 MiB), kept by each hashing thread and
    /// reused, wiped after every hash: a fresh allocation per hash is what
    /// glibc held on to, per thread, under a storm of sign-ins.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 into `out`, with this thread's memory.
fn argon2_into(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        let done = argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks]);
        memory[..blocks].iter_mut().for_each(Zeroize::zeroize);
        done
    })
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's
/// minimum recommendation), as a PHC string carrying its own parameters.
pub fn hash_password(password: &str) -> Result<String, password_hash::Error> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    let argon = Argon2::default();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let hash = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(argon2_into(&argon, password.as_bytes(), salt_bytes, out)?)
    })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    }
    .to_string())
}

/// True when `password` matches `phc` (compared in constant time). A
/// malformed stored hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let check = || -> Result<bool, password_hash::Error> {
        let stored = PasswordHash::new(phc)?;
        let expected = stored.hash.ok_or(password_hash::Error::Password)?;
        let salt = stored.salt.ok_or(password_hash::Error::Password)?;
        let version = stored
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let argon = Argon2::new(
            Algorithm::try_from(stored.algorithm)?,
            version,
            Params::try_from(&stored)?,
        );
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let computed = Output::init_with(expected.len(), |out| {
            Ok(argon2_into(&argon, password.as_bytes(), salt_bytes, out)?)
        })?;
        Ok(computed == expected)
    };
    check().unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so a wrong email
/// costs as much time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never valid").unwrap_or_default())
}

/// A new bearer token: 32 random bytes, hex, with a recognisable prefix.
pub fn new_token() -> String {
    pph_protocol::wire::new_token(rand::random())
}

/// An email as accounts keep it (trimmed, lower case), or None for what is
/// no address: one `@`, something before it, a dot after it, no spaces.
pub fn normalised_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    let ok = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    }) && !email.chars().any(char::is_whitespace);
    ok.then_some(email)
}

/// Whether a normalised email is a plain address a new account may have:
/// ASCII, an atom-text local part (dots between, none doubled), and a
/// domain of at least two letter-digit-hyphen labels. No display name, no
/// quotes or brackets, no look-alike letters from other scripts, nothing
/// invisible: a mail server delivers what the relay counted and keeps,
/// and no string that is not an address becomes an account's email (the
/// twenty-sixth attacker run).
pub fn plain_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let dotted = |part: &str, ok: &dyn Fn(char) -> bool| {
        part.split('.')
            .all(|piece| !piece.is_empty() && piece.chars().all(ok))
    };
    let label = |c: char| c.is_ascii_alphanumeric() || c == '-';
    local.len() <= 64
        && dotted(local, &atom)
        && domain.len() <= 253
        && domain.contains('.')
        && dotted(domain, &label)
        && domain
            .split('.')
            .all(|l| l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'))
        // A top label of digits alone is an IP address, not a domain.
        && domain
            .rsplit('.')
            .next()
            .is_some_and(|top| top.chars().any(|c| c.is_ascii_alphabetic()))
}

/// What the server stores and looks tokens up by.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What the server stores and looks invite codes up by: about 49 bits of
/// code, which a plain hash would not protect from a search through a
/// copy of the database, keyed with a secret kept outside it.
pub fn code_hash(secret: &[u8], code: &str) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether two stored hashes are equal, compared in constant time.
pub fn same_hash(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new sign-up code (`pph_protocol::sign_up_code`): 40 random bits.
pub fn new_sign_up_code() -> String {
    pph_protocol::sign_up_code::from_values(rand::random())
}

/// What the relay keeps of a sign-up code: bound to its email, keyed with
/// the secret kept outside the database (40 bits would not survive a
/// search through a copy of it otherwise).
pub fn sign_up_code_hash(secret: &[u8], email: &str, code: &str) -> String {
    code_hash(secret, &format!("sign-up\0{email}\0{code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_address_may_sign_up() {
        for ok in ["ann@example.org", "dr.o'neil+gp@nhs.example.co.uk", "a@b.c"] {
            assert!(plain_address(ok), "{ok}");
        }
        for refused in [
            "x<victim@corp.org>",
            "\"victim\"@corp.org",
            "dr.who@nh\u{455}.example",
            "victim@corp.org\u{200b}",
            "ann..b@example.org",
            ".ann@example.org",
            "ann@example",
            "ann@-example.org",
            "ann@exa_mple.org",
            "ann@[127.0.0.1]",
            "a@b@example.org",
            "a@127.0.0.1",
            "a@1.2.3.4",
        ] {
            assert!(!plain_address(refused), "{refused}");
        }
    }

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
    }

    /// Hashes made here verify with the argon2 crate's own verifier, and
    /// the crate's own hashes verify here: the same algorithm end to end.
    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = hash_password("correct horse battery").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        let salt = SaltString::encode_b64(&[7u8; 16]).expect("salt");
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_password("correct horse battery", &theirs));
        assert!(!verify_password("correct horse batterx", &theirs));
    }

    #[test]
    fn tokens_are_unique_and_stored_only_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(!token_hash(&a).contains(&a[4..]));
    }

    #[test]
    fn codes_are_stored_keyed_with_the_secret() {
        let (a, b) = (
            code_hash(b"secret one", "ABCDEFGH23"),
            code_hash(b"secret two", "ABCDEFGH23"),
        );
        assert_ne!(a, b);
        assert_ne!(a, token_hash("ABCDEFGH23"));
        assert_eq!(a, code_hash(b"secret one", "ABCDEFGH23"));
    }
}
