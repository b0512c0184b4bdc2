//! sea-orm entities, one per table.

pub mod audit_entry;
pub mod campaign;
pub mod campaign_field;
pub mod criterion;
pub mod field;
pub mod milestone;
pub mod org_unit;
pub mod participation;
pub mod programme;
pub mod role_grant;
pub mod target;
pub mod target_value;
pub mod user;
