//! The set-up of the mixed traffic, made through the balancer as `admin`: wards with a
//! reporter each, a manager and a viewer on the province, a launched campaign every ward
//! is registered in. Also the reports and files the traffic sends.

use serde_json::{Value, json};

use super::{Plan, Target};

pub(crate) const PASSWORD: &str = "mixed-traffic-password-2026";

/// The measures of the campaign's criteria and a valid value of each.
const CRITERIA: [(&str, &str, &str, &str); 3] = [
    ("PERCENT", "%", "90", "92.5"),
    ("COUNT", "mô hình", "3", "2"),
    ("NUMBER", "%", "1.5", "1.8"),
];

#[derive(Clone)]
pub(crate) struct Field {
    /// `<balancer>/graphql`.
    pub(crate) url: String,
    pub(crate) campaign: String,
    pub(crate) criteria: Vec<String>,
    pub(crate) wards: Vec<String>,
    /// One reporter's access token per ward.
    pub(crate) reporters: Vec<String>,
    pub(crate) manager: String,
    pub(crate) viewer: String,
}

/// Runs a set-up operation; panics on any error.
async fn ask(http: &reqwest::Client, url: &str, token: Option<&str>, q: &str, i: Value) -> Value {
    let mut req = http
        .post(url)
        .json(&json!({"query": q, "variables": {"i": i}}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("a set-up request");
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .expect("a JSON answer to a set-up request");
    assert!(
        status == 200 && body.get("errors").is_none(),
        "set-up: {q}: {body}"
    );
    body["data"].clone()
}

fn text(d: &Value, at: &str) -> String {
    d.pointer(at)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {at} in {d}"))
        .to_owned()
}

async fn login(http: &reqwest::Client, url: &str, username: &str, password: &str) -> String {
    let q = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
    let d = ask(
        http,
        url,
        None,
        q,
        json!({"username": username, "password": password}),
    )
    .await;
    text(&d, "/login/accessToken")
}

/// Creates `username` with `role` on `unit`; returns their access token.
async fn user(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
    username: &str,
    role: &str,
    unit: &str,
) -> String {
    let q = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }";
    let i = json!({"username": username, "displayName": username, "password": PASSWORD});
    let id = text(
        &ask(http, url, Some(admin), q, i).await,
        "/createUser/user/id",
    );
    let q = "mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }";
    let d = ask(
        http,
        url,
        Some(admin),
        q,
        json!({"userId": id, "role": role, "unitId": unit}),
    )
    .await;
    assert_eq!(d["grantRole"]["userErrors"], json!([]), "{d}");
    login(http, url, username, PASSWORD).await
}

impl Field {
    pub(crate) async fn set_up(target: &Target, plan: &Plan) -> Self {
        let http = reqwest::Client::new();
        let url = format!("{}/graphql", target.balancer);
        let admin = login(&http, &url, "admin", &target.admin_password).await;
        let d = ask(
            &http,
            &url,
            Some(&admin),
            "query($i: String) { orgUnit(code: $i) { id } programme { id } }",
            json!("QN"),
        )
        .await;
        let (root, programme) = (text(&d, "/orgUnit/id"), text(&d, "/programme/id"));
        let mut wards = vec![];
        for n in 0..plan.wards {
            let q =
                "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }";
            let i = json!({"code": format!("LB-W{n:02}"), "name": format!("Phường {n}"), "kind": "WARD", "parentId": root});
            wards.push(text(
                &ask(&http, &url, Some(&admin), q, i).await,
                "/createOrgUnit/orgUnit/id",
            ));
        }
        let criteria: Vec<Value> = (CRITERIA.iter().enumerate())
            .map(|(n, (measure, label, target, _))| {
                json!({"title": format!("Tiêu chí {n}"), "measure": measure, "unitLabel": label,
                    "targetValue": target, "weight": "1"})
            })
            .collect();
        let q = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { \
            campaign { id criteria { id } } userErrors { code message } } }";
        let i = json!({"code": "LB-2025", "title": "Phong trào thi đua sau cân bằng tải",
            "kind": "THEMATIC", "programmeId": programme, "launchingUnitId": root,
            "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": criteria});
        let d = ask(&http, &url, Some(&admin), q, i).await;
        let campaign = text(&d, "/createCampaign/campaign/id");
        let criteria = (0..CRITERIA.len())
            .map(|n| text(&d, &format!("/createCampaign/campaign/criteria/{n}/id")))
            .collect();
        let q = "mutation($i: CampaignTransitionInput!) { launchCampaign(input: $i) { \
            campaign { status } } }";
        let d = ask(&http, &url, Some(&admin), q, json!({"id": campaign})).await;
        assert_eq!(text(&d, "/launchCampaign/campaign/status"), "LAUNCHED");
        let mut reporters = vec![];
        for (n, ward) in wards.iter().enumerate() {
            let q = "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { \
                participation { id } } }";
            let i = json!({"campaignId": campaign, "unitId": ward, "pledge": "Hoàn thành"});
            ask(&http, &url, Some(&admin), q, i).await;
            let name = format!("lb.reporter.{n}");
            reporters.push(user(&http, &url, &admin, &name, "REPORTER", ward).await);
        }
        let manager = user(&http, &url, &admin, "lb.manager", "MANAGER", &root).await;
        let viewer = user(&http, &url, &admin, "lb.viewer", "VIEWER", &root).await;
        Self {
            url,
            campaign,
            criteria,
            wards,
            reporters,
            manager,
            viewer,
        }
    }

    pub(crate) fn criteria_per_report(&self) -> usize {
        self.criteria.len()
    }

    /// A valid report of ward `ward` for month `slot % 12 + 1` of 2025.
    pub(crate) fn report(&self, id: uuid::Uuid, ward: usize, slot: usize) -> Value {
        let month = slot % 12;
        let end = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month];
        let values: Vec<Value> = (self.criteria.iter().zip(CRITERIA))
            .map(|(c, (_, _, _, value))| json!({"criterionId": c, "value": value}))
            .collect();
        let m = month + 1;
        json!({"id": id.to_string(), "campaignId": self.campaign, "unitId": self.wards[ward],
            "period": {"kind": "MONTH", "start": format!("2025-{m:02}-01"), "end": format!("2025-{m:02}-{end}")},
            "values": values, "narrative": format!("Báo cáo {id}: tổ chức hội nghị tuyên truyền"),
            "location": {"latitude": "20.9517", "longitude": "107.0806"}})
    }
}

/// A JPEG as far as a sniffer can tell, `len` bytes long, its middle pseudo-random from
/// `seed` (so no two files of a run are alike).
pub(crate) fn evidence(seed: u64, len: usize) -> Vec<u8> {
    let mut b = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    let mut x = seed | 1;
    while b.len() + 2 < len {
        // xorshift64
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.extend_from_slice(&x.to_le_bytes());
    }
    b.truncate(len.saturating_sub(2).max(20));
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}
