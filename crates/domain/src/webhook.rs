//! Webhooks: which events an endpoint receives, how a delivery is signed (Standard
//! Webhooks), when it is retried, dead-lettered or its endpoint disabled, and which
//! addresses may never be called (SSRF). Pure rules; the worker and the SQL live above.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::access::{Actor, Denied, Resource};
use crate::error::{FieldError, UserErrorCode};
use crate::event::{Audience, EventKind, Scope};
use crate::msg;
use crate::org_unit::is_within;

/// The type of the delivery `testWebhook` sends; not an event of the stream.
pub const PING: &str = "webhook.ping";
/// Longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2000;
/// Most event types one endpoint may ask for (there are fewer kinds than this).
pub const MAX_EVENT_TYPES: usize = 32;
/// Prefix of a signing secret, as Standard Webhooks writes them.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a generated signing secret (the spec asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;

string_enum!(
    /// Where a delivery is. PENDING: not tried yet; FAILED: the last attempt failed and
    /// another is scheduled; SUCCEEDED: a 2xx answer was recorded; DEAD: attempts are
    /// spent (a dead letter, kept for `redeliverWebhook`).
    DeliveryStatus {
        Pending => "PENDING",
        Succeeded => "SUCCEEDED",
        Failed => "FAILED",
        Dead => "DEAD",
    }
);

impl DeliveryStatus {
    /// Still to be sent: it holds back every later delivery of its endpoint.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Failed)
    }
}

/// A signing secret: `whsec_` and the base64 of the key. Shown to its owner once.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret {
    text: String,
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

impl SigningSecret {
    /// A secret over `random` (from the operating system's generator).
    pub fn from_random(random: [u8; SECRET_BYTES]) -> Self {
        Self {
            text: format!("{SECRET_PREFIX}{}", STANDARD.encode(random)),
            key: random.to_vec(),
        }
    }

    /// A stored (or the spec's example) secret; `None` unless `whsec_` + base64 of
    /// 24 to 64 bytes.
    pub fn parse(raw: &str) -> Option<Self> {
        let key = STANDARD.decode(raw.strip_prefix(SECRET_PREFIX)?).ok()?;
        (24..=64).contains(&key.len()).then(|| Self {
            text: raw.to_owned(),
            key,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &str) -> String {
        // HMAC takes a key of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: one signature per valid secret, space-separated, so a
/// receiver still holding the previous secret verifies during a rotation's overlap.
pub fn signature_header(
    secrets: &[&SigningSecret],
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> String {
    secrets
        .iter()
        .map(|s| s.sign(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An endpoint URL as accepted at registration: http(s), no credentials, at most
/// [`MAX_URL_LEN`]; in production https only and never a literal non-public address or
/// `localhost` (names are checked again after every DNS resolution, see [`is_public`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(String);

impl EndpointUrl {
    pub fn parse(raw: &str, production: bool) -> Result<Self, FieldError> {
        let bad = |id: &'static str| {
            FieldError::new(
                "url",
                UserErrorCode::InvalidFormat,
                crate::error::Message { id, args: vec![] },
            )
        };
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::new(
                "url",
                UserErrorCode::Required,
                msg!("webhook-url-required"),
            ));
        }
        if raw.len() > MAX_URL_LEN {
            return Err(FieldError::new(
                "url",
                UserErrorCode::TooLong,
                msg!("webhook-url-too-long", max = MAX_URL_LEN),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(bad("webhook-url-invalid"));
        }
        let url = url::Url::parse(raw).map_err(|_| bad("webhook-url-invalid"))?;
        match url.scheme() {
            "https" => {}
            "http" if !production => {}
            "http" => return Err(bad("webhook-url-https-required")),
            _ => return Err(bad("webhook-url-invalid")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("webhook-url-credentials"));
        }
        let host = url.host().ok_or_else(|| bad("webhook-url-invalid"))?;
        if production {
            let public = match host {
                url::Host::Ipv4(a) => is_public(IpAddr::V4(a)),
                url::Host::Ipv6(a) => is_public(IpAddr::V6(a)),
                url::Host::Domain(d) => {
                    let d = d.trim_end_matches('.').to_ascii_lowercase();
                    d != "localhost" && !d.ends_with(".localhost") && d.contains('.')
                }
            };
            if !public {
                return Err(bad("webhook-url-private"));
            }
        }
        Ok(Self(url.to_string()))
    }

    /// A stored URL, taken as written (it was parsed at registration).
    pub fn stored(url: String) -> Self {
        Self(url)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// May a webhook connect to this address? Refuses loopback, unspecified, private
/// (RFC 1918), CGNAT (100.64/10), link-local, multicast, broadcast, documentation and
/// benchmarking ranges, IPv6 unique-local and link-local, and IPv6 forms of IPv4
/// (mapped, compatible, NAT64, 6to4) whose IPv4 is refused.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [o1, o2, o3, _] = a.octets();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_multicast()
        || a.is_broadcast()
        || a.is_documentation()
        || o1 == 0
        || (o1 == 100 && (64..128).contains(&o2))
        || (o1 == 192 && o2 == 0 && o3 == 0)
        || (o1 == 198 && (o2 == 18 || o2 == 19))
        || o1 >= 240)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = a.segments();
    // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96).
    if (s[..6] == [0, 0, 0, 0, 0, 0] && !a.is_loopback() && !a.is_unspecified())
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        let [a1, a2] = s[6].to_be_bytes();
        let [a3, a4] = s[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a1, a2, a3, a4));
    }
    // 6to4 (2002::/16) embeds an IPv4 in the next 32 bits.
    if s[0] == 0x2002 {
        let [a1, a2] = s[1].to_be_bytes();
        let [a3, a4] = s[2].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a1, a2, a3, a4));
    }
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])) // discard-only
}

/// The event types an endpoint asked for: 1 to [`MAX_EVENT_TYPES`] wire names of kinds
/// a client may see (the server's own kinds are not offered), without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<EventKind>);

impl EventTypes {
    pub fn parse(raw: &[String]) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::new(
                "eventTypes",
                UserErrorCode::Required,
                msg!("webhook-event-types-required"),
            ));
        }
        if raw.len() > MAX_EVENT_TYPES {
            return Err(FieldError::new(
                "eventTypes",
                UserErrorCode::TooMany,
                msg!("webhook-event-types-too-many", max = MAX_EVENT_TYPES),
            ));
        }
        let mut kinds = Vec::with_capacity(raw.len());
        for (i, t) in raw.iter().enumerate() {
            let kind = EventKind::parse(t)
                .filter(|k| k.audience() != Audience::Internal)
                .ok_or_else(|| {
                    let shown: String = t.chars().take(40).filter(|c| !c.is_control()).collect();
                    FieldError::new(
                        format!("eventTypes.{i}"),
                        UserErrorCode::InvalidFormat,
                        msg!("webhook-event-type-unknown", value = shown),
                    )
                })?;
            if kinds.contains(&kind) {
                return Err(FieldError::new(
                    format!("eventTypes.{i}"),
                    UserErrorCode::Duplicate,
                    msg!("webhook-event-type-repeated"),
                ));
            }
            kinds.push(kind);
        }
        Ok(Self(kinds))
    }

    /// Types as stored (comma-separated wire names); unknown names (a newer release's)
    /// are dropped.
    pub fn stored(raw: &str) -> Self {
        Self(raw.split(',').filter_map(EventKind::parse).collect())
    }

    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn kinds(&self) -> &[EventKind] {
        &self.0
    }
}

/// What an event reveals, as a machine client's read scopes name it; None for what no
/// client may receive (exemplary models have no scope; session and access ends are
/// internal).
pub const fn event_resource(kind: EventKind) -> Option<Resource> {
    use EventKind::*;
    match kind {
        ReportSubmitted | ReportApproved | ReportReturned => Some(Resource::Reports),
        CampaignLaunched
        | CampaignClosed
        | CampaignCancelled
        | MilestoneAdded
        | MilestoneCompleted
        | MilestoneOverdue
        | ParticipationRegistered
        | ParticipationWithdrawn => Some(Resource::Campaigns),
        CommendationStatusChanged => Some(Resource::Commendations),
        TargetValueChanged | SnapshotTaken => Some(Resource::Targets),
        ExemplarStageChanged | ExemplarReplicated | SessionEnded | AccessChanged => None,
    }
}

/// May `actor` have events of `types` delivered? People who manage webhooks receive every
/// type; a machine client only the types whose resource it may read, so that a webhook
/// never tells an integration more than its queries would.
pub fn may_receive(actor: &Actor, types: &EventTypes) -> Result<(), Denied> {
    if actor.client.is_none() {
        return Ok(());
    }
    let readable = |k: &EventKind| event_resource(*k).is_some_and(|r| actor.may_read_resource(r));
    if types.kinds().iter().all(readable) {
        Ok(())
    } else {
        Err(Denied)
    }
}

/// What decides whether an endpoint receives an event.
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    pub kinds: &'a [EventKind],
    /// The endpoint's owner unit: it never receives what its owner's administrators may
    /// not see.
    pub owner_path: &'a str,
    /// Only events of this subtree (events with no unit then never match).
    pub subtree_path: Option<&'a str>,
}

/// Does this endpoint receive this event? Its type must be asked for; unit events must
/// lie in the owner's subtree (and the filter's); province-wide events reach every
/// endpoint without a filter, and with one only when their unit lies in it.
pub fn wants(s: Subscription<'_>, event: Scope<'_>) -> bool {
    if !s.kinds.contains(&event.kind) {
        return false;
    }
    let in_filter = match (s.subtree_path, event.unit_path) {
        (None, _) => true,
        (Some(f), Some(p)) => is_within(p, f),
        (Some(_), None) => false,
    };
    in_filter
        && match event.kind.audience() {
            Audience::Internal => false,
            Audience::Readers => true,
            Audience::Unit => event.unit_path.is_some_and(|p| is_within(p, s.owner_path)),
        }
}

/// How long to wait before attempt `attempt + 1` after `attempt` failed ones: `base`
/// doubled per failure, at most `cap`, with "equal jitter" (half fixed, half drawn from
/// `jitter` in [0, 1)) so receivers recovering from an outage are not hit in lockstep.
pub fn backoff(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exp = attempt.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exp).min(cap);
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    Retry,
    Dead,
}

/// After `attempts` attempts (this one included) have failed: retry, or dead-letter
/// once `max_attempts` are spent.
pub fn after_failure(attempts: u32, max_attempts: u32) -> AfterFailure {
    if attempts >= max_attempts.max(1) {
        AfterFailure::Dead
    } else {
        AfterFailure::Retry
    }
}

/// An endpoint that has failed continuously since `first_failure` is disabled once that
/// is `threshold` ago.
pub fn should_disable(
    first_failure: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    threshold: chrono::Duration,
) -> bool {
    now - first_failure >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_test_vector_verifies() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn two_secrets_sign_twice_space_separated() {
        let a = SigningSecret::from_random([1; SECRET_BYTES]);
        let b = SigningSecret::from_random([2; SECRET_BYTES]);
        let h = signature_header(&[&a, &b], "m", 1, "{}");
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts, [a.sign("m", 1, "{}"), b.sign("m", 1, "{}")]);
        assert!(a.as_str().starts_with("whsec_"));
        assert_eq!(SigningSecret::parse(a.as_str()), Some(a));
    }

    #[test]
    fn malformed_secrets_do_not_parse() {
        for raw in [
            "",
            "whsec_",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
            "whsec_AAAA",
        ] {
            assert!(SigningSecret::parse(raw).is_none(), "{raw}");
        }
    }

    #[test]
    fn the_address_filter_refuses_every_non_public_range() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a} must be refused");
        }
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a} must be allowed");
        }
    }

    #[test]
    fn urls_are_bounded_and_production_wants_public_https() {
        assert!(EndpointUrl::parse("http://127.0.0.1:9000/hook", false).is_ok());
        assert!(EndpointUrl::parse("https://hooks.example.org/x", true).is_ok());
        let code = |raw: &str, prod| EndpointUrl::parse(raw, prod).unwrap_err().code;
        assert_eq!(
            code("http://hooks.example.org/x", true),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(
            code("https://127.0.0.1/x", true),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(code("https://[::1]/x", true), UserErrorCode::InvalidFormat);
        assert_eq!(
            code("https://10.0.0.1/x", true),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(
            code("https://localhost/x", true),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(
            code("https://intranet/x", true),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(
            code("ftp://example.org/", false),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(
            code("https://u:p@example.org/", false),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(code("not a url", false), UserErrorCode::InvalidFormat);
        assert_eq!(
            code("http://a.org/\u{0}", false),
            UserErrorCode::InvalidFormat
        );
        assert_eq!(code("", false), UserErrorCode::Required);
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(code(&long, false), UserErrorCode::TooLong);
    }

    #[test]
    fn event_types_parse_known_client_kinds_only() {
        let ok =
            EventTypes::parse(&["REPORT_APPROVED".into(), "CAMPAIGN_LAUNCHED".into()]).unwrap();
        assert_eq!(EventTypes::stored(&ok.to_stored()), ok);
        let code = |raw: &[&str]| {
            let v: Vec<String> = raw.iter().map(|s| (*s).to_owned()).collect();
            EventTypes::parse(&v).unwrap_err().code
        };
        assert_eq!(code(&[]), UserErrorCode::Required);
        assert_eq!(code(&["NOPE"]), UserErrorCode::InvalidFormat);
        assert_eq!(code(&["SESSION_ENDED"]), UserErrorCode::InvalidFormat);
        assert_eq!(code(&["report_approved"]), UserErrorCode::InvalidFormat);
        assert_eq!(
            code(&["REPORT_APPROVED", "REPORT_APPROVED"]),
            UserErrorCode::Duplicate
        );
        let many = vec!["REPORT_APPROVED"; MAX_EVENT_TYPES + 1];
        assert_eq!(code(&many), UserErrorCode::TooMany);
    }

    fn scope(kind: EventKind, path: Option<&str>) -> Scope<'_> {
        Scope {
            kind,
            unit_path: path,
            owner: None,
        }
    }

    #[test]
    fn an_endpoint_receives_its_types_within_its_owner_and_filter() {
        let kinds = [EventKind::ReportApproved, EventKind::CampaignLaunched];
        let ward = Subscription {
            kinds: &kinds,
            owner_path: "/r/a/",
            subtree_path: None,
        };
        assert!(wants(
            ward,
            scope(EventKind::ReportApproved, Some("/r/a/x/"))
        ));
        assert!(!wants(
            ward,
            scope(EventKind::ReportApproved, Some("/r/b/"))
        ));
        assert!(!wants(ward, scope(EventKind::ReportApproved, None)));
        assert!(!wants(
            ward,
            scope(EventKind::ReportSubmitted, Some("/r/a/"))
        ));
        // Province-wide events reach every endpoint that asked for them.
        assert!(wants(
            ward,
            scope(EventKind::CampaignLaunched, Some("/r/b/"))
        ));
        assert!(wants(ward, scope(EventKind::CampaignLaunched, None)));
        let filtered = Subscription {
            subtree_path: Some("/r/a/x/"),
            ..ward
        };
        assert!(wants(
            filtered,
            scope(EventKind::ReportApproved, Some("/r/a/x/y/"))
        ));
        assert!(!wants(
            filtered,
            scope(EventKind::ReportApproved, Some("/r/a/z/"))
        ));
        assert!(!wants(filtered, scope(EventKind::CampaignLaunched, None)));
        assert!(wants(
            filtered,
            scope(EventKind::CampaignLaunched, Some("/r/a/x/"))
        ));
        let internal = [EventKind::SessionEnded];
        let s = Subscription {
            kinds: &internal,
            owner_path: "/r/",
            subtree_path: None,
        };
        assert!(!wants(s, scope(EventKind::SessionEnded, Some("/r/"))));
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(3600);
        assert_eq!(backoff(1, base, cap, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(1, base, cap, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(3, base, cap, 0.0), Duration::from_secs(20));
        assert_eq!(backoff(40, base, cap, 1.0), cap);
        let d = backoff(2, base, cap, 0.5);
        assert!(d >= Duration::from_secs(10) && d <= Duration::from_secs(20));
    }

    #[test]
    fn attempts_end_in_a_dead_letter_and_a_day_of_failure_disables() {
        assert_eq!(after_failure(1, 3), AfterFailure::Retry);
        assert_eq!(after_failure(3, 3), AfterFailure::Dead);
        assert_eq!(after_failure(1, 0), AfterFailure::Dead);
        let t = chrono::Utc::now();
        let day = chrono::Duration::days(1);
        assert!(!should_disable(t, t + chrono::Duration::hours(23), day));
        assert!(should_disable(t, t + day, day));
    }
}
