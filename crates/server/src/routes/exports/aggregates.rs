//! The dashboard aggregates as files: `reportingCompliance`, `criterionProgress`,
//! `commendationStats` and `exemplarStats`. Each runs the GraphQL query of the same name,
//! through the same schema, as the same caller, with the query-string parameters as its
//! arguments: the figures, the permission checks, the refusals and the statement count are
//! the query's own, so a file can never disagree with the dashboard. The answer (at most
//! a thousand groups) then becomes rows.

use std::collections::HashMap;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::resolver_utils::EnumType;
use serde_json::{Value, json};
use thidua_api::Caller;
use thidua_api::context::CallerSession;
use thidua_api::i18n::{self, Locale};
use thidua_api::query::{ComplianceGroupBy, ProgressGroupBy};
use thidua_api::types::enums::{CommendationStatus, ExemplarKind, ExemplarStage};
use thidua_api::types::stats::{CommendationDimension, ExemplarDimension};
use thidua_domain::access::Actor;
use thidua_domain::error::{FieldError, UserErrorCode};
use thidua_domain::{MessageArg, msg};

use super::{Cell, Refusal, labels, only, text, word};
use crate::routes::graphql::execute;
use crate::startup::AppState;

/// An aggregate export, by the name of its query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Aggregate {
    ReportingCompliance,
    CriterionProgress,
    CommendationStats,
    ExemplarStats,
}

impl Aggregate {
    pub(super) fn named(stem: &str) -> Option<Self> {
        match stem {
            "reportingCompliance" => Some(Self::ReportingCompliance),
            "criterionProgress" => Some(Self::CriterionProgress),
            "commendationStats" => Some(Self::CommendationStats),
            "exemplarStats" => Some(Self::ExemplarStats),
            _ => None,
        }
    }
}

/// Who asks, as the export route settled it.
pub(super) struct Asked<'a> {
    pub app: &'a AppState,
    pub req: &'a HttpRequest,
    pub actor: &'a Actor,
    pub session: Option<CallerSession>,
    pub request_id: &'a str,
}

const COMPLIANCE_FIGURES: &str =
    "expected submitted onTime late approved returned missing submittedShare onTimeShare";

fn compliance_query() -> String {
    format!(
        "query($campaignId: ID!, $period: String, $milestoneId: ID, $unitId: ID, \
         $groupBy: ComplianceGroupBy, $clusterId: ID) {{ reportingCompliance(\
         campaignId: $campaignId, period: $period, milestoneId: $milestoneId, unitId: $unitId, \
         groupBy: $groupBy, clusterId: $clusterId) {{ \
         unit {{ code name }} {COMPLIANCE_FIGURES} rows {{ unit {{ code name }} \
         {COMPLIANCE_FIGURES} }} }} }}"
    )
}

const PROGRESS_QUERY: &str = "query($campaignId: ID, $fieldId: ID, $from: NaiveDate, \
    $to: NaiveDate, $unitId: ID, $groupBy: ProgressGroupBy, $clusterId: ID) { \
    criterionProgress(campaignId: $campaignId, fieldId: $fieldId, from: $from, to: $to, \
    unitId: $unitId, groupBy: $groupBy, clusterId: $clusterId) { criteria { \
    campaign { code } criterion { title } target value reports groups { period value reports \
    unit { code name } } } } }";

const COMMENDATION_STATS_QUERY: &str = "query($filter: CommendationStatsFilter!, \
    $groupBy: [CommendationDimension!]!) { commendationStats(filter: $filter, \
    groupBy: $groupBy) { total groups { count level category kind recipientType year \
    individual topLevelUnit { name } field { name } } } }";

const EXEMPLAR_STATS_QUERY: &str = "query($filter: ExemplarStatsFilter, \
    $groupBy: [ExemplarDimension!]!) { exemplarStats(filter: $filter, groupBy: $groupBy) { \
    total groups { count stage kind field { name } homeUnit { name } \
    topLevelUnit { name } } } }";

/// The header and rows of an aggregate, or the refusal the query (or a parameter) gave.
pub(super) async fn table(
    kind: Aggregate,
    asked: &Asked<'_>,
    params: &HashMap<String, String>,
    locale: Locale,
) -> Result<(Vec<String>, Vec<Vec<Cell>>), Refusal> {
    match kind {
        Aggregate::ReportingCompliance => {
            only(
                params,
                &[
                    "campaignId",
                    "period",
                    "milestoneId",
                    "unitId",
                    "groupBy",
                    "clusterId",
                ],
            )?;
            let vars = json!({
                "campaignId": required(params, "campaignId")?,
                "period": params.get("period"),
                "milestoneId": params.get("milestoneId"),
                "unitId": params.get("unitId"),
                "groupBy": one_of::<ComplianceGroupBy>(params, "groupBy")?,
                "clusterId": params.get("clusterId"),
            });
            let data = run(asked, &compliance_query(), vars).await?;
            Ok(compliance_table(locale, &data["reportingCompliance"]))
        }
        Aggregate::CriterionProgress => {
            only(
                params,
                &[
                    "campaignId",
                    "fieldId",
                    "from",
                    "to",
                    "unitId",
                    "groupBy",
                    "clusterId",
                ],
            )?;
            // Exactly one of the two is the query's own rule (REQUIRED / NOT_APPLICABLE).
            let vars = json!({
                "campaignId": params.get("campaignId"),
                "fieldId": params.get("fieldId"),
                "clusterId": params.get("clusterId"),
                "from": date(params, "from")?,
                "to": date(params, "to")?,
                "unitId": params.get("unitId"),
                "groupBy": one_of::<ProgressGroupBy>(params, "groupBy")?,
            });
            let data = run(asked, PROGRESS_QUERY, vars).await?;
            Ok(progress_table(locale, &data["criterionProgress"]))
        }
        Aggregate::CommendationStats => {
            only(
                params,
                &[
                    "fromYear",
                    "toYear",
                    "unitId",
                    "status",
                    "groupBy",
                    "clusterId",
                ],
            )?;
            let dims = list_of::<CommendationDimension>(params, "groupBy")?;
            let vars = json!({
                "filter": {
                    "fromYear": year(params, "fromYear")?,
                    "toYear": year(params, "toYear")?,
                    "unitId": params.get("unitId"),
                    "status": one_of::<CommendationStatus>(params, "status")?,
                    "clusterId": params.get("clusterId"),
                },
                "groupBy": dims,
            });
            let data = run(asked, COMMENDATION_STATS_QUERY, vars).await?;
            Ok(stats_table(
                locale,
                "export-commendation-dimension",
                &dims,
                &data["commendationStats"],
                commendation_cell,
            ))
        }
        Aggregate::ExemplarStats => {
            only(
                params,
                &["unitId", "fieldId", "stage", "kind", "groupBy", "clusterId"],
            )?;
            let dims = list_of::<ExemplarDimension>(params, "groupBy")?;
            let vars = json!({
                "filter": {
                    "unitId": params.get("unitId"),
                    "fieldId": params.get("fieldId"),
                    "stage": one_of::<ExemplarStage>(params, "stage")?,
                    "kind": one_of::<ExemplarKind>(params, "kind")?,
                    "clusterId": params.get("clusterId"),
                },
                "groupBy": dims,
            });
            let data = run(asked, EXEMPLAR_STATS_QUERY, vars).await?;
            Ok(stats_table(
                locale,
                "export-exemplar-dimension",
                &dims,
                &data["exemplarStats"],
                exemplar_cell,
            ))
        }
    }
}

/// A parameter refused as a GraphQL argument would be: 400 BAD_USER_INPUT with
/// `userErrorCode` and `field` (the parameter's name).
fn refused(e: FieldError) -> Refusal {
    let error = thidua_api::args::field_error(e).into_server_error(Default::default());
    Box::new(answer(StatusCode::BAD_REQUEST, &[error]))
}

fn answer(status: StatusCode, errors: &[async_graphql::ServerError]) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        ))
        .body(json!({ "errors": errors }).to_string())
}

fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Refusal> {
    params.get(name).map(String::as_str).ok_or_else(|| {
        refused(FieldError::new(
            name,
            UserErrorCode::Required,
            msg!("required"),
        ))
    })
}

fn bad_value(name: &str, raw: &str) -> Refusal {
    refused(FieldError::new(
        name,
        UserErrorCode::InvalidFormat,
        msg!(
            "export-bad-value",
            name = name.to_owned(),
            value = raw.to_owned()
        ),
    ))
}

/// A value of the GraphQL enum `T`, checked against the schema's own names.
fn one_of<T: EnumType>(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Option<&'static str>, Refusal> {
    params
        .get(name)
        .map(|raw| enum_name::<T>(raw).ok_or_else(|| bad_value(name, raw)))
        .transpose()
}

fn enum_name<T: EnumType>(raw: &str) -> Option<&'static str> {
    T::items().iter().map(|i| i.name).find(|n| *n == raw)
}

/// A comma-separated list of values of `T` (empty or absent: none), each known. The
/// query itself refuses repeats.
fn list_of<T: EnumType>(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Vec<&'static str>, Refusal> {
    let Some(raw) = params.get(name) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .filter(|v| !v.trim().is_empty())
        .take(T::items().len() + 1)
        .map(|v| enum_name::<T>(v.trim()).ok_or_else(|| bad_value(name, raw)))
        .collect()
}

fn date(params: &HashMap<String, String>, name: &str) -> Result<Option<String>, Refusal> {
    params
        .get(name)
        .map(|raw| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(|d| d.format("%Y-%m-%d").to_string())
                .map_err(|_| bad_value(name, raw))
        })
        .transpose()
}

fn year(params: &HashMap<String, String>, name: &str) -> Result<i32, Refusal> {
    let raw = required(params, name)?;
    raw.trim().parse::<i32>().map_err(|_| bad_value(name, raw))
}

/// Runs one query as the caller, within the request deadline; its errors become the
/// answer, with the status their code means.
async fn run(asked: &Asked<'_>, query: &str, vars: Value) -> Result<Value, Refusal> {
    let app = asked.app;
    let caller = Caller::User(asked.actor.clone());
    let rate = crate::ratelimit::RequestLimits::new(&app.rate_limits, asked.req, &caller);
    let run = execute::Run {
        app,
        caller: &caller,
        session: asked.session,
        request_id: asked.request_id,
        rate: &rate,
        deadline: Instant::now() + app.request_timeout,
        wrote: Default::default(),
    };
    let request =
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(vars));
    let (resp, _) = execute::one(&run, request).await;
    if let Some(first) = resp.errors.first() {
        let code = first
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(|v| v.to_string().trim_matches('"').to_owned())
            .unwrap_or_default();
        return Err(Box::new(answer(status_of(&code), &resp.errors)));
    }
    resp.data.into_json().map_err(|_| super::unavailable())
}

fn status_of(code: &str) -> StatusCode {
    match code {
        "BAD_USER_INPUT" | "GRAPHQL_VALIDATION_FAILED" | "GRAPHQL_PARSE_FAILED" => {
            StatusCode::BAD_REQUEST
        }
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" | "PASSWORD_CHANGE_REQUIRED" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        "SERVICE_UNAVAILABLE" | "TIMEOUT" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn int(v: &Value) -> Cell {
    v.as_i64().map_or(Cell::Empty, Cell::Int)
}

/// A GraphQL `Decimal` (a string) as a number cell; null is empty.
fn decimal(v: &Value) -> Cell {
    match v {
        Value::String(s) => Cell::Decimal(s.clone()),
        Value::Number(n) => Cell::Decimal(n.to_string()),
        _ => Cell::Empty,
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn total_label(locale: Locale) -> String {
    i18n::render(locale, &msg!("export-total"))
}

/// A row per unit row, then the total row (its unit cells: no code, "Total").
fn compliance_table(locale: Locale, c: &Value) -> (Vec<String>, Vec<Vec<Cell>>) {
    let figures = |v: &Value| -> Vec<Cell> {
        let mut cells: Vec<Cell> = [
            "expected",
            "submitted",
            "onTime",
            "late",
            "approved",
            "returned",
            "missing",
        ]
        .iter()
        .map(|k| int(&v[*k]))
        .collect();
        cells.push(decimal(&v["submittedShare"]));
        cells.push(decimal(&v["onTimeShare"]));
        cells
    };
    let empty = Vec::new();
    let mut rows: Vec<Vec<Cell>> = c["rows"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|r| {
            let mut cells = vec![
                text(str_of(&r["unit"]["code"])),
                text(str_of(&r["unit"]["name"])),
            ];
            cells.extend(figures(r));
            cells
        })
        .collect();
    let mut total = vec![Cell::Empty, Cell::Text(total_label(locale))];
    total.extend(figures(c));
    rows.push(total);
    (labels(locale, &msg!("export-compliance-header")), rows)
}

/// Per criterion, a row per group, then the criterion's overall row ("Total").
fn progress_table(locale: Locale, p: &Value) -> (Vec<String>, Vec<Vec<Cell>>) {
    let empty = Vec::new();
    let mut rows = Vec::new();
    for c in p["criteria"].as_array().unwrap_or(&empty) {
        let campaign = str_of(&c["campaign"]["code"]);
        let title = str_of(&c["criterion"]["title"]);
        let target = decimal(&c["target"]);
        for g in c["groups"].as_array().unwrap_or(&empty) {
            rows.push(vec![
                text(campaign),
                text(title),
                text(str_of(&g["unit"]["code"])),
                text(str_of(&g["unit"]["name"])),
                text(str_of(&g["period"])),
                decimal(&g["value"]),
                target.clone(),
                int(&g["reports"]),
            ]);
        }
        rows.push(vec![
            text(campaign),
            text(title),
            Cell::Empty,
            Cell::Text(total_label(locale)),
            Cell::Empty,
            decimal(&c["value"]),
            target,
            int(&c["reports"]),
        ]);
    }
    (labels(locale, &msg!("export-progress-header")), rows)
}

/// A column per dimension (by name), then the count; a row per group, then the total
/// (the total alone without dimensions).
fn stats_table(
    locale: Locale,
    header: &'static str,
    dims: &[&'static str],
    s: &Value,
    cell: fn(Locale, &str, &Value) -> Cell,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut head: Vec<String> = dims
        .iter()
        .map(|d| {
            i18n::render(
                locale,
                &msg!("export-word", word = MessageArg::word(header, d)),
            )
        })
        .collect();
    head.push(i18n::render(locale, &msg!("export-count")));
    if dims.is_empty() {
        // The one group is the total.
        return (head, vec![vec![int(&s["total"])]]);
    }
    let empty = Vec::new();
    let mut rows: Vec<Vec<Cell>> = s["groups"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|g| {
            let mut cells: Vec<Cell> = dims.iter().map(|d| cell(locale, d, g)).collect();
            cells.push(int(&g["count"]));
            cells
        })
        .collect();
    let mut total = vec![Cell::Text(total_label(locale))];
    total.extend(dims.iter().skip(1).map(|_| Cell::Empty));
    total.push(int(&s["total"]));
    rows.push(total);
    (head, rows)
}

/// A closed-set value in the caller's language; empty when the group has none.
fn named(locale: Locale, vocabulary: &'static str, v: &Value) -> Cell {
    v.as_str()
        .map_or(Cell::Empty, |k| Cell::Text(word(locale, vocabulary, k)))
}

fn name_of(v: &Value) -> Cell {
    v["name"].as_str().map_or(Cell::Empty, text)
}

fn commendation_cell(locale: Locale, dim: &str, g: &Value) -> Cell {
    match dim {
        "LEVEL" => named(locale, "award-level", &g["level"]),
        "CATEGORY" => named(locale, "award-category", &g["category"]),
        "KIND" => named(locale, "commendation-kind", &g["kind"]),
        "RECIPIENT_TYPE" => named(locale, "recipient-type", &g["recipientType"]),
        "YEAR" => int(&g["year"]),
        "TOP_LEVEL_UNIT" => name_of(&g["topLevelUnit"]),
        "FIELD" => name_of(&g["field"]),
        "INDIVIDUAL" => match g["individual"].as_bool() {
            Some(true) => Cell::Text(word(locale, "recipient-kind", "INDIVIDUAL")),
            Some(false) => Cell::Text(word(locale, "recipient-kind", "COLLECTIVE")),
            None => Cell::Empty,
        },
        _ => Cell::Empty,
    }
}

fn exemplar_cell(locale: Locale, dim: &str, g: &Value) -> Cell {
    match dim {
        "STAGE" => named(locale, "exemplar-stage", &g["stage"]),
        "KIND" => named(locale, "recipient-kind", &g["kind"]),
        "FIELD" => name_of(&g["field"]),
        "HOME_UNIT" => name_of(&g["homeUnit"]),
        "TOP_LEVEL_UNIT" => name_of(&g["topLevelUnit"]),
        _ => Cell::Empty,
    }
}
