//! The names the wire gives enum values (`"clinician"`, `"care_plan"`,
//! `"not_author"`), read from their serde attributes, so that a store or a
//! database keeping them as text spells them exactly as the wire does.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The value's name on the wire; empty for a value that is not a plain
/// name.
pub fn code<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The value named `code` on the wire, if there is one.
pub fn parse<T: DeserializeOwned>(code: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{GroupRole, Role, Scope};

    #[test]
    fn names_go_both_ways() {
        assert_eq!(code(&Scope::CarePlan), "care_plan");
        assert_eq!(parse::<Role>("clinician"), Some(Role::Clinician));
        assert_eq!(
            parse::<GroupRole>("facilitator"),
            Some(GroupRole::Facilitator)
        );
        assert_eq!(parse::<Role>("nurse"), None);
    }
}
