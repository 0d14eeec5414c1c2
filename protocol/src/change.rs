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
