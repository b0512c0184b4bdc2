//! `createExportLink`: a short-lived URL for one export, so a browser can download it
//! without sending the access token (a plain link, an `<a download>`, a mail app).

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use thidua_domain::export::{self, ExportPath, LinkQuery};

use crate::args::field_error;
use crate::auth::TokenSubject;
use crate::context::{reader, session, state};
use crate::error::{internal, unauthenticated};

#[derive(Default)]
pub struct ExportLinkMutation;

#[derive(InputObject)]
pub struct CreateExportLinkInput {
    /// The export, `/exports/<name>` (e.g. `/exports/reports.csv`).
    pub path: String,
    /// Its query string, exactly as it will be sent (percent-encoded, without `link`).
    pub query: Option<String>,
}

#[derive(SimpleObject)]
pub struct ExportLink {
    /// The path with the query and a `link` token: GET it without `Authorization`.
    pub url: String,
    /// The link stops working then (and at once if the session ends or the user is
    /// deactivated).
    pub expires_at: DateTime<Utc>,
}

#[Object]
impl ExportLinkMutation {
    /// A link to one export with one query string, for the caller's session, valid a few
    /// minutes (`THIDUA_EXPORT_LINK_TTL_MINUTES`). The export itself checks the caller's
    /// grants when it is fetched, as with a token. Nothing is written.
    async fn create_export_link(
        &self,
        ctx: &Context<'_>,
        input: CreateExportLinkInput,
    ) -> async_graphql::Result<ExportLink> {
        let actor = reader(ctx)?;
        let (Some(user_id), Some(session)) = (actor.user_id, session(ctx)) else {
            return Err(unauthenticated());
        };
        let path = ExportPath::parse(&input.path).map_err(|e| field_error(e.under("input")))?;
        let query =
            LinkQuery::parse(input.query.as_deref()).map_err(|e| field_error(e.under("input")))?;
        let subject = TokenSubject {
            user_id,
            username: actor.label.clone(),
            session_id: session.id,
        };
        let st = state(ctx);
        let (token, expires_at) = st
            .tokens
            .issue_link(&subject, path.as_str(), query.as_str(), st.clock.now())
            .map_err(|e| internal(&e))?;
        Ok(ExportLink {
            url: export::link_url(&path, &query, &token),
            expires_at,
        })
    }
}
