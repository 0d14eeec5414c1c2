//! Where the shell gets the store key: a key file or the PPH_KEY variable,
//! each holding 64 hex characters (32 bytes). Phones use the
//! Keystore/Keychain.

use crate::fail::{Fail, Result, Status};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

pub fn parse_hex_key(text: &str) -> Result<Vec<u8>> {
    let refused = || Fail::refused("the key must be 64 hex characters");
    let bytes = hex::decode(text.trim()).map_err(|_| refused())?;
    if bytes.len() != 32 {
        return Err(refused());
    }
    Ok(bytes)
}

pub fn load(key_file: Option<&Path>) -> Result<Vec<u8>> {
    if let Some(path) = key_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Fail::refused(format!("cannot read the key file: {}", e.kind())))?,
        );
        return parse_hex_key(&text);
    }
    match std::env::var("PPH_KEY") {
        Ok(text) => parse_hex_key(&Zeroizing::new(text)),
        Err(_) => Err(Fail::refused(
            "no key: pass --key-file FILE or set PPH_KEY (make one with `pph key new FILE`)",
        )),
    }
}

/// Writes a new random key, readable by the owner only.
pub fn create(path: &Path) -> Result<()> {
    let failed = |what: &str, e: std::io::Error| {
        Fail::new(
            Status::Failure,
            format!("cannot {what} the key file: {}", e.kind()),
        )
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| failed("create", e))?;
    let key = Zeroizing::new(hex::encode(rand::random::<[u8; 32]>()));
    writeln!(file, "{}", key.as_str()).map_err(|e| failed("write", e))
}
