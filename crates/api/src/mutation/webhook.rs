//! Webhook endpoints: register (the signing secret is shown once), change, rotate the
//! secret, disable and enable; redeliver, replay and ping. Administrators over the
//! endpoint's owner unit (`Actor::may_manage_webhooks`).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use thidua_domain::id::of;
use thidua_domain::webhook::{EndpointUrl, EventTypes};
use thidua_domain::{FieldError, UserErrorCode, msg};
use thidua_persistence::webhooks::{self, EndpointChange, NewEndpoint, Since};

use super::{begin, finish, input_id, payload};
use crate::context::{actor, state};
use crate::error::{Failure, UserError};
use crate::types::webhook::{WebhookDelivery, WebhookEndpoint};

#[derive(Default)]
pub struct WebhookMutation;

#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// https (http only in development), at most 2,000 characters, no credentials; in
    /// production never a private, loopback or link-local address.
    pub url: String,
    /// Event kinds to deliver (e.g. `REPORT_APPROVED`), 1 to 32, no repeats.
    pub event_types: Vec<String>,
    /// Whose administrators manage the endpoint; unit events outside this unit's
    /// subtree are never delivered.
    pub owner_unit_id: ID,
    /// Only events of this unit's subtree (within the owner's).
    pub subtree_unit_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    pub id: ID,
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub subtree_unit_id: Option<ID>,
    /// Drop the subtree filter.
    #[graphql(default)]
    pub clear_subtree: bool,
}

#[derive(InputObject)]
pub struct ReplayWebhooksInput {
    pub endpoint_id: ID,
    /// Replay events after this event id (decimal, as in `eventId`)…
    pub since_event_id: Option<String>,
    /// …or events that occurred at or after this time. Exactly one of the two.
    pub since_time: Option<DateTime<Utc>>,
}

payload!(WebhookEndpointPayload, endpoint: WebhookEndpoint);
payload!(WebhookDeliveryPayload, delivery: WebhookDelivery);

/// An endpoint with its signing secret: shown in this answer only.
#[derive(SimpleObject)]
pub struct WebhookSecretPayload {
    pub endpoint: Option<WebhookEndpoint>,
    /// `whsec_` + base64 of the key. Not shown again; rotate it if lost.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

impl WebhookSecretPayload {
    fn from_result(r: Result<(WebhookEndpoint, String), Failure>) -> async_graphql::Result<Self> {
        match r {
            Ok((e, s)) => Ok(Self {
                endpoint: Some(e),
                secret: Some(s),
                user_errors: vec![],
            }),
            Err(Failure::User(errs)) => Ok(Self {
                endpoint: None,
                secret: None,
                user_errors: errs,
            }),
            Err(Failure::Request(e)) => Err(e),
        }
    }
}

/// What a replay queued.
#[derive(SimpleObject)]
pub struct ReplayWebhooksPayload {
    /// New deliveries queued (events the endpoint receives).
    pub queued: Option<i32>,
    /// The last event looked at: replay again after it while `hasMore`.
    pub last_event_id: Option<String>,
    /// More than 1,000 events followed `since`: only the first 1,000 were looked at.
    pub has_more: bool,
    pub user_errors: Vec<UserError>,
}

fn event_types(raw: &[String]) -> Result<EventTypes, FieldError> {
    EventTypes::parse(raw)
}

fn since(input: &ReplayWebhooksInput) -> Result<Since, FieldError> {
    match (&input.since_event_id, input.since_time) {
        (Some(id), None) => {
            if id.len() > 20 {
                return Err(FieldError::new(
                    "sinceEventId",
                    UserErrorCode::InvalidFormat,
                    msg!("webhook-since-invalid"),
                ));
            }
            id.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(Since::EventId)
                .ok_or_else(|| {
                    FieldError::new(
                        "sinceEventId",
                        UserErrorCode::InvalidFormat,
                        msg!("webhook-since-invalid"),
                    )
                })
        }
        (None, Some(t)) => Ok(Since::Time(t)),
        _ => Err(FieldError::new(
            "sinceEventId",
            UserErrorCode::Required,
            msg!("webhook-since-required"),
        )),
    }
}

#[Object]
impl WebhookMutation {
    /// Registers an endpoint; the answer carries its signing secret, once.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let url = EndpointUrl::parse(&input.url, st.webhooks.production)?;
            let types = event_types(&input.event_types)?;
            let owner = input_id::<of::OrgUnit>(&input.owner_unit_id, "ownerUnitId")?;
            let subtree = input
                .subtree_unit_id
                .as_ref()
                .map(|s| input_id::<of::OrgUnit>(s, "subtreeUnitId"))
                .transpose()?;
            let txn = begin(ctx).await?;
            let r = webhooks::create(
                &txn,
                a,
                NewEndpoint {
                    url,
                    event_types: types,
                    owner_unit_id: owner.uuid(),
                    subtree_unit_id: subtree.map(|s| s.uuid()),
                },
                st.clock.now(),
            )
            .await;
            finish(txn, r)
                .await
                .map(|(e, s)| (WebhookEndpoint(e), s.as_str().to_owned()))
        }
        .await;
        WebhookSecretPayload::from_result(res)
    }

    /// Changes an endpoint's URL, event types or subtree filter.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let id = input_id::<of::WebhookEndpoint>(&input.id, "id")?;
            let url = input
                .url
                .as_deref()
                .map(|u| EndpointUrl::parse(u, st.webhooks.production))
                .transpose()?;
            let types = input.event_types.as_deref().map(event_types).transpose()?;
            let subtree = match (&input.subtree_unit_id, input.clear_subtree) {
                (Some(s), _) => Some(Some(input_id::<of::OrgUnit>(s, "subtreeUnitId")?.uuid())),
                (None, true) => Some(None),
                (None, false) => None,
            };
            let txn = begin(ctx).await?;
            let r = webhooks::update(
                &txn,
                a,
                id.uuid(),
                EndpointChange {
                    url,
                    event_types: types,
                    subtree_unit_id: subtree,
                },
                st.clock.now(),
            )
            .await;
            finish(txn, r).await.map(WebhookEndpoint)
        }
        .await;
        WebhookEndpointPayload::from_result(res)
    }

    /// A new signing secret, shown once; the previous one keeps signing beside it for
    /// `THIDUA_WEBHOOK_SECRET_OVERLAP_HOURS`.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let id = input_id::<of::WebhookEndpoint>(&id, "id")?;
            let txn = begin(ctx).await?;
            let r = webhooks::rotate_secret(
                &txn,
                a,
                id.uuid(),
                st.webhooks.secret_overlap,
                st.clock.now(),
            )
            .await;
            finish(txn, r)
                .await
                .map(|(e, s)| (WebhookEndpoint(e), s.as_str().to_owned()))
        }
        .await;
        WebhookSecretPayload::from_result(res)
    }

    /// Stops deliveries to an endpoint: those queued wait (in order) until it is enabled;
    /// events committed meanwhile are not queued for it (`replayWebhooks` sends them).
    async fn disable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        set_enabled(ctx, &id, false).await
    }

    /// Enables an endpoint again (also one disabled for failing); waiting deliveries go out.
    async fn enable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        set_enabled(ctx, &id, true).await
    }

    /// Sends a finished (succeeded or dead) delivery's body again, as a new delivery.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        delivery_id: ID,
    ) -> async_graphql::Result<WebhookDeliveryPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let id = input_id::<of::WebhookDelivery>(&delivery_id, "deliveryId")?;
            let txn = begin(ctx).await?;
            let r = webhooks::redeliver(&txn, a, id.uuid(), st.clock.now()).await;
            finish(txn, r).await.map(WebhookDelivery)
        }
        .await;
        if res.is_ok() {
            st.webhooks.wake.notify_one();
        }
        WebhookDeliveryPayload::from_result(res)
    }

    /// Queues again the events since a time or an event id that the endpoint receives
    /// (for a receiver that lost data); at most 1,000 events per call.
    async fn replay_webhooks(
        &self,
        ctx: &Context<'_>,
        input: ReplayWebhooksInput,
    ) -> async_graphql::Result<ReplayWebhooksPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let id = input_id::<of::WebhookEndpoint>(&input.endpoint_id, "endpointId")?;
            let since = since(&input)?;
            let txn = begin(ctx).await?;
            let r = webhooks::replay(&txn, a, id.uuid(), since, st.clock.now()).await;
            finish(txn, r).await
        }
        .await;
        match res {
            Ok(r) => {
                st.webhooks.wake.notify_one();
                Ok(ReplayWebhooksPayload {
                    queued: Some(i32::try_from(r.queued).unwrap_or(i32::MAX)),
                    last_event_id: r.last_event_id.map(|i| i.to_string()),
                    has_more: r.more,
                    user_errors: vec![],
                })
            }
            Err(Failure::User(errs)) => Ok(ReplayWebhooksPayload {
                queued: None,
                last_event_id: None,
                has_more: false,
                user_errors: errs,
            }),
            Err(Failure::Request(e)) => Err(e),
        }
    }

    /// Queues a `webhook.ping` delivery to the endpoint.
    async fn test_webhook(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
    ) -> async_graphql::Result<WebhookDeliveryPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let id = input_id::<of::WebhookEndpoint>(&endpoint_id, "endpointId")?;
            let txn = begin(ctx).await?;
            let r = webhooks::ping(&txn, a, id.uuid(), st.clock.now()).await;
            finish(txn, r).await.map(WebhookDelivery)
        }
        .await;
        if res.is_ok() {
            st.webhooks.wake.notify_one();
        }
        WebhookDeliveryPayload::from_result(res)
    }
}

async fn set_enabled(
    ctx: &Context<'_>,
    id: &ID,
    enabled: bool,
) -> async_graphql::Result<WebhookEndpointPayload> {
    let a = actor(ctx)?;
    let st = state(ctx);
    let res = async {
        let id = input_id::<of::WebhookEndpoint>(id, "id")?;
        let txn = begin(ctx).await?;
        let r = webhooks::set_enabled(&txn, a, id.uuid(), enabled, st.clock.now()).await;
        finish(txn, r).await.map(WebhookEndpoint)
    }
    .await;
    if res.is_ok() && enabled {
        st.webhooks.wake.notify_one();
    }
    WebhookEndpointPayload::from_result(res)
}
