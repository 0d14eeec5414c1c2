//! The C side: SQLCipher's `sqlcipher_provider` table and the functions it
//! points at. Each function checks its arguments, turns the pointers into
//! slices and calls [`crate::primitives`]; nothing here panics (a panic
//! cannot cross into C) and nothing is logged.
#![allow(unsafe_code)]

use crate::primitives::{self, Direction, HmacAlgorithm, BLOCK_SIZE, IV_SIZE, KEY_SIZE};
use std::ffi::{c_char, c_int, c_void};
use std::slice;

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;
/// `CIPHER_ENCRYPT` in SQLCipher; `CIPHER_DECRYPT` is 0.
const CIPHER_ENCRYPT: c_int = 1;

/// `struct sqlcipher_provider` from SQLCipher 4's sqlcipher.h, field for
/// field (the sqlcipher-src crate's sources, checked by its version in
/// `provider_table_matches_sqlciphers_layout`).
#[repr(C)]
pub struct SqlcipherProvider {
    init: Option<extern "C" fn() -> c_int>,
    shutdown: Option<extern "C" fn()>,
    get_provider_name: Option<extern "C" fn(*mut c_void) -> *const c_char>,
    add_random: Option<unsafe extern "C" fn(*mut c_void, *const c_void, c_int) -> c_int>,
    random: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int>,
    hmac: Option<HmacFn>,
    kdf: Option<KdfFn>,
    cipher: Option<CipherFn>,
    get_cipher: Option<extern "C" fn(*mut c_void) -> *const c_char>,
    get_key_sz: Option<extern "C" fn(*mut c_void) -> c_int>,
    get_iv_sz: Option<extern "C" fn(*mut c_void) -> c_int>,
    get_block_sz: Option<extern "C" fn(*mut c_void) -> c_int>,
    get_hmac_sz: Option<extern "C" fn(*mut c_void, c_int) -> c_int>,
    ctx_init: Option<unsafe extern "C" fn(*mut *mut c_void) -> c_int>,
    ctx_free: Option<unsafe extern "C" fn(*mut *mut c_void) -> c_int>,
    fips_status: Option<extern "C" fn(*mut c_void) -> c_int>,
    get_provider_version: Option<extern "C" fn(*mut c_void) -> *const c_char>,
    next: *mut SqlcipherProvider,
}

type HmacFn = unsafe extern "C" fn(
    *mut c_void,
    c_int,
    *const u8,
    c_int,
    *const u8,
    c_int,
    *const u8,
    c_int,
    *mut u8,
) -> c_int;
type KdfFn = unsafe extern "C" fn(
    *mut c_void,
    c_int,
    *const u8,
    c_int,
    *const u8,
    c_int,
    c_int,
    c_int,
    *mut u8,
) -> c_int;
type CipherFn = unsafe extern "C" fn(
    *mut c_void,
    c_int,
    *const u8,
    c_int,
    *const u8,
    *const u8,
    c_int,
    *mut u8,
) -> c_int;

/// The setup function's address, for [`crate::link`].
pub(crate) const SETUP: unsafe extern "C" fn(*mut SqlcipherProvider) -> c_int = pph_sqlcipher_setup;

/// Fills SQLCipher's provider table (`SQLCIPHER_CRYPTO_CUSTOM`).
///
/// # Safety
/// `provider` is null or points at a writable `sqlcipher_provider`, as
/// SQLCipher's initialisation passes it.
#[no_mangle]
pub unsafe extern "C" fn pph_sqlcipher_setup(provider: *mut SqlcipherProvider) -> c_int {
    // SAFETY: the caller passes a valid, exclusively held table or null.
    let Some(provider) = (unsafe { provider.as_mut() }) else {
        return SQLITE_ERROR;
    };
    *provider = SqlcipherProvider {
        init: None,
        shutdown: None,
        get_provider_name: Some(provider_name),
        add_random: Some(add_random),
        random: Some(random),
        hmac: Some(hmac),
        kdf: Some(kdf),
        cipher: Some(cipher),
        get_cipher: Some(cipher_name),
        get_key_sz: Some(key_size),
        get_iv_sz: Some(iv_size),
        get_block_sz: Some(block_size),
        get_hmac_sz: Some(hmac_size),
        ctx_init: Some(ctx_init),
        ctx_free: Some(ctx_free),
        fips_status: Some(fips_status),
        get_provider_version: Some(provider_version),
        next: std::ptr::null_mut(),
    };
    SQLITE_OK
}

/// `len` bytes at `ptr` as a slice; a length of zero needs no pointer.
///
/// # Safety
/// Unless `len` is 0, `ptr` points at `len` readable bytes that stay valid
/// and unwritten for the returned lifetime.
unsafe fn input<'a>(ptr: *const u8, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: as the function's contract says.
    Some(unsafe { slice::from_raw_parts(ptr, len) })
}

/// As [`input`], writable.
///
/// # Safety
/// Unless `len` is 0, `ptr` points at `len` writable bytes, not aliased
/// for the returned lifetime.
unsafe fn output<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: as the function's contract says.
    Some(unsafe { slice::from_raw_parts_mut(ptr, len) })
}

fn status(result: Result<(), primitives::CryptoError>) -> c_int {
    match result {
        Ok(()) => SQLITE_OK,
        Err(_) => SQLITE_ERROR,
    }
}

extern "C" fn provider_name(_ctx: *mut c_void) -> *const c_char {
    c"rustcrypto".as_ptr()
}

extern "C" fn provider_version(_ctx: *mut c_void) -> *const c_char {
    c"aes 0.9, cbc 0.2, hmac 0.13, sha2 0.11, pbkdf2 0.13, getrandom 0.4".as_ptr()
}

extern "C" fn cipher_name(_ctx: *mut c_void) -> *const c_char {
    c"aes-256-cbc".as_ptr()
}

/// The operating system's generator takes no seed; what SQLCipher's
/// `cipher_add_random` offers is accepted and not needed.
unsafe extern "C" fn add_random(
    _ctx: *mut c_void,
    _buffer: *const c_void,
    _length: c_int,
) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn random(_ctx: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int {
    let Ok(length) = usize::try_from(length) else {
        return SQLITE_ERROR;
    };
    // SAFETY: SQLCipher passes a buffer of `length` writable bytes.
    match unsafe { output(buffer.cast(), length) } {
        Some(out) => status(primitives::random(out)),
        None => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    _ctx: *mut c_void,
    algorithm: c_int,
    key: *const u8,
    key_size: c_int,
    first: *const u8,
    first_size: c_int,
    second: *const u8,
    second_size: c_int,
    out: *mut u8,
) -> c_int {
    let Ok(algorithm) = HmacAlgorithm::from_sqlcipher(algorithm) else {
        return SQLITE_ERROR;
    };
    if first.is_null() {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes each buffer with its size (the second may be
    // absent) and an output of the algorithm's size, none overlapping it.
    let args = unsafe {
        (
            input(key, key_size),
            input(first, first_size),
            if second.is_null() {
                Some(&[][..])
            } else {
                input(second, second_size)
            },
            output(out, algorithm.output_size()),
        )
    };
    match args {
        (Some(key), Some(first), Some(second), Some(out)) => {
            status(primitives::hmac(algorithm, key, first, second, out))
        }
        _ => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn kdf(
    _ctx: *mut c_void,
    algorithm: c_int,
    password: *const u8,
    password_size: c_int,
    salt: *const u8,
    salt_size: c_int,
    rounds: c_int,
    key_size: c_int,
    key: *mut u8,
) -> c_int {
    let (Ok(algorithm), Ok(rounds), Ok(key_size)) = (
        HmacAlgorithm::from_sqlcipher(algorithm),
        u32::try_from(rounds),
        usize::try_from(key_size),
    ) else {
        return SQLITE_ERROR;
    };
    // SAFETY: SQLCipher passes each buffer with its size and an output of
    // `key_size` bytes.
    let args = unsafe {
        (
            input(password, password_size),
            input(salt, salt_size),
            output(key, key_size),
        )
    };
    match args {
        (Some(password), Some(salt), Some(key)) => {
            status(primitives::kdf(algorithm, password, salt, rounds, key))
        }
        _ => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    _ctx: *mut c_void,
    mode: c_int,
    key: *const u8,
    key_size: c_int,
    iv: *const u8,
    data: *const u8,
    data_size: c_int,
    out: *mut u8,
) -> c_int {
    let direction = if mode == CIPHER_ENCRYPT {
        Direction::Encrypt
    } else {
        Direction::Decrypt
    };
    let Ok(length) = usize::try_from(data_size) else {
        return SQLITE_ERROR;
    };
    if length > 0 && (data.is_null() || out.is_null() || std::ptr::eq(data, out.cast_const())) {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes the key with its size, an IV of the cipher's
    // IV size, the page with its size and a separate output buffer of the
    // same size (checked not to be the input above).
    let args = unsafe {
        (
            input(key, key_size),
            input(iv, IV_SIZE as c_int),
            input(data, data_size),
            output(out, length),
        )
    };
    match args {
        (Some(key), Some(iv), Some(data), Some(out)) => {
            status(primitives::cipher(direction, key, iv, data, out))
        }
        _ => SQLITE_ERROR,
    }
}

extern "C" fn key_size(_ctx: *mut c_void) -> c_int {
    KEY_SIZE as c_int
}

extern "C" fn iv_size(_ctx: *mut c_void) -> c_int {
    IV_SIZE as c_int
}

extern "C" fn block_size(_ctx: *mut c_void) -> c_int {
    BLOCK_SIZE as c_int
}

extern "C" fn hmac_size(_ctx: *mut c_void, algorithm: c_int) -> c_int {
    HmacAlgorithm::from_sqlcipher(algorithm).map_or(0, |a| a.output_size() as c_int)
}

/// The provider keeps no state between calls.
unsafe extern "C" fn ctx_init(ctx: *mut *mut c_void) -> c_int {
    // SAFETY: SQLCipher passes the address of its context pointer.
    if let Some(ctx) = unsafe { ctx.as_mut() } {
        *ctx = std::ptr::null_mut();
    }
    SQLITE_OK
}

unsafe extern "C" fn ctx_free(_ctx: *mut *mut c_void) -> c_int {
    SQLITE_OK
}

extern "C" fn fips_status(_ctx: *mut c_void) -> c_int {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, size_of};

    #[test]
    fn provider_table_matches_sqlciphers_layout() {
        // Seventeen function pointers and `next`, as in SQLCipher 4.19's
        // sqlcipher.h; a field added upstream changes this.
        assert_eq!(
            size_of::<SqlcipherProvider>(),
            18 * size_of::<*const c_void>()
        );
        assert_eq!(align_of::<SqlcipherProvider>(), align_of::<*const c_void>());
    }

    #[test]
    fn setup_fills_every_function_sqlcipher_calls() {
        let mut table = SqlcipherProvider {
            init: None,
            shutdown: None,
            get_provider_name: None,
            add_random: None,
            random: None,
            hmac: None,
            kdf: None,
            cipher: None,
            get_cipher: None,
            get_key_sz: None,
            get_iv_sz: None,
            get_block_sz: None,
            get_hmac_sz: None,
            ctx_init: None,
            ctx_free: None,
            fips_status: None,
            get_provider_version: None,
            next: std::ptr::null_mut(),
        };
        assert_eq!(unsafe { pph_sqlcipher_setup(&mut table) }, SQLITE_OK);
        assert!(table.random.is_some() && table.hmac.is_some() && table.kdf.is_some());
        assert!(table.cipher.is_some() && table.ctx_init.is_some() && table.ctx_free.is_some());
        assert_eq!(table.get_key_sz.map(|f| f(std::ptr::null_mut())), Some(32));
        assert_eq!(
            table.get_hmac_sz.map(|f| f(std::ptr::null_mut(), 2)),
            Some(64)
        );
        assert_eq!(
            table.get_hmac_sz.map(|f| f(std::ptr::null_mut(), 0)),
            Some(0)
        );
        assert_eq!(
            unsafe { pph_sqlcipher_setup(std::ptr::null_mut()) },
            SQLITE_ERROR
        );
    }

    #[test]
    fn cipher_refuses_null_aliased_and_negative_buffers() {
        let key = [1u8; 32];
        let iv = [2u8; 16];
        let mut page = [3u8; 64];
        let mut out = [0u8; 64];
        let call = |data: *const u8, size: c_int, out: *mut u8| unsafe {
            cipher(
                std::ptr::null_mut(),
                1,
                key.as_ptr(),
                32,
                iv.as_ptr(),
                data,
                size,
                out,
            )
        };
        assert_eq!(call(std::ptr::null(), 64, out.as_mut_ptr()), SQLITE_ERROR);
        assert_eq!(call(page.as_ptr(), -16, out.as_mut_ptr()), SQLITE_ERROR);
        assert_eq!(call(page.as_ptr(), 64, page.as_mut_ptr()), SQLITE_ERROR);
        assert_eq!(out, [0u8; 64]);
        assert_eq!(call(page.as_ptr(), 64, out.as_mut_ptr()), SQLITE_OK);
        assert_ne!(out, [0u8; 64]);
        let sealed = out;
        let status = unsafe {
            cipher(
                std::ptr::null_mut(),
                0,
                key.as_ptr(),
                32,
                iv.as_ptr(),
                sealed.as_ptr(),
                64,
                page.as_mut_ptr(),
            )
        };
        assert_eq!(status, SQLITE_OK);
        assert_eq!(page, [3u8; 64]);
    }
}
