//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) for machine
//! clients. The client authenticates with HTTP Basic (its id and secret, each
//! form-urlencoded, RFC 6749 §2.3.1) or with `client_id` and `client_secret` in the form,
//! never both; it gets a short-lived bearer JWT carrying its id, scopes and subtree.
//! Errors are RFC 6749 §5.2's JSON (`error`, `error_description`), never a GraphQL body.
//! Failed authentications are throttled like `login`: per client id and per address.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use thidua_api::auth::ClientSubject;
use thidua_api::guard::LoginThrottle;
use thidua_domain::client::{ScopeError, ScopeSet};
use thidua_persistence::api_clients;
use uuid::Uuid;

use crate::startup::{AppState, RequestId};

/// Largest token request body: a grant type, an id, a secret and the scopes fit in far less.
pub const MAX_BODY_BYTES: usize = 4096;
/// Most form parameters read (RFC 6749 defines five for this grant).
const MAX_PARAMS: usize = 16;
/// Longest `client_id` or `client_secret` considered.
const MAX_CREDENTIAL_BYTES: usize = 256;
const FORM: &str = "application/x-www-form-urlencoded";

/// The error codes of RFC 6749 §5.2 this endpoint answers with (and one for throttling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    InvalidRequest,
    InvalidClient,
    /// Never answered by the client credentials grant (there is no grant to be invalid),
    /// listed for completeness of the error table.
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// Too many failed authentications from this client id or address: wait
    /// `Retry-After` seconds (HTTP 429).
    TemporarilyUnavailable,
}

impl OAuthError {
    pub const fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    const fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::TemporarilyUnavailable => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// A refusal: the code and an ASCII description (RFC 6749 allows no other characters in
/// `error_description`, so these are English, not from the message catalogue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error: OAuthError,
    pub description: &'static str,
}

fn refusal(error: OAuthError, description: &'static str) -> Refusal {
    Refusal { error, description }
}

/// How the client authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub secret: String,
    pub basic: bool,
}

/// A parsed token request, before any look-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub credentials: Credentials,
    /// The scopes asked for; none: all of the client's.
    pub scope: Option<ScopeSet>,
}

/// One decoded component of HTTP Basic credentials: application/x-www-form-urlencoded
/// (RFC 6749 §2.3.1), so `+` is a space and `%xx` a byte.
fn form_decode(raw: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(format!("v={raw}").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match pairs.as_slice() {
        [(k, v)] if k == "v" && !raw.contains('&') && !raw.contains('=') => Some(v.clone()),
        _ => None,
    }
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(header_value: &str) -> Result<(String, String), Refusal> {
    let bad = || {
        refusal(
            OAuthError::InvalidClient,
            "the Basic credentials are not base64 of form-urlencoded id:secret",
        )
    };
    let (scheme, rest) = header_value.trim().split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(refusal(
            OAuthError::InvalidClient,
            "only HTTP Basic or form credentials authenticate a client here",
        ));
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let id = form_decode(id).ok_or_else(bad)?;
    let secret = form_decode(secret).ok_or_else(bad)?;
    if id.is_empty() || secret.is_empty() {
        return Err(bad());
    }
    Ok((id, secret))
}

/// Parses a token request: the form body (each parameter at most once, RFC 6749 §3.2)
/// and the `Authorization` header, if any.
pub fn parse(body: &[u8], authorization: Option<&str>) -> Result<TokenRequest, Refusal> {
    let malformed = || refusal(OAuthError::InvalidRequest, "the body is not a valid form");
    if std::str::from_utf8(body).is_err() {
        return Err(malformed());
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        if params.len() >= MAX_PARAMS {
            return Err(refusal(OAuthError::InvalidRequest, "too many parameters"));
        }
        // Parameters sent without a value are treated as omitted (RFC 6749 §3.1).
        if v.is_empty() {
            continue;
        }
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(refusal(
                OAuthError::InvalidRequest,
                "a parameter is repeated",
            ));
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match get("grant_type") {
        None => {
            return Err(refusal(
                OAuthError::InvalidRequest,
                "grant_type is required",
            ));
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Err(refusal(
                OAuthError::UnsupportedGrantType,
                "only grant_type=client_credentials is supported",
            ));
        }
    }
    let (form_id, form_secret) = (get("client_id"), get("client_secret"));
    let credentials = match authorization {
        Some(h) => {
            if form_id.is_some() || form_secret.is_some() {
                return Err(refusal(
                    OAuthError::InvalidRequest,
                    "use HTTP Basic or client_id and client_secret in the body, not both",
                ));
            }
            let (client_id, secret) = basic_credentials(h)?;
            Credentials {
                client_id,
                secret,
                basic: true,
            }
        }
        None => match (form_id, form_secret) {
            (Some(id), Some(secret)) => Credentials {
                client_id: id.to_owned(),
                secret: secret.to_owned(),
                basic: false,
            },
            (Some(_), None) | (None, Some(_)) => {
                return Err(refusal(
                    OAuthError::InvalidRequest,
                    "client_id and client_secret go together",
                ));
            }
            (None, None) => {
                return Err(refusal(
                    OAuthError::InvalidClient,
                    "client authentication is required",
                ));
            }
        },
    };
    if credentials.client_id.len() > MAX_CREDENTIAL_BYTES
        || credentials.secret.len() > MAX_CREDENTIAL_BYTES
    {
        return Err(refusal(
            OAuthError::InvalidClient,
            "client authentication failed",
        ));
    }
    let scope = match get("scope") {
        None => None,
        Some(raw) => match ScopeSet::parse_param(raw) {
            Ok(s) => Some(s),
            // Only spaces: no scope asked for.
            Err(ScopeError::Empty) => None,
            Err(_) => {
                return Err(refusal(
                    OAuthError::InvalidScope,
                    "the scope names an unknown scope",
                ));
            }
        },
    };
    Ok(TokenRequest { credentials, scope })
}

/// The JSON answer with the headers RFC 6749 §5.1 asks for (`no-store`).
fn json(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json;charset=UTF-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body.to_string())
}

fn refuse(app: &AppState, r: &Refusal, basic: bool, request_id: &str) -> HttpResponse {
    let code = r.error.code();
    tracing::info!(%request_id, error = code, reason = r.description, "token request refused");
    app.metrics.token_request(code);
    let mut resp = json(
        r.error.status(),
        &serde_json::json!({"error": code, "error_description": r.description}),
    );
    // RFC 6749 §5.2: a 401 to a client that used Basic carries the challenge it used.
    if r.error == OAuthError::InvalidClient {
        let challenge = if basic {
            "Basic realm=\"thidua\", charset=\"UTF-8\""
        } else {
            "Basic realm=\"thidua\""
        };
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    resp
}

/// Reads the body up to [`MAX_BODY_BYTES`]; `None` past it.
async fn bounded_body(mut payload: web::Payload) -> Result<Option<Vec<u8>>, ()> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ())?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
) -> HttpResponse {
    let request_id = RequestId::of(&req);
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|h| h.to_str().unwrap_or("\u{0}"));
    let basic_sent = authorization.is_some_and(|h| {
        h.trim_start()
            .get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case("basic "))
    });
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(FORM));
    if !form {
        let r = refusal(
            OAuthError::InvalidRequest,
            "send the parameters as application/x-www-form-urlencoded",
        );
        return refuse(&app, &r, basic_sent, &request_id);
    }
    let body = match bounded_body(payload).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            let r = refusal(OAuthError::InvalidRequest, "the body is too large");
            return refuse(&app, &r, basic_sent, &request_id);
        }
        Err(()) => {
            let r = refusal(OAuthError::InvalidRequest, "the body could not be read");
            return refuse(&app, &r, basic_sent, &request_id);
        }
    };
    let parsed = match parse(&body, authorization) {
        Ok(p) => p,
        Err(r) => return refuse(&app, &r, basic_sent, &request_id),
    };
    let basic = parsed.credentials.basic;
    let throttle: &dyn LoginThrottle = app.rate_limits.as_ref();
    let addr = app.rate_limits.addr_of(&req);
    let key = format!("client:{}", parsed.credentials.client_id);
    if let Err(wait) = throttle.check(&key, addr).await {
        let r = refusal(
            OAuthError::TemporarilyUnavailable,
            "too many failed attempts; retry later",
        );
        let mut resp = refuse(&app, &r, basic, &request_id);
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return resp;
    }
    let failed = refusal(OAuthError::InvalidClient, "client authentication failed");
    let Ok(client_id) = Uuid::parse_str(&parsed.credentials.client_id) else {
        throttle.failed(&key, addr).await;
        return refuse(&app, &failed, basic, &request_id);
    };
    let now = app.api.clock.now();
    let found = match api_clients::authenticate(
        &app.db.conn,
        client_id,
        &parsed.credentials.secret,
        now,
    )
    .await
    {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(%request_id, error = %e, "token request: loading the client failed");
            app.metrics.token_request("server_error");
            return json(
                StatusCode::SERVICE_UNAVAILABLE,
                &serde_json::json!({"error": "temporarily_unavailable", "error_description": "the service is unavailable; retry later"}),
            );
        }
    };
    let Some(client) = found.filter(|c| c.secret_ok && !c.disabled) else {
        throttle.failed(&key, addr).await;
        return refuse(&app, &failed, basic, &request_id);
    };
    throttle.succeeded(&key).await;
    let Ok(allowed) = ScopeSet::parse_param(&client.scopes) else {
        tracing::error!(%request_id, client = %client.name, "stored scopes do not parse");
        let r = refusal(
            OAuthError::UnauthorizedClient,
            "this client holds no usable scope",
        );
        return refuse(&app, &r, basic, &request_id);
    };
    let granted = match parsed.scope {
        None => allowed,
        Some(asked) if asked.is_subset_of(&allowed) => asked,
        Some(_) => {
            let r = refusal(
                OAuthError::InvalidScope,
                "the scope exceeds the scopes granted to this client",
            );
            return refuse(&app, &r, basic, &request_id);
        }
    };
    let Some(subtree_unit_id) = client
        .subtree_path
        .split('/')
        .rfind(|s| !s.is_empty())
        .and_then(|s| Uuid::parse_str(s).ok())
    else {
        tracing::error!(%request_id, client = %client.name, "the client's subtree path is malformed");
        let r = refusal(OAuthError::UnauthorizedClient, "this client cannot act");
        return refuse(&app, &r, basic, &request_id);
    };
    let subject = ClientSubject {
        client_id: client.id,
        name: client.name.clone(),
        scope: granted.to_param(),
        subtree_unit_id,
    };
    let Ok((token, exp)) = app.api.tokens.issue_client(&subject, now) else {
        tracing::error!(%request_id, "signing a client token failed");
        app.metrics.token_request("server_error");
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &serde_json::json!({"error": "server_error"}),
        );
    };
    tracing::info!(%request_id, client = %client.name, scope = %subject.scope, "client token issued");
    app.metrics.token_request("granted");
    json(
        StatusCode::OK,
        &serde_json::json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": (exp - now).num_seconds(),
            "scope": subject.scope,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let r = parse(
            b"grant_type=client_credentials",
            Some(&basic("a%3Ab", "s+t%25")),
        )
        .unwrap();
        assert_eq!(
            (
                r.credentials.client_id.as_str(),
                r.credentials.secret.as_str()
            ),
            ("a:b", "s t%")
        );
        assert!(r.credentials.basic);
        assert_eq!(r.scope, None);
    }

    #[test]
    fn every_malformed_request_gets_its_rfc_error() {
        let code = |body: &str, auth: Option<&str>| parse(body.as_bytes(), auth).unwrap_err().error;
        let ok_auth = basic("id", "secret");
        assert_eq!(code("", Some(&ok_auth)), OAuthError::InvalidRequest);
        assert_eq!(
            code("grant_type=password", Some(&ok_auth)),
            OAuthError::UnsupportedGrantType
        );
        assert_eq!(
            code(
                "grant_type=client_credentials&grant_type=client_credentials",
                Some(&ok_auth)
            ),
            OAuthError::InvalidRequest
        );
        assert_eq!(
            code(
                "grant_type=client_credentials&client_id=id&client_secret=s",
                Some(&ok_auth)
            ),
            OAuthError::InvalidRequest
        );
        assert_eq!(
            code("grant_type=client_credentials", None),
            OAuthError::InvalidClient
        );
        assert_eq!(
            code("grant_type=client_credentials&client_id=id", None),
            OAuthError::InvalidRequest
        );
        assert_eq!(
            code("grant_type=client_credentials", Some("Basic !!!")),
            OAuthError::InvalidClient
        );
        assert_eq!(
            code(
                "grant_type=client_credentials",
                Some(&format!("Basic {}", STANDARD.encode("no-colon")))
            ),
            OAuthError::InvalidClient
        );
        assert_eq!(
            code("grant_type=client_credentials", Some("Bearer x")),
            OAuthError::InvalidClient
        );
        assert_eq!(
            code("grant_type=client_credentials&scope=admin", Some(&ok_auth)),
            OAuthError::InvalidScope
        );
        let many: String = (0..20).map(|i| format!("p{i}=1&")).collect();
        assert_eq!(code(&many, Some(&ok_auth)), OAuthError::InvalidRequest);
    }

    #[test]
    fn form_credentials_and_scopes_parse() {
        let r = parse(
            b"grant_type=client_credentials&client_id=id&client_secret=s&scope=reports%3Aread+targets%3Aread",
            None,
        )
        .unwrap();
        assert!(!r.credentials.basic);
        assert_eq!(r.scope.unwrap().to_param(), "targets:read reports:read");
        let blank = parse(
            b"grant_type=client_credentials&client_id=id&client_secret=s&scope=",
            None,
        )
        .unwrap();
        assert_eq!(blank.scope, None);
    }
}
