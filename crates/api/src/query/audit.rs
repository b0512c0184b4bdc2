//! The audit trail (administrators of the whole province only).

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::access::Action;
use thidua_domain::id::of;
use thidua_persistence::audit::{self, AuditEntity, AuditFilter};
use thidua_persistence::org_units;
use thidua_persistence::page::{CountQuery, Page};

use crate::context::{actor, authorize, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::audit::{AuditEntryConnection, audit_connection};

#[derive(Default)]
pub struct AuditQuery;

#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Entity kind, e.g. "Campaign".
    pub entity: Option<String>,
    /// Global ID of the changed entity.
    pub entity_id: Option<ID>,
    pub actor_id: Option<ID>,
    pub request_id: Option<String>,
}

#[Object]
impl AuditQuery {
    /// The audit trail, newest first (administrators of the whole province only).
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        actor(ctx)?;
        let db = reads(ctx);
        let roots = org_units::roots(db).await.map_err(query_error)?;
        for r in &roots {
            authorize(ctx, Action::ReadAudit, &r.path)?;
        }
        let f = filter.unwrap_or_default();
        let entity_id = match &f.entity_id {
            Some(id) => Some(
                ids::decode_untyped(id.as_str())
                    .ok_or_else(|| {
                        crate::error::bad_input(&thidua_domain::msg!("entity-id-invalid"))
                    })?
                    .1,
            ),
            None => None,
        };
        let entity = crate::args::optional_text(f.entity, "filter.entity", 100)?;
        // A kind no writer uses names no row: that filter matches nothing.
        let known_entity = entity.as_deref().map(AuditEntity::parse);
        let af = AuditFilter {
            entity: known_entity.flatten(),
            entity_id,
            actor_user_id: f
                .actor_id
                .as_ref()
                .map(ids::decode::<of::User>)
                .transpose()?
                .map(uuid::Uuid::from),
            request_id: crate::args::optional_text(f.request_id, "filter.requestId", 200)?,
        };
        let page = cursor::page_request(first, after)?;
        if known_entity == Some(None) {
            return Ok(audit_connection(Page::from_overfetch(
                Vec::new(),
                page.first,
                CountQuery::empty(),
            )));
        }
        Ok(audit_connection(
            audit::list(db, &af, &page).await.map_err(query_error)?,
        ))
    }
}
