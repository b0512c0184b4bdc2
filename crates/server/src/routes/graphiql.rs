//! GraphiQL for browsers, served entirely from the binary so it works on an intranet
//! without internet access. The page is ours (`assets/graphiql/index.html`); GraphiQL and
//! React are vendored production builds (see `assets/graphiql/README.md`) under a path
//! that changes whenever any file does, so they can be cached for good.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};
use thidua_domain::ErrorCode;

use super::json_error;
use crate::startup::AppState;

/// The vendored GraphiQL release (also in `assets/graphiql/README.md`).
const GRAPHIQL_VERSION: &str = "3.9.0";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "init.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/init.js"),
    },
    Asset {
        name: "page.css",
        content_type: CSS,
        body: include_bytes!("../../assets/graphiql/page.css"),
    },
];

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// `<GraphiQL version>-<12 hex digits of SHA-256 over every asset>`: the asset path segment.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for a in ASSETS {
        h.update(a.name.as_bytes());
        h.update(a.body);
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{GRAPHIQL_VERSION}-{hex}")
});

/// Only our own files; `data:` for the fonts and icons `graphiql.min.css` embeds; the
/// nonce admits the one `<style>` element GraphiQL's dialogs add (`init.js` hands it over).
fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The page, with asset links relative to `/graphql` (so a reverse proxy's path prefix
/// carries over) and a fresh style nonce.
pub fn page() -> HttpResponse {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let body = PAGE
        .replace("{assets}", &format!("graphiql/{}", *ASSET_VERSION))
        .replace("{nonce}", &nonce);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&nonce),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

/// `GET /graphiql/{version}/{name}`: a vendored file, when GraphiQL is on and the version
/// is this binary's.
pub async fn asset(path: web::Path<(String, String)>, app: web::Data<AppState>) -> HttpResponse {
    let (version, name) = path.into_inner();
    let found = ASSETS
        .iter()
        .find(|a| a.name == name)
        .filter(|_| app.graphiql && version == *ASSET_VERSION);
    match found {
        Some(a) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, a.content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(a.body),
        None => json_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            &thidua_domain::msg!("no-such-file"),
        ),
    }
}
