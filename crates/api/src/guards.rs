//! The schema's one extension: the document limits ([`crate::limits`]), the introspection
//! bounds ([`crate::introspection`]), the password-change gate ([`crate::password_gate`])
//! and the caller's charge for a validated document (the server's rate budget).
//!
//! One link, not one extension each: async-graphql runs every field and list item of an
//! answer through each extension's resolve hook (a boxed future per extension), and with
//! four of them that chain was a measurable share of a large answer's CPU time.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextResolve, NextSubscribe, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use futures_util::stream::BoxStream;

use crate::limits::{self, Limits};
use crate::{introspection, password_gate};

/// What a caller charges for a document once it has validated within the limits (its
/// cost is the complexity async-graphql computed); an error refuses the document.
#[async_graphql::async_trait::async_trait]
pub trait Charge: Send + Sync + 'static {
    async fn charge(
        &self,
        ctx: &ExtensionContext<'_>,
        complexity: usize,
    ) -> Result<(), Vec<ServerError>>;
}

/// The extension; [`crate::build_schema_with`] registers it, once.
pub struct Guards {
    inner: Arc<GuardsExtension>,
}

impl Guards {
    /// `depth` is the schema's (the introspection instance allows deeper documents).
    pub(crate) fn new(
        limits: Limits,
        depth: usize,
        introspection_only: bool,
        charge: Option<Arc<dyn Charge>>,
    ) -> Self {
        Self {
            inner: Arc::new(GuardsExtension {
                limits,
                depth,
                introspection_only,
                charge,
            }),
        }
    }
}

impl ExtensionFactory for Guards {
    fn create(&self) -> Arc<dyn Extension> {
        self.inner.clone()
    }
}

struct GuardsExtension {
    limits: Limits,
    depth: usize,
    introspection_only: bool,
    charge: Option<Arc<dyn Charge>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardsExtension {
    /// Every error leaves with a code: async-graphql's own (an unknown operation name, an
    /// argument that does not coerce) are validation failures.
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        limits::with_codes(next.run(ctx).await)
    }

    /// The same for every response of a subscription (over WebSocket or SSE).
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        use futures_util::StreamExt as _;
        next.run(ctx, stream).map(limits::with_codes).boxed()
    }

    /// Tokens, parsing and the document rules, before async-graphql walks the document.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let doc = limits::parse(&mut request, self.limits.tokens)?;
        limits::check_document(doc, &self.limits)?;
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        introspection::check_bounds(&doc, self.introspection_only)?;
        Ok(doc)
    }

    /// Depth and complexity first, so that the charge is only ever for a document within
    /// the limits.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let res = next.run(ctx).await?;
        limits::check_validated(&res, &self.limits, self.depth)?;
        if let Some(charge) = &self.charge {
            charge.charge(ctx, res.complexity).await?;
        }
        Ok(res)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.path_node.parent.is_none() {
            password_gate::check(ctx, &info)?;
        }
        next.run(ctx, info).await
    }
}
