//! Whether a nomination for a commendation is taken: the facts storage loads about the
//! award, the units and the models a nomination names, and the rules that judge it.
//! Storage loads, calls [`judge`], looks for a live twin under the key it returns
//! ([`check_twins`]), and writes.

use crate::msg;
use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::access::{Action, Actor, Denied};
use crate::award::{RecipientKind, is_effective_on};
use crate::commendation::{
    CommendationKind, CommendationStatus, RecipientType, check_campaign, check_recipient_kind,
    household_key, recipient_key,
};
use crate::error::{FieldError, UserErrorCode as C};
use crate::exemplar::ExemplarKind;
use crate::org_unit::UnitFacts;

/// What the rules need to know about the award type nominated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwardFacts<'a> {
    pub name: &'a str,
    /// None: not in effect until an administrator sets the date.
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
    /// Who the award may go to.
    pub recipient_kind: RecipientKind,
}

/// An exemplary model a nomination names, with its home unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExemplarFacts<'a> {
    pub id: Uuid,
    pub kind: ExemplarKind,
    pub is_direct_worker: bool,
    pub home: UnitFacts<'a>,
}

/// Who the nomination is for, as found; `None` where the id sent matches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientFacts<'a> {
    Unit(Option<UnitFacts<'a>>),
    Exemplar(Option<ExemplarFacts<'a>>),
    /// A person's record; `None` where the id sent matches nothing.
    Person(Option<PersonFacts<'a>>),
    /// A household: its head's name (already parsed) and its unit, `None` where the unit
    /// id sent matches nothing.
    Household {
        head: &'a str,
        unit: Option<UnitFacts<'a>>,
    },
}

/// A person a nomination names, with their current unit; `None` for a foreign recipient,
/// who belongs to no unit of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts<'a> {
    pub id: Uuid,
    pub unit: Option<UnitFacts<'a>>,
}

/// An optional reference: not given, given but matching nothing, or found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference<T> {
    Absent,
    Unknown(Uuid),
    Found(T),
}

/// Everything known about one nomination before it is judged.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The day the nomination is made: award validity and the award-year range follow it.
    pub today: NaiveDate,
    pub kind: CommendationKind,
    /// The year the achievement is for.
    pub award_year: i32,
    /// What the nominator says; only an individual can be a direct worker.
    pub is_direct_worker: bool,
    pub nominating: Option<UnitFacts<'a>>,
    pub award: Option<AwardFacts<'a>>,
    pub recipient: RecipientFacts<'a>,
    /// The campaign a PHONG_TRAO_THI_DUA commendation closes, found by its id.
    pub campaign: Reference<Uuid>,
    /// A model the honour is linked to, when the recipient is not the model itself.
    pub exemplar_link: Reference<ExemplarFacts<'a>>,
}

/// A nomination that passed every rule: what is written, and the key the duplicate rule
/// compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nominee {
    pub recipient_type: RecipientType,
    /// The recipient's unit (a model's home unit); for a foreign recipient, the
    /// nominating unit, which keeps the record.
    pub unit_id: Uuid,
    pub person_id: Option<Uuid>,
    /// The model the honour counts for: the recipient itself, or the linked one.
    pub exemplar_id: Option<Uuid>,
    pub recipient_key: String,
    pub is_individual: bool,
    pub is_direct_worker: bool,
}

/// Why a nomination is not taken: a problem with the input, or the caller's roles do not
/// reach a unit it names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    Denied(#[from] Denied),
}

fn unknown(field: &str, what: &str) -> FieldError {
    FieldError::new(
        field,
        C::UnknownReference,
        msg!(
            "unknown-reference",
            what = crate::error::MessageArg::word("thing", what)
        ),
    )
}

/// Achievements are nominated for a year from 2000 up to next year (a year-end round
/// nominates for the year about to be closed).
pub fn check_award_year(year: i32, today: NaiveDate) -> Result<(), FieldError> {
    let last = today.year() + 1;
    if (2000..=last).contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new(
            "awardYear",
            C::OutOfRange,
            msg!("award-year-range", last = last),
        ))
    }
}

/// One achievement, one honour: a nomination for the same award, recipient and year is
/// refused while an earlier one is alive, that is neither rejected nor declined upward. `twins` are the statuses
/// of the nominations already stored under the same award, year and recipient key.
pub fn check_twins(year: i32, twins: &[CommendationStatus]) -> Result<(), FieldError> {
    match twins.iter().find(|s| s.is_live()) {
        Some(status) => Err(FieldError::new(
            "recipient",
            C::Duplicate,
            msg!(
                "nomination-twin",
                year = year,
                status = crate::error::MessageArg::word("commendation-status", status.as_str())
            ),
        )),
        None => Ok(()),
    }
}

/// Applies every rule but the duplicate one to a nomination, in the order clients see
/// the first problem. The caller nominates within their own subtree: the nominating unit,
/// the recipient's unit and a linked model's home unit must all be theirs.
pub fn judge(actor: &Actor, f: &Facts<'_>) -> Result<Nominee, Refused> {
    let nominating = f
        .nominating
        .ok_or_else(|| unknown("nominatingUnitId", "unit"))?;
    actor.authorize(Action::Nominate, nominating.path)?;
    let award = f
        .award
        .ok_or_else(|| unknown("awardTypeId", "award type"))?;
    if !is_effective_on(award.effective_from, award.effective_to, f.today) {
        return Err(FieldError::new(
            "awardTypeId",
            C::AwardNotInEffect,
            msg!("award-not-in-effect", award = award.name),
        )
        .into());
    }
    check_award_year(f.award_year, f.today)?;
    let (recipient_type, unit, kind, exemplar, person, direct_default) = match f.recipient {
        RecipientFacts::Unit(u) => {
            let unit = u.ok_or_else(|| unknown("recipient.unitId", "unit"))?;
            let kind = RecipientKind::Collective;
            (RecipientType::Unit, unit, kind, None, None, false)
        }
        RecipientFacts::Exemplar(e) => {
            let model = e.ok_or_else(|| unknown("recipient.exemplarId", "exemplary model"))?;
            let kind = match model.kind {
                ExemplarKind::Individual => RecipientKind::Individual,
                ExemplarKind::Collective => RecipientKind::Collective,
            };
            let direct = model.is_direct_worker;
            (
                RecipientType::Exemplar,
                model.home,
                kind,
                Some(model.id),
                None,
                direct,
            )
        }
        RecipientFacts::Person(p) => {
            let p = p.ok_or_else(|| unknown("recipient.personId", "person"))?;
            crate::person::check_unit(f.kind, p.unit.is_some())?;
            let unit = p.unit.unwrap_or(nominating);
            let kind = RecipientKind::Individual;
            (RecipientType::Person, unit, kind, None, Some(p.id), false)
        }
        RecipientFacts::Household { unit, .. } => {
            let unit = unit.ok_or_else(|| unknown("recipient.household.unitId", "unit"))?;
            let kind = RecipientKind::Household;
            (RecipientType::Household, unit, kind, None, None, false)
        }
    };
    actor.authorize(Action::Nominate, unit.path)?;
    check_recipient_kind(award.recipient_kind, kind)?;
    check_campaign(f.kind, !matches!(f.campaign, Reference::Absent))?;
    if let Reference::Unknown(_) = f.campaign {
        return Err(unknown("campaignId", "campaign").into());
    }
    let exemplar_id = match f.exemplar_link {
        Reference::Absent => exemplar,
        Reference::Unknown(link) | Reference::Found(ExemplarFacts { id: link, .. })
            if exemplar.is_some_and(|e| e != link) =>
        {
            return Err(FieldError::new(
                "exemplarId",
                C::InvalidFormat,
                msg!("nomination-exemplar-mismatch"),
            )
            .into());
        }
        Reference::Unknown(_) => return Err(unknown("exemplarId", "exemplary model").into()),
        Reference::Found(model) => {
            // A link counts the honour for the model (target 3), so it is the nominator's
            // to make only for models of their own subtree.
            actor.authorize(Action::Nominate, model.home.path)?;
            Some(model.id)
        }
    };
    let is_individual = kind == RecipientKind::Individual;
    Ok(Nominee {
        recipient_type,
        unit_id: unit.id,
        person_id: person,
        exemplar_id,
        recipient_key: match f.recipient {
            RecipientFacts::Household { head, .. } => household_key(unit.id, head),
            _ => recipient_key(recipient_type, unit.id, exemplar_id, person),
        },
        is_individual,
        is_direct_worker: is_individual && (f.is_direct_worker || direct_default),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Grant, Role};

    const PROVINCE: &str = "/p/";
    const WARD: &str = "/p/w/";
    const OTHER: &str = "/p/o/";

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn manager(path: &str) -> Actor {
        Actor {
            user_id: None,
            label: "test".into(),
            grants: vec![Grant {
                role: Role::Manager,
                unit_path: path.into(),
            }],
            request_id: "r".into(),
            client: None,
        }
    }

    fn unit(n: u128, path: &'static str) -> UnitFacts<'static> {
        UnitFacts {
            id: Uuid::from_u128(n),
            path,
        }
    }

    fn model(n: u128, kind: ExemplarKind, home: UnitFacts<'static>) -> ExemplarFacts<'static> {
        ExemplarFacts {
            id: Uuid::from_u128(n),
            kind,
            is_direct_worker: true,
            home,
        }
    }

    fn award(recipient_kind: RecipientKind) -> AwardFacts<'static> {
        AwardFacts {
            name: "Bằng khen",
            effective_from: Some(day(2020, 1, 1)),
            effective_to: None,
            recipient_kind,
        }
    }

    /// A valid nomination of ward W by ward W for a merit award in 2025.
    fn facts() -> Facts<'static> {
        Facts {
            today: day(2025, 6, 1),
            kind: CommendationKind::Merit,
            award_year: 2025,
            is_direct_worker: false,
            nominating: Some(unit(1, WARD)),
            award: Some(award(RecipientKind::Both)),
            recipient: RecipientFacts::Unit(Some(unit(1, WARD))),
            campaign: Reference::Absent,
            exemplar_link: Reference::Absent,
        }
    }

    fn code(r: Result<Nominee, Refused>) -> C {
        match r {
            Err(Refused::Invalid(e)) => e.code,
            other => panic!("expected a user error, got {other:?}"),
        }
    }

    #[test]
    fn a_unit_nominated_in_ones_subtree_is_taken() {
        let n = judge(&manager(PROVINCE), &facts()).unwrap();
        assert_eq!(n.recipient_type, RecipientType::Unit);
        assert_eq!(n.unit_id, Uuid::from_u128(1));
        assert_eq!(n.recipient_key, format!("UNIT:{}", Uuid::from_u128(1)));
        assert!(!n.is_individual && !n.is_direct_worker);
    }

    #[test]
    fn unknown_references_name_their_field() {
        let cases: Vec<(Facts<'static>, &str)> = vec![
            (
                Facts {
                    nominating: None,
                    ..facts()
                },
                "nominatingUnitId",
            ),
            (
                Facts {
                    award: None,
                    ..facts()
                },
                "awardTypeId",
            ),
            (
                Facts {
                    recipient: RecipientFacts::Unit(None),
                    ..facts()
                },
                "recipient.unitId",
            ),
            (
                Facts {
                    recipient: RecipientFacts::Exemplar(None),
                    ..facts()
                },
                "recipient.exemplarId",
            ),
            (
                Facts {
                    recipient: RecipientFacts::Person(None),
                    ..facts()
                },
                "recipient.personId",
            ),
            (
                Facts {
                    campaign: Reference::Unknown(Uuid::from_u128(9)),
                    ..facts()
                },
                "campaignId",
            ),
            (
                Facts {
                    exemplar_link: Reference::Unknown(Uuid::from_u128(9)),
                    ..facts()
                },
                "exemplarId",
            ),
        ];
        for (f, field) in cases {
            match judge(&manager(PROVINCE), &f) {
                Err(Refused::Invalid(e)) => {
                    assert_eq!((e.code, e.field.as_str()), (C::UnknownReference, field))
                }
                other => panic!("{field}: expected UNKNOWN_REFERENCE, got {other:?}"),
            }
        }
    }

    #[test]
    fn every_unit_a_nomination_names_must_be_in_the_nominators_subtree() {
        let ward_manager = manager(WARD);
        assert!(judge(&ward_manager, &facts()).is_ok());
        let cases = [
            Facts {
                nominating: Some(unit(2, OTHER)),
                ..facts()
            },
            Facts {
                recipient: RecipientFacts::Unit(Some(unit(2, OTHER))),
                ..facts()
            },
            Facts {
                recipient: RecipientFacts::Exemplar(Some(model(
                    5,
                    ExemplarKind::Collective,
                    unit(2, OTHER),
                ))),
                ..facts()
            },
            Facts {
                exemplar_link: Reference::Found(model(5, ExemplarKind::Collective, unit(2, OTHER))),
                ..facts()
            },
        ];
        for f in cases {
            assert_eq!(
                judge(&ward_manager, &f),
                Err(Refused::Denied(Denied)),
                "{f:?}"
            );
        }
        // A reporter may not nominate at all.
        let mut reporter = manager(PROVINCE);
        reporter.grants[0].role = Role::Reporter;
        assert_eq!(judge(&reporter, &facts()), Err(Refused::Denied(Denied)));
    }

    #[test]
    fn an_award_not_in_effect_today_is_refused() {
        let ended = AwardFacts {
            effective_to: Some(day(2024, 12, 31)),
            ..award(RecipientKind::Both)
        };
        let f = Facts {
            award: Some(ended),
            ..facts()
        };
        let Err(Refused::Invalid(e)) = judge(&manager(PROVINCE), &f) else {
            panic!("expected AWARD_NOT_IN_EFFECT");
        };
        assert_eq!(e.code, C::AwardNotInEffect);
        assert_eq!(e.message, msg!("award-not-in-effect", award = "Bằng khen"));
    }

    #[test]
    fn the_award_year_runs_from_2000_to_next_year() {
        let today = day(2025, 6, 1);
        for ok in [2000, 2025, 2026] {
            assert!(check_award_year(ok, today).is_ok(), "{ok}");
        }
        for bad in [1999, 2027] {
            let e = check_award_year(bad, today).unwrap_err();
            assert_eq!((e.code, e.field.as_str()), (C::OutOfRange, "awardYear"));
            assert_eq!(e.message, msg!("award-year-range", last = 2026));
        }
        let f = Facts {
            award_year: 2027,
            ..facts()
        };
        assert_eq!(code(judge(&manager(PROVINCE), &f)), C::OutOfRange);
    }

    #[test]
    fn the_recipient_must_be_of_the_kind_the_award_is_for() {
        let f = Facts {
            award: Some(award(RecipientKind::Individual)),
            ..facts()
        };
        assert_eq!(
            code(judge(&manager(PROVINCE), &f)),
            C::RecipientKindMismatch
        );
        let person = Facts {
            award: Some(award(RecipientKind::Individual)),
            recipient: RecipientFacts::Person(Some(PersonFacts {
                id: Uuid::from_u128(7),
                unit: Some(unit(1, WARD)),
            })),
            ..facts()
        };
        let n = judge(&manager(PROVINCE), &person).unwrap();
        assert!(n.is_individual);
        assert_eq!(n.recipient_key, format!("PERSON:{}", Uuid::from_u128(7)));
        assert_eq!(n.person_id, Some(Uuid::from_u128(7)));
    }

    fn household(head: &'static str, unit: UnitFacts<'static>) -> RecipientFacts<'static> {
        RecipientFacts::Household {
            head,
            unit: Some(unit),
        }
    }

    #[test]
    fn a_household_award_goes_to_households_only_and_the_reverse() {
        let family = Facts {
            award: Some(award(RecipientKind::Household)),
            recipient: household("Nguyễn Văn An", unit(1, WARD)),
            ..facts()
        };
        let n = judge(&manager(WARD), &family).unwrap();
        assert_eq!(n.recipient_type, RecipientType::Household);
        assert_eq!(n.unit_id, Uuid::from_u128(1));
        assert_eq!(
            n.recipient_key,
            household_key(Uuid::from_u128(1), "Nguyễn Văn An")
        );
        assert!(!n.is_individual && !n.is_direct_worker);
        // Next year the same household has the same key; in another unit, another one.
        let next_year = judge(
            &manager(PROVINCE),
            &Facts {
                award_year: 2026,
                recipient: household("nguyễn văn  an", unit(1, WARD)),
                ..family
            },
        )
        .unwrap();
        assert_eq!(next_year.recipient_key, n.recipient_key);
        let elsewhere = judge(
            &manager(PROVINCE),
            &Facts {
                recipient: household("Nguyễn Văn An", unit(2, OTHER)),
                ..family
            },
        )
        .unwrap();
        assert_ne!(elsewhere.recipient_key, n.recipient_key);

        // A household title refuses a unit, a model and a person…
        let person = RecipientFacts::Person(Some(PersonFacts {
            id: Uuid::from_u128(7),
            unit: Some(unit(1, WARD)),
        }));
        let model =
            RecipientFacts::Exemplar(Some(model(5, ExemplarKind::Individual, unit(1, WARD))));
        for recipient in [RecipientFacts::Unit(Some(unit(1, WARD))), person, model] {
            let f = Facts {
                recipient,
                ..family
            };
            assert_eq!(
                code(judge(&manager(PROVINCE), &f)),
                C::RecipientKindMismatch,
                "{recipient:?}"
            );
        }
        // …and an award for individuals, collectives or both refuses a household.
        for kind in [
            RecipientKind::Individual,
            RecipientKind::Collective,
            RecipientKind::Both,
        ] {
            let f = Facts {
                award: Some(award(kind)),
                ..family
            };
            assert_eq!(
                code(judge(&manager(PROVINCE), &f)),
                C::RecipientKindMismatch,
                "{kind:?}"
            );
        }
        // The household's unit must exist and be in the nominator's subtree.
        let unknown_unit = Facts {
            recipient: RecipientFacts::Household {
                head: "Nguyễn Văn An",
                unit: None,
            },
            ..family
        };
        match judge(&manager(PROVINCE), &unknown_unit) {
            Err(Refused::Invalid(e)) => assert_eq!(
                (e.code, e.field.as_str()),
                (C::UnknownReference, "recipient.household.unitId")
            ),
            other => panic!("expected UNKNOWN_REFERENCE, got {other:?}"),
        }
        let other = Facts {
            recipient: household("Nguyễn Văn An", unit(2, OTHER)),
            ..family
        };
        assert_eq!(judge(&manager(WARD), &other), Err(Refused::Denied(Denied)));
    }

    #[test]
    fn a_foreign_person_without_a_unit_takes_only_a_foreign_relations_honour() {
        let foreigner = RecipientFacts::Person(Some(PersonFacts {
            id: Uuid::from_u128(8),
            unit: None,
        }));
        let merit = Facts {
            recipient: foreigner,
            ..facts()
        };
        assert_eq!(code(judge(&manager(PROVINCE), &merit)), C::UnitRequired);
        let foreign = Facts {
            kind: CommendationKind::ForeignRelations,
            ..merit
        };
        let n = judge(&manager(WARD), &foreign).unwrap();
        // Kept under the nominating unit, so its managers see and handle it.
        assert_eq!(n.unit_id, Uuid::from_u128(1));
        assert_eq!(n.recipient_type, RecipientType::Person);
        // A person of another subtree is still out of reach.
        let other = Facts {
            recipient: RecipientFacts::Person(Some(PersonFacts {
                id: Uuid::from_u128(8),
                unit: Some(unit(2, OTHER)),
            })),
            ..facts()
        };
        assert_eq!(judge(&manager(WARD), &other), Err(Refused::Denied(Denied)));
    }

    #[test]
    fn a_campaign_commendation_names_its_campaign() {
        let f = Facts {
            kind: CommendationKind::Campaign,
            ..facts()
        };
        assert_eq!(code(judge(&manager(PROVINCE), &f)), C::CampaignRequired);
        let named = Facts {
            kind: CommendationKind::Campaign,
            campaign: Reference::Found(Uuid::from_u128(9)),
            ..facts()
        };
        assert!(judge(&manager(PROVINCE), &named).is_ok());
    }

    #[test]
    fn a_model_recipient_takes_its_kind_home_unit_and_direct_worker_default() {
        let f = Facts {
            recipient: RecipientFacts::Exemplar(Some(model(
                5,
                ExemplarKind::Individual,
                unit(1, WARD),
            ))),
            ..facts()
        };
        let n = judge(&manager(PROVINCE), &f).unwrap();
        assert_eq!(n.recipient_type, RecipientType::Exemplar);
        assert_eq!(n.exemplar_id, Some(Uuid::from_u128(5)));
        assert_eq!(n.unit_id, Uuid::from_u128(1));
        assert!(n.is_individual && n.is_direct_worker);
        // A collective is never a direct worker, whatever the nominator says.
        let collective = Facts {
            is_direct_worker: true,
            ..facts()
        };
        assert!(
            !judge(&manager(PROVINCE), &collective)
                .unwrap()
                .is_direct_worker
        );
    }

    #[test]
    fn a_link_to_another_model_than_the_recipient_is_refused() {
        let recipient = model(5, ExemplarKind::Collective, unit(1, WARD));
        let same = Facts {
            recipient: RecipientFacts::Exemplar(Some(recipient)),
            exemplar_link: Reference::Found(recipient),
            ..facts()
        };
        assert!(judge(&manager(PROVINCE), &same).is_ok());
        for link in [
            Reference::Found(model(6, ExemplarKind::Collective, unit(1, WARD))),
            Reference::Unknown(Uuid::from_u128(6)),
        ] {
            let f = Facts {
                exemplar_link: link,
                ..same
            };
            assert_eq!(code(judge(&manager(PROVINCE), &f)), C::InvalidFormat);
        }
        let linked = Facts {
            exemplar_link: Reference::Found(model(6, ExemplarKind::Collective, unit(1, WARD))),
            ..facts()
        };
        let n = judge(&manager(PROVINCE), &linked).unwrap();
        assert_eq!(n.exemplar_id, Some(Uuid::from_u128(6)));
        assert_eq!(n.recipient_key, format!("UNIT:{}", Uuid::from_u128(1)));
    }

    #[test]
    fn a_live_twin_makes_a_nomination_a_duplicate() {
        use CommendationStatus::*;
        assert!(check_twins(2025, &[]).is_ok());
        assert!(check_twins(2025, &[Rejected, Rejected, DeclinedUpward]).is_ok());
        for live in [
            Nominated,
            UnderReview,
            Approved,
            ProposedUpward,
            Conferred,
            Revoked,
        ] {
            let e = check_twins(2025, &[Rejected, live]).unwrap_err();
            assert_eq!((e.code, e.field.as_str()), (C::Duplicate, "recipient"));
            assert_eq!(
                e.message,
                msg!(
                    "nomination-twin",
                    year = 2025,
                    status = crate::error::MessageArg::word("commendation-status", live.as_str())
                )
            );
        }
    }
}
