//! Relay global IDs: `base64url("Type:uuid")`, opaque to clients, checked on the way in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

pub fn encode(type_name: &str, id: Uuid) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global ID into its type name and UUID; `None` for anything malformed.
pub fn decode_any(raw: &str) -> Option<(String, Uuid)> {
    if raw.len() > 200 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (ty, id) = text.split_once(':')?;
    Some((ty.to_owned(), Uuid::parse_str(id).ok()?))
}

/// Decodes a global ID that must name a `type_name`, or fails with BAD_USER_INPUT.
pub fn decode(type_name: &str, raw: &async_graphql::ID) -> async_graphql::Result<Uuid> {
    match decode_any(raw.as_str()) {
        Some((ty, id)) if ty == type_name => Ok(id),
        _ => Err(crate::error::bad_input(format!(
            "not a valid {type_name} id"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_types_and_garbage() {
        let id = Uuid::now_v7();
        let g = encode("Campaign", id);
        assert_eq!(decode("Campaign", &g).unwrap(), id);
        assert!(decode("OrgUnit", &g).is_err());
        assert!(decode("Campaign", &async_graphql::ID("%%%".into())).is_err());
        assert!(decode_any("").is_none());
    }
}
