//! Relay global IDs: `base64url("Type:uuid")`, opaque to clients, checked on the way in.
//!
//! [`NodeType`] is the one list of types whose ids travel as global ids, each with its
//! wire name; encoding and decoding go through it, so no type name is spelled anywhere
//! else and a decoded id comes back typed ([`Id<T>`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use thidua_domain::id::{Id, Marker, of};
use uuid::Uuid;

/// Declares [`NodeType`] and ties each variant to the domain marker of the same name.
macro_rules! node_types {
    ($($name:ident => $wire:literal),+ $(,)?) => {
        /// Every type whose id is a global id: the `Node` interface's members, and the
        /// types that are only named by ids (users, clusters, audit entries, and the
        /// audited entities role grants and target snapshots).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum NodeType {
            $($name),+
        }

        impl NodeType {
            pub const ALL: &'static [NodeType] = &[$(NodeType::$name),+];

            /// The name inside the global id (also the GraphQL type's name).
            pub const fn name(self) -> &'static str {
                match self {
                    $(NodeType::$name => $wire),+
                }
            }

            /// The domain marker's name, which the wire name must equal (tests).
            #[cfg(test)]
            fn marker_name(self) -> &'static str {
                match self {
                    $(NodeType::$name => <of::$name as Marker>::NAME),+
                }
            }
        }

        $(
            impl Global for of::$name {
                const NODE: NodeType = NodeType::$name;
            }
        )+
    };
}

/// A domain id kind whose ids travel as global ids of one [`NodeType`].
pub trait Global: Marker {
    const NODE: NodeType;
}

node_types! {
    OrgUnit => "OrgUnit",
    Cluster => "Cluster",
    Field => "Field",
    Programme => "Programme",
    Target => "Target",
    Campaign => "Campaign",
    Criterion => "Criterion",
    Milestone => "Milestone",
    Participation => "Participation",
    ProgressReport => "ProgressReport",
    Attachment => "Attachment",
    Exemplar => "Exemplar",
    AwardType => "AwardType",
    CouncilSession => "CouncilSession",
    Commendation => "Commendation",
    User => "User",
    AuditEntry => "AuditEntry",
    RoleGrant => "RoleGrant",
    TargetSnapshot => "TargetSnapshot",
    Person => "Person",
    UnitAuthority => "UnitAuthority",
    Session => "Session",
    ApiClient => "ApiClient",
    WebhookEndpoint => "WebhookEndpoint",
    WebhookDelivery => "WebhookDelivery",
}

impl NodeType {
    /// The type a wire (or stored entity) name stands for; `None` for any other name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// The global id of the `uuid` of this type.
    pub fn encode(self, uuid: Uuid) -> async_graphql::ID {
        async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{uuid}", self.name())))
    }
}

/// The global id of a typed id.
pub fn encode<T: Global>(id: Id<T>) -> async_graphql::ID {
    T::NODE.encode(id.uuid())
}

/// The global id of a row that names its own entity (audit trail, change feed). A name
/// outside [`NodeType`] is a bug in what was stored: INTERNAL, never a made-up id.
pub fn encode_stored(entity: &str, uuid: Uuid) -> async_graphql::Result<async_graphql::ID> {
    NodeType::from_name(entity)
        .map(|t| t.encode(uuid))
        .ok_or_else(|| crate::error::internal(&format!("stored entity `{entity}` has no id type")))
}

/// Splits a well-formed global ID into its type name and UUID, whether or not this API
/// knows the type; `None` for anything malformed.
pub fn decode_untyped(raw: &str) -> Option<(String, Uuid)> {
    if raw.len() > 200 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (ty, id) = text.split_once(':')?;
    Some((ty.to_owned(), Uuid::parse_str(id).ok()?))
}

/// Splits a global ID into its type and UUID; `None` for anything malformed or of a type
/// this API does not have.
pub fn decode_any(raw: &str) -> Option<(NodeType, Uuid)> {
    let (ty, id) = decode_untyped(raw)?;
    Some((NodeType::from_name(&ty)?, id))
}

/// The id of a `T` a global ID names; `None` when malformed or of another type.
pub fn parse<T: Global>(raw: &str) -> Option<Id<T>> {
    match decode_any(raw)? {
        (ty, id) if ty == T::NODE => Some(Id::from_uuid(id)),
        _ => None,
    }
}

/// Decodes a global ID that must name a `T`, or fails with BAD_USER_INPUT.
pub fn decode<T: Global>(raw: &async_graphql::ID) -> async_graphql::Result<Id<T>> {
    parse(raw.as_str()).ok_or_else(|| {
        crate::error::bad_input(&thidua_domain::msg!(
            "node-id-invalid",
            kind = T::NODE.name()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use thidua_domain::id::{CampaignId, UnitId};

    #[test]
    fn round_trips_and_rejects_other_types_and_garbage() {
        let id = CampaignId::generate();
        let g = encode(id);
        assert_eq!(decode::<of::Campaign>(&g).unwrap(), id);
        assert!(decode::<of::OrgUnit>(&g).is_err());
        assert!(decode::<of::Campaign>(&async_graphql::ID("%%%".into())).is_err());
        assert!(decode_any("").is_none());
    }

    #[test]
    fn wire_format_is_base64url_of_type_colon_uuid() {
        let u = Uuid::nil();
        let g = encode(UnitId::from_uuid(u));
        assert_eq!(g.as_str(), URL_SAFE_NO_PAD.encode(format!("OrgUnit:{u}")));
        assert_eq!(decode_any(g.as_str()), Some((NodeType::OrgUnit, u)));
    }

    #[test]
    fn every_node_type_round_trips_by_name_and_matches_its_domain_marker() {
        for &t in NodeType::ALL {
            assert_eq!(NodeType::from_name(t.name()), Some(t));
            let u = Uuid::now_v7();
            assert_eq!(decode_any(t.encode(u).as_str()), Some((t, u)));
            assert_eq!(t.name(), t.marker_name());
        }
        assert_eq!(NodeType::from_name("Nope"), None);
    }

    #[test]
    fn a_well_formed_id_of_an_unknown_type_is_untyped_only() {
        let raw = URL_SAFE_NO_PAD.encode(format!("Nope:{}", Uuid::nil()));
        assert!(decode_any(&raw).is_none());
        assert_eq!(decode_untyped(&raw), Some(("Nope".into(), Uuid::nil())));
        assert!(encode_stored("Nope", Uuid::nil()).is_err());
    }
}
