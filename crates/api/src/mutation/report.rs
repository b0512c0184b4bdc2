//! Progress reports: batched, idempotent submission from phones, and review.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use thidua_domain::id::{ReportId, of};
use thidua_domain::report::{Location, Period, PeriodKind as DomainPeriodKind, RawValue};
use thidua_domain::text::LongText;
use thidua_domain::{FieldError, UserErrorCode};
use thidua_persistence::reports::{self, NewReport, Outcome};
use uuid::Uuid;

use super::{begin, finish, input_id, payload};
use crate::context::{actor, state};
use crate::error::{Failure, UserError};
use crate::ids::{self, NodeType};
use crate::scalars::Measurement;
use crate::types::enums::PeriodKind;
use crate::types::report::ProgressReport;

#[derive(Default)]
pub struct ReportMutation;

#[derive(InputObject)]
pub struct PeriodInput {
    pub kind: PeriodKind,
    /// YYYY-MM-DD. A month runs from its first to its last day; a quarter likewise.
    pub start: String,
    pub end: String,
}

#[derive(InputObject)]
pub struct ReportValueInput {
    /// Global ID of the criterion.
    pub criterion_id: String,
    /// A number (JSON number or decimal string), checked against the criterion's measure.
    pub value: Measurement,
}

#[derive(InputObject)]
pub struct LocationInput {
    pub latitude: Measurement,
    pub longitude: Measurement,
}

#[derive(InputObject)]
pub struct ReportInput {
    /// A UUID minted by the app when the report is first saved; resending the same report
    /// with the same id never creates a second one.
    pub id: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub period: PeriodInput,
    /// One value per criterion of the campaign.
    pub values: Vec<ReportValueInput>,
    pub narrative: Option<String>,
    pub location: Option<LocationInput>,
    /// The report's `version` as last synced; needed to edit a report awaiting review or
    /// to resubmit a returned one.
    pub version: Option<i32>,
}

#[derive(InputObject)]
pub struct SubmitReportsInput {
    pub reports: Vec<ReportInput>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SubmitStatus {
    /// Stored (new, edited or resubmitted).
    Accepted,
    /// Already stored with this exact content: nothing changed.
    Duplicate,
    /// Not stored; see `userErrors`.
    Rejected,
}

/// The answer for one report of the batch, in the order sent.
#[derive(SimpleObject)]
pub struct SubmitReportResult {
    /// The id as sent.
    pub id: String,
    pub status: SubmitStatus,
    pub report: Option<ProgressReport>,
    /// Field paths are relative to the report, e.g. `values.2.value`.
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct SubmitReportsPayload {
    pub results: Vec<SubmitReportResult>,
    /// Problems with the batch as a whole (e.g. too many reports).
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ApproveReportInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct ReturnReportInput {
    pub id: ID,
    /// Shown to the reporter, who fixes the report and resubmits it.
    pub reason: String,
}

payload!(ReportPayload, report: ProgressReport);

fn err(field: &str, code: UserErrorCode, message: thidua_domain::Message) -> FieldError {
    FieldError::new(field, code, message)
}

fn date(raw: &str, field: &str) -> Result<NaiveDate, FieldError> {
    thidua_domain::number::parse_date(raw).ok_or_else(|| {
        err(
            field,
            UserErrorCode::InvalidFormat,
            thidua_domain::msg!("date-invalid"),
        )
    })
}

/// Turns one input item into a checked submission, or the reasons it cannot be one.
fn parse_report(r: &ReportInput) -> Result<NewReport, Vec<FieldError>> {
    let mut errors = vec![];
    let id = Uuid::parse_str(r.id.trim())
        .map(ReportId::from_uuid)
        .map_err(|_| {
            errors.push(err(
                "id",
                UserErrorCode::InvalidFormat,
                thidua_domain::msg!("report-id-uuid"),
            ))
        });
    let campaign_id = ids::parse::<of::Campaign>(&r.campaign_id).ok_or_else(|| {
        errors.push(err(
            "campaignId",
            UserErrorCode::InvalidFormat,
            thidua_domain::msg!("node-id-invalid", kind = NodeType::Campaign.name()),
        ))
    });
    let unit_id = ids::parse::<of::OrgUnit>(&r.unit_id).ok_or_else(|| {
        errors.push(err(
            "unitId",
            UserErrorCode::InvalidFormat,
            thidua_domain::msg!("node-id-invalid", kind = NodeType::OrgUnit.name()),
        ))
    });
    let period = match (
        date(&r.period.start, "period.start"),
        date(&r.period.end, "period.end"),
    ) {
        (Ok(s), Ok(e)) => Period::parse(DomainPeriodKind::from(r.period.kind), s, e)
            .map_err(|e| errors.push(e))
            .ok(),
        (s, e) => {
            errors.extend([s.err(), e.err()].into_iter().flatten());
            None
        }
    };
    let narrative = LongText::parse_optional(r.narrative.as_deref())
        .map_err(|e| errors.push(e.under("narrative")))
        .ok();
    let location = r
        .location
        .as_ref()
        .map(|l| Location::parse(&l.latitude.0, &l.longitude.0))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok();
    let version = thidua_domain::bounds::Version::parse_optional(r.version)
        .map_err(|e| errors.push(e))
        .ok();
    if r.values.len() > 200 {
        errors.push(err(
            "values",
            UserErrorCode::TooMany,
            thidua_domain::msg!("report-too-many-values", max = 200),
        ));
    }
    let values = r
        .values
        .iter()
        .take(200)
        .map(|v| RawValue {
            criterion_id: ids::parse::<of::Criterion>(&v.criterion_id).map(|id| id.uuid()),
            value: v.value.0.clone(),
        })
        .collect();
    match (
        id,
        campaign_id,
        unit_id,
        period,
        narrative,
        location,
        version,
    ) {
        (
            Ok(id),
            Ok(campaign_id),
            Ok(unit_id),
            Some(period),
            Some(narrative),
            Some(location),
            Some(version),
        ) if errors.is_empty() => Ok(NewReport {
            id,
            campaign_id,
            unit_id,
            period,
            narrative: narrative.map(LongText::into_inner),
            location,
            values,
            version,
        }),
        _ => Err(errors),
    }
}

/// The user error for an item that failed for a reason other than its content; the code
/// says whether the app may simply send it again (`TRY_AGAIN`) or must not.
fn retry_later(e: &async_graphql::Error) -> UserError {
    let code = e
        .extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .and_then(|v| match v {
            async_graphql::Value::String(s) => thidua_domain::ErrorCode::parse(s),
            _ => None,
        })
        .map_or(UserErrorCode::TryAgain, UserErrorCode::for_item);
    if code == UserErrorCode::TryAgain {
        UserError {
            field: None,
            code: code.into(),
            message: crate::i18n::text(&thidua_domain::msg!("report-try-again")),
        }
    } else {
        UserError {
            field: None,
            code: code.into(),
            message: e.message.clone(),
        }
    }
}

fn rejected(id: &str, errors: Vec<UserError>) -> SubmitReportResult {
    SubmitReportResult {
        id: id.to_owned(),
        status: SubmitStatus::Rejected,
        report: None,
        user_errors: errors,
    }
}

#[Object]
impl ReportMutation {
    /// Submits a batch of reports (up to the server's batch size, default 100). Each is
    /// judged and stored on its own: ACCEPTED, DUPLICATE (same id and content: nothing
    /// changes) or REJECTED with user errors; one bad report never sinks the others.
    /// Sending the same id with different content edits a report still awaiting review,
    /// or resubmits a returned one, when `version` is current; otherwise CONFLICT.
    /// Approved reports are locked (LOCKED).
    async fn submit_reports(
        &self,
        ctx: &Context<'_>,
        input: SubmitReportsInput,
    ) -> async_graphql::Result<SubmitReportsPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let max = st.limits.report_batch;
        if input.reports.len() > max {
            return Ok(SubmitReportsPayload {
                results: vec![],
                user_errors: vec![UserError::from(err(
                    "reports",
                    UserErrorCode::TooMany,
                    thidua_domain::msg!("report-batch-too-large", max = max),
                ))],
            });
        }
        // Parse every item first; the valid ones are judged and stored together.
        let parsed: Vec<Result<NewReport, Vec<FieldError>>> =
            input.reports.iter().map(parse_report).collect();
        let valid: Vec<NewReport> = parsed
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let mut stored = reports::submit_batch(&st.db, a, &valid).await.into_iter();
        let mut results = Vec::with_capacity(input.reports.len());
        for (r, p) in input.reports.iter().zip(parsed) {
            let res = match p {
                Err(errs) => rejected(&r.id, errs.into_iter().map(UserError::from).collect()),
                Ok(_) => match stored.next() {
                    Some(Ok((outcome, model))) => SubmitReportResult {
                        id: r.id.clone(),
                        status: if outcome == Outcome::Duplicate {
                            SubmitStatus::Duplicate
                        } else {
                            SubmitStatus::Accepted
                        },
                        report: Some(ProgressReport(model)),
                        user_errors: vec![],
                    },
                    Some(Err(e)) => match Failure::from(e) {
                        Failure::User(errs) => rejected(&r.id, errs),
                        // A failure of this item alone (the database refused it, the
                        // record is gone): its neighbours are still acknowledged, and the
                        // app may retry this one.
                        Failure::Request(e) => rejected(&r.id, vec![retry_later(&e)]),
                    },
                    None => rejected(
                        &r.id,
                        vec![retry_later(&crate::error::internal(
                            &"batch results out of step",
                        ))],
                    ),
                },
            };
            results.push(res);
        }
        Ok(SubmitReportsPayload {
            results,
            user_errors: vec![],
        })
    }

    /// Approves a report awaiting review; it is locked from then on (managers of the unit or above).
    async fn approve_report(
        &self,
        ctx: &Context<'_>,
        input: ApproveReportInput,
    ) -> async_graphql::Result<ReportPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::ProgressReport>(&input.id, "id")?;
            let txn = begin(ctx).await?;
            let r = reports::review(&txn, a, id, true, None).await;
            finish(txn, r).await.map(ProgressReport)
        }
        .await;
        ReportPayload::from_result(res)
    }

    /// Returns a report to its reporter with a reason; they fix it and resubmit (a new revision).
    async fn return_report(
        &self,
        ctx: &Context<'_>,
        input: ReturnReportInput,
    ) -> async_graphql::Result<ReportPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::ProgressReport>(&input.id, "id")?;
            let reason =
                LongText::parse_optional(Some(&input.reason)).map_err(|e| e.under("reason"))?;
            let txn = begin(ctx).await?;
            let r = reports::review(&txn, a, id, false, reason.map(LongText::into_inner)).await;
            finish(txn, r).await.map(ProgressReport)
        }
        .await;
        ReportPayload::from_result(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_the_database_failed_on_is_rejected_with_try_again() {
        let e = retry_later(&crate::error::internal(&"connection reset"));
        assert_eq!(UserErrorCode::from(e.code), UserErrorCode::TryAgain);
        assert!(!e.message.contains("connection reset"));
        let e = retry_later(&crate::error::not_found("report"));
        assert_eq!(UserErrorCode::from(e.code), UserErrorCode::NotFound);
    }
}
