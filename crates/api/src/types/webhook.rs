//! Webhook endpoints and their deliveries, as their owners see them (never a secret
//! after it was shown once).

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id::{UnitId, WebhookDeliveryId, WebhookEndpointId};
use thidua_domain::webhook::{DeliveryStatus, EventTypes};
use thidua_persistence::page::Page;
use thidua_persistence::webhooks::{self as store, Delivery, Endpoint};

use crate::cursor::{self, CountedConnection};
use crate::ids;
use crate::types::load_one;
use crate::types::org_unit::OrgUnit;

/// Where a delivery is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not tried yet (or waiting for an earlier delivery of its endpoint).
    Pending,
    /// Delivered: the receiver answered 2xx.
    Succeeded,
    /// The last attempt failed; another is scheduled at `nextAttemptAt`.
    Failed,
    /// Every attempt failed (a dead letter); `redeliverWebhook` sends it again.
    Dead,
}

impl From<WebhookDeliveryStatus> for DeliveryStatus {
    fn from(s: WebhookDeliveryStatus) -> Self {
        match s {
            WebhookDeliveryStatus::Pending => Self::Pending,
            WebhookDeliveryStatus::Succeeded => Self::Succeeded,
            WebhookDeliveryStatus::Failed => Self::Failed,
            WebhookDeliveryStatus::Dead => Self::Dead,
        }
    }
}

impl From<DeliveryStatus> for WebhookDeliveryStatus {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Pending => Self::Pending,
            DeliveryStatus::Succeeded => Self::Succeeded,
            DeliveryStatus::Failed => Self::Failed,
            DeliveryStatus::Dead => Self::Dead,
        }
    }
}

/// Why an endpoint is disabled.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookDisabledReason {
    /// Every attempt failed for `THIDUA_WEBHOOK_DISABLE_AFTER_HOURS` (a day by default):
    /// see its deliveries' `lastError` and `lastResponseCode`, fix the receiver, enable it.
    Failing,
    /// An administrator disabled it.
    Manual,
    /// Its API client was disabled: its queued deliveries are never sent, and enabling
    /// it again sends nothing while the client stays disabled.
    ClientDisabled,
}

#[derive(Clone)]
pub struct WebhookEndpoint(pub Endpoint);

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ids::encode(WebhookEndpointId::from_uuid(self.0.id))
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    /// Event kinds delivered (the event stream's wire names).
    async fn event_types(&self) -> Vec<String> {
        EventTypes::stored(&self.0.event_types)
            .kinds()
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect()
    }

    /// The unit whose administrators manage the endpoint; unit events outside its
    /// subtree are never delivered.
    async fn owner_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.owner_unit_id))
            .await?
            .map(OrgUnit))
    }

    /// Only events of this unit's subtree are delivered (none: the owner's whole scope).
    async fn subtree_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.0.subtree_unit_id {
            Some(u) => Ok(load_one(ctx, UnitId::from_uuid(u)).await?.map(OrgUnit)),
            None => Ok(None),
        }
    }

    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    async fn disabled_reason(&self) -> Option<WebhookDisabledReason> {
        match self.0.disabled_reason.as_deref() {
            Some(store::DISABLED_FAILING) => Some(WebhookDisabledReason::Failing),
            Some(store::DISABLED_CLIENT) => Some(WebhookDisabledReason::ClientDisabled),
            Some(_) => Some(WebhookDisabledReason::Manual),
            None => None,
        }
    }

    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }

    /// Start of the current run of failed attempts (none after a success).
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.0.first_failure_at
    }

    /// After a rotation, deliveries carry a second signature with the previous secret
    /// until this time.
    async fn previous_secret_valid_until(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_expires_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Clone)]
pub struct WebhookDelivery(pub Delivery);

#[Object]
impl WebhookDelivery {
    /// Also the `webhook-id` header the receiver deduplicates on (the bare UUID there).
    async fn id(&self) -> ID {
        ids::encode(WebhookDeliveryId::from_uuid(self.0.id))
    }

    /// The `webhook-id` header's value.
    async fn webhook_id(&self) -> String {
        self.0.id.to_string()
    }

    /// The body's `type`: an event kind, or `webhook.ping`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    /// The event's id in the stream (decimal; none for a ping).
    async fn event_id(&self) -> Option<String> {
        self.0.event_id.map(|i| i.to_string())
    }

    async fn status(&self) -> async_graphql::Result<WebhookDeliveryStatus> {
        self.0
            .status()
            .map(Into::into)
            .ok_or_else(|| crate::error::internal(&"stored delivery status unknown"))
    }

    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (while PENDING or FAILED).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .status()
            .is_some_and(DeliveryStatus::is_open)
            .then_some(self.0.next_attempt_at)
    }

    /// The HTTP status of the last answer (none after a timeout or connection failure).
    async fn last_response_code(&self) -> Option<i32> {
        self.0.last_response_code
    }

    /// Why the last attempt failed: `HTTP 503`, `timeout`, `connection failed`,
    /// `address not allowed for webhooks`.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it succeeded or was dead-lettered.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

pub type WebhookEndpointConnection = CountedConnection<WebhookEndpoint>;
pub type WebhookDeliveryConnection = CountedConnection<WebhookDelivery>;

pub fn endpoint_connection(page: Page<Endpoint>) -> WebhookEndpointConnection {
    cursor::connection(page, |m| cursor::id_only(m.id), WebhookEndpoint)
}

pub fn delivery_connection(page: Page<Delivery>) -> WebhookDeliveryConnection {
    cursor::connection(page, |m| cursor::id_only(m.id), WebhookDelivery)
}
