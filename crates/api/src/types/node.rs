//! The Relay `Node` interface: any object by its global ID.

use async_graphql::{Context, ID, Interface};

use super::campaign::{Campaign, Criterion};
use super::field::Field;
use super::load_one;
use super::milestone::Milestone;
use super::org_unit::OrgUnit;
use super::participation::Participation;
use super::programme::{Programme, Target};
use super::report::ProgressReport;
use crate::context::reader;
use crate::error::bad_input;
use crate::ids::{self, NodeType};
use thidua_domain::id::{
    CampaignId, CriterionId, FieldId, MilestoneId, ParticipationId, ProgrammeId, TargetId, UnitId,
};

// A Node lives for one resolver call; boxing the large rows would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    OrgUnit(OrgUnit),
    Campaign(Campaign),
    Criterion(Criterion),
    Milestone(Milestone),
    Participation(Participation),
    Programme(Programme),
    Target(Target),
    Field(Field),
    ProgressReport(ProgressReport),
    Exemplar(super::exemplar::Exemplar),
    AwardType(super::commendation::AwardType),
    CouncilSession(super::commendation::CouncilSession),
    Commendation(super::commendation::Commendation),
    Attachment(super::attachment::Attachment),
    Person(super::person::Person),
}

/// Resolves a global ID. Programmes, targets and fields are public; the rest need a
/// signed-in reader.
pub async fn resolve(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Option<Node>> {
    let Some((ty, uuid)) = ids::decode_any(id.as_str()) else {
        // Well formed but of no type we have: nothing to find, as for an unknown UUID.
        ids::decode_untyped(id.as_str())
            .ok_or_else(|| bad_input(&thidua_domain::msg!("global-id-invalid")))?;
        reader(ctx)?;
        return Ok(None);
    };
    let public = matches!(ty, NodeType::Programme | NodeType::Target | NodeType::Field);
    // Reports and their evidence are checked below, report by report (a machine client
    // with `reports:read` reads them by id too).
    let per_report = matches!(ty, NodeType::ProgressReport | NodeType::Attachment);
    if ty == NodeType::Target {
        crate::context::public_of(ctx, thidua_domain::access::Resource::Targets)?;
    }
    if !public && !per_report {
        reader(ctx)?;
    }
    Ok(match ty {
        NodeType::OrgUnit => load_one(ctx, UnitId::from_uuid(uuid))
            .await?
            .map(|m| Node::OrgUnit(OrgUnit(m))),
        NodeType::Campaign => load_one(ctx, CampaignId::from_uuid(uuid))
            .await?
            .map(|m| Node::Campaign(Campaign(m))),
        NodeType::Criterion => load_one(ctx, CriterionId::from_uuid(uuid))
            .await?
            .map(|m| Node::Criterion(Criterion(m))),
        NodeType::Milestone => load_one(ctx, MilestoneId::from_uuid(uuid))
            .await?
            .map(|m| Node::Milestone(Milestone(m))),
        NodeType::Participation => load_one(ctx, ParticipationId::from_uuid(uuid))
            .await?
            .map(|m| Node::Participation(Participation(m))),
        NodeType::Programme => load_one(ctx, ProgrammeId::from_uuid(uuid))
            .await?
            .map(|m| Node::Programme(Programme(m))),
        NodeType::Target => load_one(ctx, TargetId::from_uuid(uuid))
            .await?
            .map(|m| Node::Target(Target(m))),
        NodeType::Field => load_one(ctx, FieldId::from_uuid(uuid))
            .await?
            .map(|m| Node::Field(Field(m))),
        // Reports and their evidence only for those who may read the report.
        NodeType::ProgressReport => {
            crate::query::readable_report(ctx, thidua_domain::id::ReportId::from_uuid(uuid))
                .await?
                .map(Node::ProgressReport)
        }
        NodeType::Attachment => {
            match load_one(ctx, thidua_domain::id::AttachmentId::from_uuid(uuid)).await? {
                Some(a) => crate::query::readable_report(
                    ctx,
                    thidua_domain::id::ReportId::from_uuid(a.report_id),
                )
                .await?
                .map(|_| Node::Attachment(super::attachment::Attachment(a))),
                None => None,
            }
        }
        NodeType::Exemplar => load_one(ctx, thidua_domain::id::ExemplarId::from_uuid(uuid))
            .await?
            .map(|m| Node::Exemplar(super::exemplar::Exemplar(m))),
        NodeType::AwardType => load_one(ctx, thidua_domain::id::AwardTypeId::from_uuid(uuid))
            .await?
            .map(|m| Node::AwardType(super::commendation::AwardType(m))),
        NodeType::CouncilSession => {
            load_one(ctx, thidua_domain::id::CouncilSessionId::from_uuid(uuid))
                .await?
                .map(|m| Node::CouncilSession(super::commendation::CouncilSession(m)))
        }
        NodeType::Commendation => load_one(ctx, thidua_domain::id::CommendationId::from_uuid(uuid))
            .await?
            .map(|m| Node::Commendation(super::commendation::Commendation(m))),
        NodeType::Person => load_one(ctx, thidua_domain::id::PersonId::from_uuid(uuid))
            .await?
            .map(|m| Node::Person(super::person::Person(m))),
        // Named by ids but not nodes: users, clusters, audit entries and the audited
        // role grants, snapshots, authority rows, sessions and API clients; webhook
        // endpoints and deliveries (read through `webhookEndpoints` and `webhookDeliveries`).
        NodeType::User
        | NodeType::Cluster
        | NodeType::AuditEntry
        | NodeType::RoleGrant
        | NodeType::TargetSnapshot
        | NodeType::UnitAuthority
        | NodeType::Session
        | NodeType::ApiClient
        | NodeType::WebhookEndpoint
        | NodeType::WebhookDelivery => None,
    })
}
