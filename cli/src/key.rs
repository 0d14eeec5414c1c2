//! Where the CLI gets the store key: a key file or the PPH_KEY variable, each
//! holding 64 hex characters (32 bytes). Phones use the Keystore/Keychain.

use std::io::Write;
use std::path::Path;

pub fn parse_hex_key(text: &str) -> Result<Vec<u8>, String> {
    let bytes =
        hex::decode(text.trim()).map_err(|_| "the key must be 64 hex characters".to_string())?;
    if bytes.len() != 32 {
        return Err("the key must be 64 hex characters".into());
    }
    Ok(bytes)
}

pub fn load(key_file: Option<&Path>) -> Result<Vec<u8>, String> {
    if let Some(path) = key_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the key file: {}", e.kind()))?;
        return parse_hex_key(&text);
    }
    match std::env::var("PPH_KEY") {
        Ok(text) => parse_hex_key(&text),
        Err(_) => Err(
            "no key: pass --key-file FILE or set PPH_KEY (make one with `pph key new FILE`)".into(),
        ),
    }
}

/// Writes a new random key, readable by the owner only.
pub fn create(path: &Path) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create the key file: {}", e.kind()))?;
    writeln!(file, "{}", hex::encode(rand::random::<[u8; 32]>()))
        .map_err(|e| format!("cannot write the key file: {}", e.kind()))
}
