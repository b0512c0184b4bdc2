//! Typed ids: one type per entity, so a campaign's id cannot be passed where a unit's is
//! expected. The database and the wire still see a plain UUID; the type exists only in Rust.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use uuid::Uuid;

/// The id of one `T` (a marker from [`of`]). Copy, ordered and hashed by its UUID alone.
///
/// Ids of different entities are different types, so mixing them up does not compile:
///
/// ```compile_fail
/// use thidua_domain::id::{CampaignId, UnitId};
/// fn unit_name(_unit: UnitId) {}
/// unit_name(CampaignId::generate());
/// ```
///
/// while the right one does:
///
/// ```
/// use thidua_domain::id::UnitId;
/// fn unit_name(_unit: UnitId) {}
/// unit_name(UnitId::generate());
/// ```
pub struct Id<T> {
    uuid: Uuid,
    // `fn() -> T` keeps `Id<T>` Send + Sync + Copy whatever `T` is.
    of: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            of: PhantomData,
        }
    }

    pub const fn uuid(self) -> Uuid {
        self.uuid
    }

    /// A fresh, time-ordered id (UUIDv7, so keyset pages follow creation order).
    pub fn generate() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }
}

/// Typed ids of a list of UUIDs read from rows (whose columns say what they are ids of).
pub fn typed<T>(uuids: &[Uuid]) -> Vec<Id<T>> {
    uuids.iter().copied().map(Id::from_uuid).collect()
}

impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Id<T> {}

impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}

impl<T> Eq for Id<T> {}

impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

impl<T> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}

impl<T: Marker> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", T::NAME, self.uuid)
    }
}

impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uuid.fmt(f)
    }
}

impl<T> From<Id<T>> for Uuid {
    fn from(id: Id<T>) -> Self {
        id.uuid
    }
}

/// Serialised as the bare UUID (audit summaries and change rows keep their shape).
impl<T> serde::Serialize for Id<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.uuid.serialize(s)
    }
}

impl<'de, T> serde::Deserialize<'de> for Id<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Uuid::deserialize(d).map(Self::from_uuid)
    }
}

/// Lets a typed id stand wherever sea-orm expects a value (filters, inserts), so persistence
/// need not unwrap it to compare it with a UUID column.
#[cfg(feature = "sea-orm")]
impl<T> From<Id<T>> for sea_orm::Value {
    fn from(id: Id<T>) -> Self {
        id.uuid.into()
    }
}

/// What an id is the id of; the name is the entity's (also its GraphQL type name).
pub trait Marker {
    const NAME: &'static str;
}

macro_rules! markers {
    ($($name:ident => $alias:ident),+ $(,)?) => {
        /// Uninhabited markers: they exist only as the `T` of [`Id<T>`].
        pub mod of {
            $(
                #[derive(Debug)]
                pub enum $name {}
                impl super::Marker for $name {
                    const NAME: &'static str = stringify!($name);
                }
            )+
        }
        $(pub type $alias = Id<of::$name>;)+
    };
}

markers! {
    OrgUnit => UnitId,
    Cluster => ClusterId,
    Field => FieldId,
    Programme => ProgrammeId,
    Target => TargetId,
    Campaign => CampaignId,
    Criterion => CriterionId,
    Milestone => MilestoneId,
    Participation => ParticipationId,
    ProgressReport => ReportId,
    Attachment => AttachmentId,
    Exemplar => ExemplarId,
    Replication => ReplicationId,
    AwardType => AwardTypeId,
    CouncilSession => CouncilSessionId,
    Commendation => CommendationId,
    User => UserId,
    RoleGrant => RoleGrantId,
    TargetSnapshot => SnapshotId,
    AuditEntry => AuditEntryId,
    Person => PersonId,
    UnitAuthority => UnitAuthorityId,
    Session => SessionId,
    ApiClient => ApiClientId,
    WebhookEndpoint => WebhookEndpointId,
    WebhookDelivery => WebhookDeliveryId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_of_one_kind_compare_and_hash_by_uuid() {
        let u = Uuid::now_v7();
        let a = CampaignId::from_uuid(u);
        let b = CampaignId::from_uuid(u);
        assert_eq!(a, b);
        assert_eq!(a.uuid(), u);
        assert_eq!(HashSet::from([a, b]).len(), 1);
        assert_ne!(CampaignId::generate(), a);
    }

    #[test]
    fn debug_names_the_entity_and_display_is_the_bare_uuid() {
        let u = Uuid::nil();
        let id = UnitId::from_uuid(u);
        assert_eq!(format!("{id:?}"), format!("OrgUnit({u})"));
        assert_eq!(id.to_string(), u.to_string());
    }
}
