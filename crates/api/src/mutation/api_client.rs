//! Machine clients: administrators (ManageUsers on the client's owner unit) register them,
//! rotate their secrets and disable them. A secret is in the answer once and never again.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use thidua_domain::client::{self, ClientName, ScopeSet};
use thidua_domain::id::of;
use thidua_persistence::api_clients::{self, NewClient, WithSecret};

use super::{begin, finish, input_id, payload};
use crate::context::{actor, state};
use crate::error::{Failure, UserError};
use crate::types::api_client::ApiClient;

#[derive(Default)]
pub struct ApiClientMutation;

#[derive(InputObject)]
pub struct CreateApiClientInput {
    /// Unique; 3–64 characters: a–z, 0–9, '.', '_' or '-'.
    pub name: String,
    /// The unit whose administrators manage the client: needs ManageUsers on it.
    pub owner_unit_id: ID,
    /// The client acts on this unit and below: the owner unit (default) or a unit under it.
    pub subtree_unit_id: Option<ID>,
    /// At least one, at most 16 entries, from the README's scope table.
    pub scopes: Vec<String>,
}

#[derive(InputObject)]
pub struct RotateApiClientSecretInput {
    pub id: ID,
    /// How long the current secret keeps working beside the new one, 0 to 2,592,000
    /// seconds (30 days); default 0 (retired at once).
    pub overlap_seconds: Option<i32>,
}

#[derive(InputObject)]
pub struct DisableApiClientInput {
    pub id: ID,
    /// Required, one line, at most 500 characters.
    pub reason: String,
}

/// What `createApiClient` and `rotateApiClientSecret` answer.
#[derive(SimpleObject)]
pub struct ApiClientSecretPayload {
    pub api_client: Option<ApiClient>,
    /// Shown once: store it now.
    pub client_secret: Option<String>,
    /// Problems with the input the user can fix; empty on success.
    pub user_errors: Vec<UserError>,
}

impl ApiClientSecretPayload {
    fn from_result(r: Result<WithSecret, Failure>) -> async_graphql::Result<Self> {
        match r {
            Ok(w) => Ok(Self {
                api_client: Some(ApiClient(w.client)),
                client_secret: Some(w.secret),
                user_errors: vec![],
            }),
            Err(Failure::User(errs)) => Ok(Self {
                api_client: None,
                client_secret: None,
                user_errors: errs,
            }),
            Err(Failure::Request(e)) => Err(e),
        }
    }
}

payload!(ApiClientPayload, api_client: ApiClient);

#[Object]
impl ApiClientMutation {
    /// Registers a machine client (administrators of its owner unit). The answer holds
    /// its `clientSecret`, shown this once.
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        input: CreateApiClientInput,
    ) -> async_graphql::Result<ApiClientSecretPayload> {
        let a = actor(ctx)?;
        let now = state(ctx).clock.now();
        let res = async {
            let name = ClientName::parse(&input.name).map_err(|e| e.under("name"));
            let scopes = ScopeSet::parse_list(&input.scopes)
                .map_err(|e| ScopeSet::field_error(&e, "scopes"));
            let errors: Vec<_> = [name.clone().err(), scopes.clone().err()]
                .into_iter()
                .flatten()
                .collect();
            if !errors.is_empty() {
                return Err(errors.into());
            }
            let (Ok(name), Ok(scopes)) = (name, scopes) else {
                return Err(Failure::User(vec![]));
            };
            let owner_unit_id = input_id::<of::OrgUnit>(&input.owner_unit_id, "ownerUnitId")?;
            let subtree_unit_id = input
                .subtree_unit_id
                .as_ref()
                .map(|u| input_id::<of::OrgUnit>(u, "subtreeUnitId"))
                .transpose()?;
            let new = NewClient {
                name,
                owner_unit_id,
                subtree_unit_id,
                scopes,
            };
            let txn = begin(ctx).await?;
            let r = api_clients::create(&txn, a, new, now).await;
            finish(txn, r).await
        }
        .await;
        ApiClientSecretPayload::from_result(res)
    }

    /// A new secret for a client, shown this once; the current one keeps working
    /// `overlapSeconds` more, so integrations can switch without downtime.
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        input: RotateApiClientSecretInput,
    ) -> async_graphql::Result<ApiClientSecretPayload> {
        let a = actor(ctx)?;
        let now = state(ctx).clock.now();
        let res = async {
            let id = input_id::<of::ApiClient>(&input.id, "id")?;
            let overlap = client::overlap_secs(input.overlap_seconds.map(i64::from))
                .map_err(|e| e.under("overlapSeconds"))?;
            let txn = begin(ctx).await?;
            let r = api_clients::rotate(&txn, a, id, overlap, now).await;
            finish(txn, r).await
        }
        .await;
        ApiClientSecretPayload::from_result(res)
    }

    /// Disables a client for good: no more tokens, and its tokens stop working at once.
    async fn disable_api_client(
        &self,
        ctx: &Context<'_>,
        input: DisableApiClientInput,
    ) -> async_graphql::Result<ApiClientPayload> {
        let a = actor(ctx)?;
        let now = state(ctx).clock.now();
        let res = async {
            let id = input_id::<of::ApiClient>(&input.id, "id")?;
            let reason = client::disable_reason(&input.reason).map_err(|e| e.under("reason"))?;
            let txn = begin(ctx).await?;
            let r = api_clients::disable(&txn, a, id, reason, now).await;
            finish(txn, r).await.map(ApiClient)
        }
        .await;
        ApiClientPayload::from_result(res)
    }
}
