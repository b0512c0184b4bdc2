//! Whether a submitted progress report is taken: the facts storage loads about its unit,
//! campaign and any report already stored under its id, and the one function that judges
//! a submission by them. Storage loads, calls [`judge`], and writes what it is told to.

use crate::msg;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::access::{Action, Actor};
use crate::campaign::CampaignStatus;
use crate::criterion::Measure;
use crate::error::{FieldError, UserErrorCode as C};
use crate::org_unit::UnitFacts;
use crate::report::{self, Location, Period, RawValue, ReportContent, Stored, Submission};

/// What the rules need to know about a report's campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFacts {
    pub id: Uuid,
    pub status: CampaignStatus,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The campaign's criteria in their order, each with its measure.
    pub criteria: Vec<(Uuid, Measure)>,
}

/// Everything known about one submission before it is judged; `None` means the id the
/// client sent matches nothing.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub unit: Option<UnitFacts<'a>>,
    pub campaign: Option<&'a CampaignFacts>,
    /// Whether the unit is registered for the campaign.
    pub participating: bool,
    /// The report already stored under the submission's id.
    pub stored: Option<&'a Stored>,
}

/// A report as the client sent it, already parsed field by field.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    pub period: Period,
    pub narrative: Option<&'a str>,
    pub location: Option<Location>,
    pub values: &'a [RawValue],
    /// The version the client last saw (for edits and resubmissions).
    pub version: Option<i32>,
}

/// What to do with a submission that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// An unchanged resend of the stored report (a retry): answer with it, write nothing.
    Duplicate,
    /// Write `content` as `decision` says (create, update or resubmit).
    Write {
        decision: Submission,
        content: ReportContent,
    },
}

/// Why a submission is not taken: one problem, or every problem with its values at once.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refused {
    #[error(transparent)]
    One(#[from] FieldError),
    #[error("{} problems with the values", .0.len())]
    Many(Vec<FieldError>),
}

/// What a campaign's status lets a submission do, read once per submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// A launched campaign takes every submission.
    Open,
    /// A campaign that is not launched takes no new content, but a phone retrying a report
    /// it sent while the campaign was launched still gets its acknowledgement.
    ResendsOnly,
}

/// A launched campaign takes reports; any other refuses a new one at once and a change to
/// a stored one once the change is known ([`Intake::admit`]).
pub fn intake(status: CampaignStatus, stored: bool) -> Result<Intake, FieldError> {
    match (status, stored) {
        (CampaignStatus::Launched, _) => Ok(Intake::Open),
        (_, true) => Ok(Intake::ResendsOnly),
        (_, false) => Err(FieldError::new(
            "campaignId",
            C::CampaignNotLaunched,
            msg!("reports-only-launched"),
        )),
    }
}

impl Intake {
    /// Whether the campaign takes a submission that `decision` would make.
    pub fn admit(self, decision: Submission) -> Result<(), FieldError> {
        match (self, decision) {
            (Intake::Open, _) | (Intake::ResendsOnly, Submission::Duplicate) => Ok(()),
            (Intake::ResendsOnly, _) => Err(FieldError::new(
                "campaignId",
                C::CampaignNotLaunched,
                msg!("reports-closed"),
            )),
        }
    }
}

/// Applies every rule to one submission, in the order clients see the first problem:
/// unit, authorisation, campaign, launch, period, participation, values, then the
/// stored report's state machine ([`report::decide`]).
pub fn judge(actor: &Actor, facts: Facts<'_>, sent: Sent<'_>) -> Result<Verdict, Refused> {
    let unit = facts.unit.ok_or_else(|| {
        FieldError::new(
            "unitId",
            C::UnknownReference,
            msg!(
                "unknown-reference",
                what = crate::error::MessageArg::word("thing", "unit")
            ),
        )
    })?;
    if actor.authorize(Action::SubmitReport, unit.path).is_err() {
        return Err(FieldError::new("unitId", C::Forbidden, msg!("report-unit-forbidden")).into());
    }
    let campaign = facts.campaign.ok_or_else(|| {
        FieldError::new(
            "campaignId",
            C::UnknownReference,
            msg!(
                "unknown-reference",
                what = crate::error::MessageArg::word("thing", "campaign")
            ),
        )
    })?;
    let intake = intake(campaign.status, facts.stored.is_some())?;
    sent.period.check_within(campaign.start, campaign.end)?;
    if !facts.participating {
        return Err(FieldError::new(
            "unitId",
            C::NotParticipating,
            msg!("report-unit-not-participating"),
        )
        .into());
    }
    let values = report::check_values(&campaign.criteria, sent.values).map_err(Refused::Many)?;
    let content = ReportContent {
        campaign_id: campaign.id,
        unit_id: unit.id,
        period: sent.period,
        narrative: sent.narrative.map(str::to_owned),
        location: sent.location,
        values,
    };
    let decision = report::decide(facts.stored, &content, sent.version)?;
    intake.admit(decision)?;
    Ok(match decision {
        Submission::Duplicate => Verdict::Duplicate,
        decision => Verdict::Write { decision, content },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Grant, Role};
    use crate::report::{PeriodKind, ReportStatus};

    const WARD: &str = "/p/w/";

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    fn actor(role: Role, path: &str) -> Actor {
        Actor {
            user_id: None,
            label: "test".into(),
            grants: vec![Grant {
                role,
                unit_path: path.into(),
            }],
            request_id: "r".into(),
            client: None,
        }
    }

    fn campaign(status: CampaignStatus) -> CampaignFacts {
        CampaignFacts {
            id: Uuid::from_u128(1),
            status,
            start: d(1, 1),
            end: d(12, 31),
            criteria: vec![(Uuid::from_u128(10), Measure::Count)],
        }
    }

    fn values(v: &str) -> Vec<RawValue> {
        vec![RawValue {
            criterion_id: Some(Uuid::from_u128(10)),
            value: v.into(),
        }]
    }

    fn march() -> Period {
        Period::parse(PeriodKind::Month, d(3, 1), d(3, 31)).unwrap()
    }

    fn sent<'a>(period: Period, values: &'a [RawValue], version: Option<i32>) -> Sent<'a> {
        Sent {
            period,
            narrative: Some("ok"),
            location: None,
            values,
            version,
        }
    }

    fn unit() -> UnitFacts<'static> {
        UnitFacts {
            id: Uuid::from_u128(2),
            path: WARD,
        }
    }

    fn facts<'a>(c: &'a CampaignFacts, stored: Option<&'a Stored>) -> Facts<'a> {
        Facts {
            unit: Some(unit()),
            campaign: Some(c),
            participating: true,
            stored,
        }
    }

    fn code(r: Result<Verdict, Refused>) -> C {
        match r {
            Err(Refused::One(e)) => e.code,
            Err(Refused::Many(es)) => es[0].code,
            Ok(v) => panic!("expected a refusal, got {v:?}"),
        }
    }

    /// The stored twin of what `v` would create in March.
    fn stored(c: &CampaignFacts, v: &str, status: ReportStatus) -> Stored {
        let reporter = actor(Role::Reporter, WARD);
        let vals = values(v);
        let Ok(Verdict::Write { content, .. }) =
            judge(&reporter, facts(c, None), sent(march(), &vals, None))
        else {
            panic!("a valid report is written");
        };
        Stored {
            campaign_id: c.id,
            unit_id: unit().id,
            status,
            version: 1,
            content_hash: content.hash(),
        }
    }

    #[test]
    fn a_valid_new_report_is_created() {
        let c = campaign(CampaignStatus::Launched);
        let vals = values("3");
        let v = judge(
            &actor(Role::Reporter, WARD),
            facts(&c, None),
            sent(march(), &vals, None),
        )
        .unwrap();
        let Verdict::Write { decision, content } = v else {
            panic!("expected a write");
        };
        assert_eq!(decision, Submission::Create);
        assert_eq!((content.campaign_id, content.unit_id), (c.id, unit().id));
    }

    #[test]
    fn unknown_unit_and_campaign_are_unknown_references() {
        let c = campaign(CampaignStatus::Launched);
        let vals = values("3");
        let a = actor(Role::Admin, "/p/");
        let no_unit = Facts {
            unit: None,
            ..facts(&c, None)
        };
        let r = judge(&a, no_unit, sent(march(), &vals, None));
        assert!(matches!(&r, Err(Refused::One(e)) if e.field == "unitId"));
        assert_eq!(code(r), C::UnknownReference);
        let no_campaign = Facts {
            campaign: None,
            ..facts(&c, None)
        };
        let r = judge(&a, no_campaign, sent(march(), &vals, None));
        assert!(matches!(&r, Err(Refused::One(e)) if e.field == "campaignId"));
        assert_eq!(code(r), C::UnknownReference);
    }

    #[test]
    fn reporting_for_a_unit_outside_ones_grants_is_forbidden() {
        let c = campaign(CampaignStatus::Launched);
        let vals = values("3");
        for a in [
            actor(Role::Reporter, "/p/other/"),
            actor(Role::Viewer, "/p/"),
        ] {
            let r = judge(&a, facts(&c, None), sent(march(), &vals, None));
            assert!(matches!(&r, Err(Refused::One(e)) if e.field == "unitId"));
            assert_eq!(code(r), C::Forbidden);
        }
    }

    #[test]
    fn a_campaign_not_launched_takes_no_new_report() {
        let vals = values("3");
        for status in [
            CampaignStatus::Draft,
            CampaignStatus::Closed,
            CampaignStatus::Cancelled,
        ] {
            let c = campaign(status);
            // Not launched is said before any other problem with the report.
            let outside = Period::parse(PeriodKind::Month, d(1, 1), d(1, 31)).unwrap();
            let c_late = CampaignFacts {
                start: d(2, 1),
                ..c.clone()
            };
            let r = judge(
                &actor(Role::Reporter, WARD),
                facts(&c_late, None),
                sent(outside, &vals, None),
            );
            assert_eq!(
                r,
                Err(Refused::One(FieldError::new(
                    "campaignId",
                    C::CampaignNotLaunched,
                    msg!("reports-only-launched"),
                ))),
                "{status}"
            );
        }
    }

    #[test]
    fn a_closed_campaign_answers_resends_but_takes_no_change() {
        let launched = campaign(CampaignStatus::Launched);
        let s = stored(&launched, "3", ReportStatus::Submitted);
        let closed = campaign(CampaignStatus::Closed);
        let a = actor(Role::Reporter, WARD);
        let same = values("3");
        assert_eq!(
            judge(&a, facts(&closed, Some(&s)), sent(march(), &same, None)),
            Ok(Verdict::Duplicate)
        );
        let changed = values("4");
        assert_eq!(
            judge(
                &a,
                facts(&closed, Some(&s)),
                sent(march(), &changed, Some(1))
            ),
            Err(Refused::One(FieldError::new(
                "campaignId",
                C::CampaignNotLaunched,
                msg!("reports-closed"),
            )))
        );
        // The same edit is taken while the campaign is launched.
        assert!(matches!(
            judge(
                &a,
                facts(&launched, Some(&s)),
                sent(march(), &changed, Some(1))
            ),
            Ok(Verdict::Write {
                decision: Submission::Update,
                ..
            })
        ));
    }

    #[test]
    fn a_period_outside_the_campaign_is_refused() {
        let c = CampaignFacts {
            start: d(4, 1),
            ..campaign(CampaignStatus::Launched)
        };
        let vals = values("3");
        let r = judge(
            &actor(Role::Reporter, WARD),
            facts(&c, None),
            sent(march(), &vals, None),
        );
        assert_eq!(code(r), C::PeriodOutsideCampaign);
    }

    #[test]
    fn a_unit_not_registered_for_the_campaign_is_refused() {
        let c = campaign(CampaignStatus::Launched);
        let vals = values("3");
        let f = Facts {
            participating: false,
            ..facts(&c, None)
        };
        let r = judge(&actor(Role::Reporter, WARD), f, sent(march(), &vals, None));
        assert!(matches!(&r, Err(Refused::One(e)) if e.field == "unitId"));
        assert_eq!(code(r), C::NotParticipating);
    }

    #[test]
    fn bad_values_are_reported_all_at_once() {
        let c = CampaignFacts {
            criteria: vec![
                (Uuid::from_u128(10), Measure::Count),
                (Uuid::from_u128(11), Measure::Percent),
            ],
            ..campaign(CampaignStatus::Launched)
        };
        let vals = vec![
            RawValue {
                criterion_id: Some(Uuid::from_u128(10)),
                value: "-1".into(),
            },
            RawValue {
                criterion_id: Some(Uuid::from_u128(11)),
                value: "101".into(),
            },
        ];
        let r = judge(
            &actor(Role::Reporter, WARD),
            facts(&c, None),
            sent(march(), &vals, None),
        );
        let Err(Refused::Many(errors)) = r else {
            panic!("expected every value problem, got {r:?}");
        };
        let codes: Vec<C> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec![C::InvalidCount, C::PercentOutOfRange]);
    }

    #[test]
    fn resends_edits_and_resubmissions_follow_the_stored_report() {
        let c = campaign(CampaignStatus::Launched);
        let a = actor(Role::Reporter, WARD);
        let submitted = stored(&c, "3", ReportStatus::Submitted);
        let same = values("3");
        assert_eq!(
            judge(&a, facts(&c, Some(&submitted)), sent(march(), &same, None)),
            Ok(Verdict::Duplicate)
        );
        let changed = values("4");
        assert_eq!(
            code(judge(
                &a,
                facts(&c, Some(&submitted)),
                sent(march(), &changed, None)
            )),
            C::Conflict
        );
        let returned = stored(&c, "3", ReportStatus::Returned);
        assert!(matches!(
            judge(
                &a,
                facts(&c, Some(&returned)),
                sent(march(), &changed, Some(1))
            ),
            Ok(Verdict::Write {
                decision: Submission::Resubmit,
                ..
            })
        ));
        let approved = stored(&c, "3", ReportStatus::Approved);
        assert_eq!(
            code(judge(
                &a,
                facts(&c, Some(&approved)),
                sent(march(), &changed, Some(1))
            )),
            C::Locked
        );
    }

    #[test]
    fn intake_is_open_only_while_launched() {
        assert_eq!(intake(CampaignStatus::Launched, false), Ok(Intake::Open));
        assert_eq!(intake(CampaignStatus::Launched, true), Ok(Intake::Open));
        assert_eq!(
            intake(CampaignStatus::Closed, true),
            Ok(Intake::ResendsOnly)
        );
        assert_eq!(
            intake(CampaignStatus::Closed, false).unwrap_err().code,
            C::CampaignNotLaunched
        );
        assert!(Intake::ResendsOnly.admit(Submission::Duplicate).is_ok());
        for d in [Submission::Create, Submission::Update, Submission::Resubmit] {
            assert!(Intake::Open.admit(d).is_ok());
            assert_eq!(
                Intake::ResendsOnly.admit(d).unwrap_err().code,
                C::CampaignNotLaunched
            );
        }
    }
}
