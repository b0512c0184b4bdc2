//! Root mutation, merged from one object per area. Every mutation runs in one
//! transaction that also writes its audit row; a failure rolls both back.

mod account;
mod api_client;
mod campaign;
mod cluster;
mod commendation;
mod evidence;
mod exemplar;
mod export_link;
mod org_unit;
mod password;
mod person;
mod programme;
mod report;
mod session;
mod webhook;

use async_graphql::{Context, ID, MergedObject};
use thidua_domain::id::Id;
use thidua_domain::{FieldError, UserErrorCode};
use thidua_persistence::StoreError;
use thidua_persistence::WriteTxn;

use crate::context::state;
use crate::error::{Failure, UserError, db_error};
use crate::ids;

#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutation,
    account::AccountMutation,
    password::PasswordMutation,
    org_unit::OrgUnitMutation,
    campaign::CampaignMutation,
    cluster::ClusterMutation,
    commendation::CommendationMutation,
    person::PersonMutation,
    evidence::EvidenceMutation,
    exemplar::ExemplarMutation,
    export_link::ExportLinkMutation,
    programme::ProgrammeMutation,
    report::ReportMutation,
    api_client::ApiClientMutation,
    webhook::WebhookMutation,
);

/// Declares a mutation payload: the changed object (null on failure) and user errors.
macro_rules! payload {
    ($name:ident, $field:ident: $ty:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            pub $field: Option<$ty>,
            /// Problems with the input the user can fix; empty on success.
            pub user_errors: Vec<crate::error::UserError>,
        }

        impl $name {
            pub fn from_result(
                r: Result<$ty, crate::error::Failure>,
            ) -> async_graphql::Result<Self> {
                match r {
                    Ok(v) => Ok(Self {
                        $field: Some(v),
                        user_errors: vec![],
                    }),
                    Err(crate::error::Failure::User(errs)) => Ok(Self {
                        $field: None,
                        user_errors: errs,
                    }),
                    Err(crate::error::Failure::Request(e)) => Err(e),
                }
            }
        }
    };
}
pub(crate) use payload;

pub async fn begin(ctx: &Context<'_>) -> Result<WriteTxn, Failure> {
    state(ctx)
        .db
        .begin_write()
        .await
        .map_err(|e| Failure::Request(db_error(&e)))
}

/// Commits on success, rolls back on failure (so nothing, audit included, is kept).
pub async fn finish<T>(txn: WriteTxn, res: Result<T, StoreError>) -> Result<T, Failure> {
    match res {
        Ok(v) => {
            txn.commit()
                .await
                .map_err(|e| Failure::Request(db_error(&e)))?;
            Ok(v)
        }
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e.into())
        }
    }
}

/// Decodes a global ID from an input field; a malformed one is a user error on that field.
pub fn input_id<T: ids::Global>(id: &ID, field: &str) -> Result<Id<T>, Failure> {
    ids::parse(id.as_str()).ok_or_else(|| {
        Failure::User(vec![UserError::from(FieldError::new(
            field,
            UserErrorCode::InvalidFormat,
            thidua_domain::msg!("node-id-invalid", kind = T::NODE.name()),
        ))])
    })
}

/// A record version as sent (`version` inputs): 1 or more, else OUT_OF_RANGE.
pub(crate) trait CheckVersion: Sized {
    fn check(self) -> Result<Self, thidua_domain::FieldError>;
}

impl CheckVersion for i32 {
    fn check(self) -> Result<Self, thidua_domain::FieldError> {
        thidua_domain::bounds::Version::parse(self).map(thidua_domain::bounds::Version::get)
    }
}

impl CheckVersion for Option<i32> {
    fn check(self) -> Result<Self, thidua_domain::FieldError> {
        thidua_domain::bounds::Version::parse_optional(self)
    }
}

/// Checks a `version` input; see [`CheckVersion`].
pub(crate) fn version<V: CheckVersion>(v: V) -> Result<V, thidua_domain::FieldError> {
    v.check()
}
