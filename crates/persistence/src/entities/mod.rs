//! sea-orm entities, one per table.

pub mod attachment;
pub mod audit_entry;
pub mod campaign;
pub mod campaign_field;
pub mod change_entry;
pub mod cluster;
pub mod cluster_member;
pub mod criterion;
pub mod exemplar;
pub mod exemplar_stage_event;
pub mod field;
pub mod milestone;
pub mod org_unit;
pub mod participation;
pub mod persisted_query;
pub mod programme;
pub mod progress_report;
pub mod replication;
pub mod report_revision;
pub mod report_value;
pub mod role_grant;
pub mod target;
pub mod target_value;
pub mod user;
