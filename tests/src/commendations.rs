//! Helpers of the commendation tests: the workflow's mutations and the steps most tests
//! repeat (award lookup, council session, nomination, review, ballot, conferral).

use serde_json::{Value, json};

use crate::{Answer, TestApp};

pub const NOMINATE: &str = "mutation($i: NominateInput!) { nominateCommendation(input: $i) { commendation { id status isIndividual isDirectWorker prerequisite { met years longestRun consecutiveYears required { code } } } userErrors { field code message } } }";
pub const REVIEW: &str = "mutation($i: SubmitForReviewInput!) { submitCommendationForReview(input: $i) { commendation { id status } userErrors { field code } } }";
pub const BALLOT: &str = "mutation($i: RecordBallotInput!) { recordCouncilBallot(input: $i) { commendation { id status decisionNote ballot { members present inWriting yes no abstain yesShare } } userErrors { field code message } } }";
pub const CONFER: &str = "mutation($i: ConferInput!) { conferCommendation(input: $i) { commendation { id status decisionNumber decisionDate issuingAuthority } userErrors { field code message } } }";
pub const REJECT: &str = "mutation($i: RejectCommendationInput!) { rejectCommendation(input: $i) { commendation { id status decisionNote } userErrors { field code } } }";
pub const CORRECT: &str = "mutation($i: CorrectCommendationInput!) { correctCommendation(input: $i) { commendation { id decisionNumber corrections { reason changes by { username } } } userErrors { field code message } } }";
pub const SESSION: &str = "mutation($i: CreateCouncilSessionInput!) { createCouncilSession(input: $i) { session { id memberCount members { name } } userErrors { field code } } }";
pub const PROPOSE: &str = "mutation($i: ProposeUpwardInput!) { proposeCommendationUpward(input: $i) { commendation { id status proposedOn } userErrors { field code message } } }";
pub const UPWARD_DECISION: &str = "mutation($i: ConferInput!) { recordUpwardDecision(input: $i) { commendation { id status decisionNumber decisionDate issuingAuthority } userErrors { field code message } } }";
pub const DECLINE: &str = "mutation($i: DeclineUpwardInput!) { declineCommendationUpward(input: $i) { commendation { id status declinedReason } userErrors { field code message } } }";
pub const RECORD_CONFERRED: &str = "mutation($i: RecordConferredHonourInput!) { recordConferredHonour(input: $i) { commendation { id status recordedDirectly session { id } decisionNumber issuingAuthority awardType { code } } userErrors { field code message } } }";
pub const SESSION_AT: &str = "mutation($i: CreateCouncilSessionInput!) { createCouncilSession(input: $i) { session { id unit { id code } } userErrors { field code } } }";
pub const MODEL: &str = "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id } userErrors { code } } }";

pub async fn award(app: &TestApp, token: &str, code: &str) -> String {
    let d = app
        .ok(Some(token), "{ awardTypes { id code } }", json!({}))
        .await;
    d["awardTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == code)
        .unwrap_or_else(|| panic!("no award {code}: {d}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn session(app: &TestApp, token: &str, members: usize) -> String {
    let people: Vec<Value> = (1..=members)
        .map(|i| json!({"name": format!("Ủy viên {i}"), "position": "Ủy viên Hội đồng"}))
        .collect();
    let d = app
        .ok(
            Some(token),
            SESSION,
            json!({"i": {"title": "Phiên họp Hội đồng TĐKT tỉnh", "heldOn": "2026-11-20", "members": people}}),
        )
        .await;
    assert_eq!(
        d["createCouncilSession"]["session"]["memberCount"],
        i64::try_from(members).unwrap(),
        "{d}"
    );
    d["createCouncilSession"]["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn id_of(d: &Value, field: &str) -> String {
    d[field]["commendation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {d}"))
        .to_owned()
}

pub async fn nominate(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(Some(token), NOMINATE, json!({"i": input})).await["nominateCommendation"].clone()
}

pub async fn model(app: &TestApp, token: &str, name: &str, kind: &str, unit: &str) -> String {
    let d = app
        .ok(
            Some(token),
            MODEL,
            json!({"i": {"name": name, "kind": kind, "homeUnitId": unit, "identifiedOn": "2024-01-10", "isDirectWorker": true}}),
        )
        .await;
    d["createExemplar"]["exemplar"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned()
}

/// A ballot's input: present, in writing, yes, no, abstain.
pub fn tally(id: &str, [present, in_writing, yes, no, abstain]: [i64; 5]) -> Value {
    json!({"i": {"id": id, "present": present, "inWriting": in_writing, "yes": yes, "no": no, "abstain": abstain}})
}

/// Puts a nomination before the session, as `token`.
pub async fn review(app: &TestApp, token: &str, id: &str, session: &str) -> Value {
    app.ok(
        Some(token),
        REVIEW,
        json!({"i": {"id": id, "sessionId": session}}),
    )
    .await
}

/// Review, a unanimous ballot of `members` members, and conferral: by the council's unit
/// when its head decides the award, else proposed upward and conferred there (the answer is
/// then `recordUpwardDecision`'s, of the same shape).
pub async fn approve_and_confer(
    app: &TestApp,
    admin: &str,
    id: &str,
    sess: &str,
    members: i64,
    number: &str,
    date: &str,
) -> Value {
    let r = app
        .ok(
            Some(admin),
            REVIEW,
            json!({"i": {"id": id, "sessionId": sess}}),
        )
        .await;
    assert_eq!(
        r["submitCommendationForReview"]["commendation"]["status"], "UNDER_REVIEW",
        "{r}"
    );
    let b = app
        .ok(Some(admin), BALLOT, tally(id, [members, 0, members, 0, 0]))
        .await;
    assert_eq!(
        b["recordCouncilBallot"]["commendation"]["status"], "APPROVED",
        "{b}"
    );
    let decision = json!({"i": {"id": id, "decisionNumber": number, "decisionDate": date}});
    let conferred =
        app.ok(Some(admin), CONFER, decision.clone()).await["conferCommendation"].clone();
    if conferred["userErrors"][0]["code"] != "OUTSIDE_AUTHORITY" {
        return conferred;
    }
    // Decided above the council's unit: the dossier goes up on the decision's day and the
    // higher authority's decision is recorded.
    let p = app
        .ok(
            Some(admin),
            PROPOSE,
            json!({"i": {"id": id, "proposedOn": date}}),
        )
        .await;
    assert_eq!(
        p["proposeCommendationUpward"]["commendation"]["status"], "PROPOSED_UPWARD",
        "{p}"
    );
    app.ok(Some(admin), UPWARD_DECISION, decision).await["recordUpwardDecision"].clone()
}

/// A session of `unit`'s council with `members` members, as `token`.
pub async fn session_at(app: &TestApp, token: &str, unit: &str, members: usize) -> Answer {
    let people: Vec<Value> = (1..=members)
        .map(|i| json!({"name": format!("Ủy viên {i}")}))
        .collect();
    app.gql(
        Some(token),
        SESSION_AT,
        json!({"i": {"unitId": unit, "title": "Phiên họp Hội đồng TĐKT", "heldOn": "2026-11-20", "members": people}}),
    )
    .await
}

/// One target by code, with its definition, progress and history (public query).
pub async fn target(app: &TestApp, code: &str) -> Value {
    let d = app
        .ok(
            None,
            "{ targets { code source targetValue targetMax progress { value status note shareOfTarget shareOfStretch } history { on value } } }",
            json!({}),
        )
        .await;
    d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap()
        .clone()
}

pub fn user_codes(a: &Answer, field: &str) -> Vec<String> {
    a.user_error_codes(field)
}

pub fn user_error_field(a: &Answer) -> String {
    a.user_error_fields("nominateCommendation")
        .first()
        .cloned()
        .unwrap_or_default()
}

pub const LIST: &str = "query($n: Int) { commendations(first: $n) { edges { node { id status \
    awardType { code prerequisite { code } } unit { code } nominatingUnit { code } exemplar { name } \
    session { memberCount } ballot { yesShare } prerequisite { met } corrections { reason } } } } }";

pub const CREATE_PERSON: &str = "mutation($i: PersonInput!) { createPerson(input: $i) { person { id name version unit { id } isForeign } userErrors { field code message } } }";

/// Records a person in `unit` and returns their id.
pub async fn person(app: &TestApp, token: &str, name: &str, unit: &str) -> String {
    let d = app
        .ok(
            Some(token),
            CREATE_PERSON,
            json!({"i": {"name": name, "unitId": unit, "since": "2020-01-01"}}),
        )
        .await;
    d["createPerson"]["person"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("person not created: {d}"))
        .to_owned()
}
