use crate::ids::is_canonical;
use crate::Hlc;
use serde::{Deserialize, Serialize};

/// One field of one entity set to a value at a clock stamp. The unit of sync:
/// replicas merge by keeping, per (entity_id, field), the change with the
/// greatest `hlc` (which includes the node, so ties cannot happen).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// UUIDv7; makes delivery idempotent.
    pub change_id: String,
    /// The personal or group space the entity belongs to.
    pub space: String,
    pub entity_type: String,
    pub entity_id: String,
    pub field: String,
    /// The field's new value as JSON.
    pub value: serde_json::Value,
    pub hlc: Hlc,
}

/// Longest id, kind, field or node name a change may carry.
pub const MAX_NAME_LEN: usize = 100;
/// Largest JSON value one change may carry.
pub const MAX_VALUE_BYTES: usize = 256 * 1024;
/// Largest sealed value: the plaintext's bound in base64 (4/3), with its
/// tag and the clear part.
pub const MAX_SEALED_BYTES: usize = MAX_VALUE_BYTES / 3 * 4 + 1024;

impl Change {
    /// Checks the shape every replica and the server insist on: ids in
    /// their canonical UUID spelling, names present, short and free of
    /// control characters, the value within bounds. Returns the offending
    /// part's name, never its content.
    pub fn check(&self) -> Result<(), &'static str> {
        let ids = [
            ("change_id", &self.change_id),
            ("space", &self.space),
            ("entity_id", &self.entity_id),
        ];
        if let Some((name, _)) = ids.iter().find(|(_, v)| !is_canonical(v)) {
            return Err(name);
        }
        let names = [
            ("entity_type", &self.entity_type),
            ("field", &self.field),
            ("hlc.node", &self.hlc.node),
        ];
        if let Some((name, _)) = names.iter().find(|(_, v)| !is_name(v)) {
            return Err(name);
        }
        let sealed = crate::sealed::Sealed::of(&self.value);
        if let Some(sealed) = &sealed {
            sealed.check()?;
        }
        let max = if sealed.is_some() {
            MAX_SEALED_BYTES
        } else {
            MAX_VALUE_BYTES
        };
        if self.value.to_string().len() > max {
            return Err("value");
        }
        Ok(())
    }
}

/// Present, at most `MAX_NAME_LEN` bytes, no control characters.
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_NAME_LEN && !s.chars().any(char::is_control)
}
