//! The provider's operations on slices, without pointers: what SQLCipher's
//! calls do once [`crate::ffi`] has checked their arguments.

use aes::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha2_next::{Sha256, Sha512};

/// AES-256: SQLCipher 4's only page cipher.
pub const KEY_SIZE: usize = 32;
pub const IV_SIZE: usize = 16;
pub const BLOCK_SIZE: usize = 16;

/// Why an operation was refused; SQLCipher only sees `SQLITE_ERROR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// An algorithm number this provider does not offer (SHA-1, used only by
    /// SQLCipher 3's settings, which no store of ours has).
    UnsupportedAlgorithm,
    /// A key, IV or buffer of the wrong length.
    BadLength,
    /// The operating system's generator failed.
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

/// SQLCipher's numbering (`SQLCIPHER_HMAC_SHA*`, `SQLCIPHER_PBKDF2_HMAC_SHA*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacAlgorithm {
    Sha256,
    Sha512,
}

impl HmacAlgorithm {
    pub fn from_sqlcipher(number: i32) -> Result<Self, CryptoError> {
        match number {
            1 => Ok(HmacAlgorithm::Sha256),
            2 => Ok(HmacAlgorithm::Sha512),
            _ => Err(CryptoError::UnsupportedAlgorithm),
        }
    }

    pub fn output_size(self) -> usize {
        match self {
            HmacAlgorithm::Sha256 => 32,
            HmacAlgorithm::Sha512 => 64,
        }
    }
}

/// AES-256-CBC without padding from `input` into `output` (same length, a
/// whole number of blocks).
pub fn cipher(
    direction: Direction,
    key: &[u8],
    iv: &[u8],
    input: &[u8],
    output: &mut [u8],
) -> Result<(), CryptoError> {
    if key.len() != KEY_SIZE
        || iv.len() != IV_SIZE
        || input.len() != output.len()
        || !input.len().is_multiple_of(BLOCK_SIZE)
    {
        return Err(CryptoError::BadLength);
    }
    let (in_blocks, _) = Array::slice_as_chunks(input);
    let (out_blocks, _) = Array::slice_as_chunks_mut(output);
    let result = match direction {
        Direction::Encrypt => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| CryptoError::BadLength)?
            .encrypt_blocks_b2b(in_blocks, out_blocks),
        Direction::Decrypt => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| CryptoError::BadLength)?
            .decrypt_blocks_b2b(in_blocks, out_blocks),
    };
    result.map_err(|_| CryptoError::BadLength)
}

/// HMAC of `first` then `second` under `key`, into `output` (exactly the
/// algorithm's size).
pub fn hmac(
    algorithm: HmacAlgorithm,
    key: &[u8],
    first: &[u8],
    second: &[u8],
    output: &mut [u8],
) -> Result<(), CryptoError> {
    // HMAC takes a key of any length; the error is only for the type's sake
    // (nothing here may panic: SQLCipher calls it from C).
    fn run<M: Mac + KeyInit>(
        key: &[u8],
        first: &[u8],
        second: &[u8],
        output: &mut [u8],
    ) -> Result<(), CryptoError> {
        let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::BadLength)?;
        mac.update(first);
        mac.update(second);
        output.copy_from_slice(&mac.finalize().into_bytes());
        Ok(())
    }
    if output.len() != algorithm.output_size() {
        return Err(CryptoError::BadLength);
    }
    match algorithm {
        HmacAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, first, second, output),
        HmacAlgorithm::Sha512 => run::<Hmac<Sha512>>(key, first, second, output),
    }
}

/// PBKDF2 with the given HMAC, `rounds` iterations, filling `output`.
pub fn kdf(
    algorithm: HmacAlgorithm,
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    output: &mut [u8],
) -> Result<(), CryptoError> {
    if rounds == 0 {
        return Err(CryptoError::BadLength);
    }
    let result = match algorithm {
        HmacAlgorithm::Sha256 => pbkdf2::pbkdf2::<Hmac<Sha256>>(password, salt, rounds, output),
        HmacAlgorithm::Sha512 => pbkdf2::pbkdf2::<Hmac<Sha512>>(password, salt, rounds, output),
    };
    result.map_err(|_| CryptoError::BadLength)
}

/// Bytes from the operating system's generator.
pub fn random(output: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(output).map_err(|_| CryptoError::Random)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors as published, in groups and over lines.
    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text.split_whitespace().collect::<String>()).expect("hex")
    }

    // NIST SP 800-38A, F.2.5 and F.2.6: CBC-AES256.
    const SP800_38A_KEY: &str = "603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4";
    const SP800_38A_IV: &str = "000102030405060708090a0b0c0d0e0f";
    const SP800_38A_PLAIN: &str =
        "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
         30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
    const SP800_38A_CIPHER: &str =
        "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
         39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b";

    #[test]
    fn cbc_matches_nist_sp800_38a_both_ways() {
        let (key, iv) = (unhex(SP800_38A_KEY), unhex(SP800_38A_IV));
        let (plain, sealed) = (unhex(SP800_38A_PLAIN), unhex(SP800_38A_CIPHER));
        let mut out = vec![0; plain.len()];
        cipher(Direction::Encrypt, &key, &iv, &plain, &mut out).expect("encrypt");
        assert_eq!(out, sealed);
        cipher(Direction::Decrypt, &key, &iv, &sealed, &mut out).expect("decrypt");
        assert_eq!(out, plain);
    }

    #[test]
    fn cbc_refuses_wrong_lengths_and_writes_nothing() {
        let (key, iv) = (unhex(SP800_38A_KEY), unhex(SP800_38A_IV));
        let plain = unhex(SP800_38A_PLAIN);
        let mut out = vec![7u8; plain.len()];
        for (k, v, input, out_len) in [
            (&key[..16], &iv[..], &plain[..], plain.len()),
            (&key[..], &iv[..8], &plain[..], plain.len()),
            (&key[..], &iv[..], &plain[..17], 17),
            (&key[..], &iv[..], &plain[..], plain.len() - 16),
        ] {
            let result = cipher(Direction::Encrypt, k, v, input, &mut out[..out_len]);
            assert_eq!(result, Err(CryptoError::BadLength));
        }
        assert!(out.iter().all(|&b| b == 7));
    }

    // RFC 4231, test case 2 (a key shorter than the block) and 6 (longer),
    // the message split between the two inputs as SQLCipher splits page
    // and page number.
    #[test]
    fn hmac_matches_rfc_4231() {
        let mut out = vec![0; 64];
        hmac(
            HmacAlgorithm::Sha512,
            b"Jefe",
            b"what do ya want ",
            b"for nothing?",
            &mut out,
        )
        .expect("hmac");
        let expected = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
        assert_eq!(out, unhex(expected));

        let key = vec![0xaa; 131];
        let message = b"Test Using Larger Than Block-Size Key - Hash Key First";
        let mut out = vec![0; 32];
        hmac(
            HmacAlgorithm::Sha256,
            &key,
            &message[..10],
            &message[10..],
            &mut out,
        )
        .expect("hmac");
        let expected = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
        assert_eq!(out, unhex(expected));
    }

    #[test]
    fn hmac_refuses_sha1_and_a_wrong_output_length() {
        assert_eq!(
            HmacAlgorithm::from_sqlcipher(0),
            Err(CryptoError::UnsupportedAlgorithm)
        );
        assert_eq!(
            HmacAlgorithm::from_sqlcipher(3),
            Err(CryptoError::UnsupportedAlgorithm)
        );
        let mut out = vec![0; 32];
        let result = hmac(HmacAlgorithm::Sha512, b"k", b"m", b"", &mut out);
        assert_eq!(result, Err(CryptoError::BadLength));
    }

    // PBKDF2-HMAC-SHA256 and -SHA512 vectors (RFC 7914 section 11 for
    // SHA-256; the SHA-512 one as published with the pbkdf2 crate's tests).
    #[test]
    fn pbkdf2_matches_published_vectors() {
        let mut out = vec![0; 64];
        kdf(HmacAlgorithm::Sha256, b"passwd", b"salt", 1, &mut out).expect("kdf");
        let expected = "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783";
        assert_eq!(out, unhex(expected));

        let mut out = vec![0; 64];
        kdf(HmacAlgorithm::Sha512, b"password", b"salt", 2, &mut out).expect("kdf");
        let expected = "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c
             f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e";
        assert_eq!(out, unhex(expected));
        assert_eq!(
            kdf(HmacAlgorithm::Sha512, b"p", b"s", 0, &mut out),
            Err(CryptoError::BadLength)
        );
    }

    #[test]
    fn random_fills_and_differs() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        random(&mut a).expect("random");
        random(&mut b).expect("random");
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
