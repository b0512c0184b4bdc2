//! Domain events: what committed, for live subscribers (and later webhooks).
//!
//! Every mutation a client may watch writes one event in its own transaction (the outbox),
//! so an event exists exactly when its change committed. The kind's name is the wire
//! name, stable once published. Who may see an event is decided here, from the unit it
//! concerns and the access rules of [`crate::access`], before it leaves the process.

use crate::access::{Action, Actor, decide};

string_enum!(
    /// What happened. Stored in the outbox and sent to clients as is.
    EventKind (stored_len = 40) {
        ReportSubmitted => "REPORT_SUBMITTED",
        ReportApproved => "REPORT_APPROVED",
        ReportReturned => "REPORT_RETURNED",
        CampaignLaunched => "CAMPAIGN_LAUNCHED",
        CampaignClosed => "CAMPAIGN_CLOSED",
        CampaignCancelled => "CAMPAIGN_CANCELLED",
        MilestoneAdded => "MILESTONE_ADDED",
        MilestoneCompleted => "MILESTONE_COMPLETED",
        MilestoneOverdue => "MILESTONE_OVERDUE",
        ParticipationRegistered => "PARTICIPATION_REGISTERED",
        ParticipationWithdrawn => "PARTICIPATION_WITHDRAWN",
        ExemplarStageChanged => "EXEMPLAR_STAGE_CHANGED",
        ExemplarReplicated => "EXEMPLAR_REPLICATED",
        CommendationStatusChanged => "COMMENDATION_STATUS_CHANGED",
        TargetValueChanged => "TARGET_VALUE_CHANGED",
        SnapshotTaken => "SNAPSHOT_TAKEN",
        /// A sign-in session ended (sign-out, revocation, password change, deactivation):
        /// for the server's own use (its subscription connections on that session close),
        /// never sent to a client.
        SessionEnded => "SESSION_ENDED",
        /// A user's access changed (a role granted or revoked): for the server's own use
        /// (that user's live connections close, so they reconnect with their grants as
        /// they are now), never sent to a client.
        AccessChanged => "ACCESS_CHANGED",
    }
);

/// Who an event of some kind is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone who may read at all: campaigns, milestones and targets are public inside the
    /// province's administration (as in the change feed).
    Readers,
    /// Those who may read the unit the event concerns (its subtree's grant holders),
    /// plus, for a report, the person who submitted it.
    Unit,
    /// No client: the server's own bookkeeping.
    Internal,
}

impl EventKind {
    pub fn audience(self) -> Audience {
        use EventKind::*;
        match self {
            CampaignLaunched | CampaignClosed | CampaignCancelled | MilestoneAdded
            | MilestoneCompleted | MilestoneOverdue | TargetValueChanged | SnapshotTaken => {
                Audience::Readers
            }
            ReportSubmitted
            | ReportApproved
            | ReportReturned
            | ParticipationRegistered
            | ParticipationWithdrawn
            | ExemplarStageChanged
            | ExemplarReplicated
            | CommendationStatusChanged => Audience::Unit,
            SessionEnded | AccessChanged => Audience::Internal,
        }
    }

    /// Report events: their owner (the submitter) may see them wherever the unit is.
    pub fn is_report(self) -> bool {
        matches!(
            self,
            EventKind::ReportSubmitted | EventKind::ReportApproved | EventKind::ReportReturned
        )
    }
}

/// What the visibility rule needs to know about one event.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub kind: EventKind,
    /// Materialised path of the unit the event concerns.
    pub unit_path: Option<&'a str>,
    /// The user the event belongs to (a report's submitter).
    pub owner: Option<uuid::Uuid>,
}

/// May `actor` learn that this event happened (even its id)? Unit-scoped events with no
/// unit are shown to nobody: the rule fails closed.
pub fn may_see(actor: &Actor, event: Scope<'_>) -> bool {
    if event.kind.is_report() && is_owner(actor, event.owner) {
        return true;
    }
    if !actor.may_read() {
        return false;
    }
    match event.kind.audience() {
        Audience::Internal => false,
        Audience::Readers => true,
        Audience::Unit => event
            .unit_path
            .is_some_and(|p| decide(&actor.grants, Action::Read, p).is_ok()),
    }
}

fn is_owner(actor: &Actor, owner: Option<uuid::Uuid>) -> bool {
    owner.is_some() && owner == actor.user_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Grant, Role};
    use uuid::Uuid;

    const WARD_A: &str = "/r/a/";
    const WARD_B: &str = "/r/b/";

    fn actor(role: Role, path: &str) -> Actor {
        Actor {
            user_id: Some(Uuid::now_v7()),
            label: "t".into(),
            grants: vec![Grant {
                role,
                unit_path: path.into(),
            }],
            request_id: String::new(),
            client: None,
        }
    }

    fn scope(kind: EventKind, path: &str, owner: Option<Uuid>) -> Scope<'_> {
        Scope {
            kind,
            unit_path: Some(path),
            owner,
        }
    }

    #[test]
    fn wire_names_are_stable_and_parse_back() {
        assert_eq!(EventKind::ReportApproved.as_str(), "REPORT_APPROVED");
        assert_eq!(
            EventKind::CommendationStatusChanged.as_str(),
            "COMMENDATION_STATUS_CHANGED"
        );
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
            assert!(k.as_str().len() <= EventKind::STORED_LEN as usize);
            assert!(
                k.as_str()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
            );
        }
        assert_eq!(EventKind::parse("report_approved"), None);
    }

    #[test]
    fn a_ward_reporter_never_sees_another_wards_unit_events() {
        let a = actor(Role::Reporter, WARD_A);
        for kind in EventKind::ALL
            .iter()
            .filter(|k| k.audience() == Audience::Unit)
        {
            assert!(may_see(&a, scope(*kind, "/r/a/x/", None)), "{kind}");
            assert!(!may_see(&a, scope(*kind, WARD_B, None)), "{kind}");
            assert!(!may_see(&a, scope(*kind, "/r/", None)), "{kind}");
        }
    }

    #[test]
    fn province_wide_events_reach_every_reader_but_not_the_grantless() {
        let a = actor(Role::Viewer, WARD_A);
        let nobody = Actor {
            grants: vec![],
            ..a.clone()
        };
        for kind in [
            EventKind::CampaignLaunched,
            EventKind::MilestoneOverdue,
            EventKind::TargetValueChanged,
            EventKind::SnapshotTaken,
        ] {
            assert!(may_see(&a, scope(kind, WARD_B, None)));
            assert!(!may_see(&nobody, scope(kind, WARD_B, None)));
        }
    }

    #[test]
    fn a_submitter_sees_their_own_report_events_only() {
        let a = actor(Role::Reporter, WARD_A);
        let mine = a.user_id;
        assert!(may_see(&a, scope(EventKind::ReportApproved, WARD_B, mine)));
        assert!(!may_see(
            &a,
            scope(EventKind::ReportApproved, WARD_B, Some(Uuid::now_v7()))
        ));
        // Ownership only opens report events.
        assert!(!may_see(
            &a,
            scope(EventKind::ParticipationWithdrawn, WARD_B, mine)
        ));
        // Even with every grant gone, a submitter hears about their own report.
        let stripped = Actor {
            grants: vec![],
            ..a.clone()
        };
        assert!(may_see(
            &stripped,
            scope(EventKind::ReportReturned, WARD_B, mine)
        ));
        assert!(!may_see(
            &stripped,
            scope(EventKind::CampaignLaunched, WARD_B, None)
        ));
    }

    #[test]
    fn internal_events_are_shown_to_nobody() {
        let admin = actor(Role::Admin, "/r/");
        for kind in [EventKind::SessionEnded, EventKind::AccessChanged] {
            let own = Scope {
                kind,
                unit_path: Some("/r/"),
                owner: admin.user_id,
            };
            assert!(!may_see(&admin, own), "{kind}");
        }
    }

    #[test]
    fn unit_events_without_a_unit_are_shown_to_nobody() {
        let admin = actor(Role::Admin, "/r/");
        let s = Scope {
            kind: EventKind::ExemplarReplicated,
            unit_path: None,
            owner: None,
        };
        assert!(!may_see(&admin, s));
    }

    #[test]
    fn a_provincial_manager_sees_every_ward() {
        let m = actor(Role::Manager, "/r/");
        assert!(may_see(&m, scope(EventKind::ReportSubmitted, WARD_A, None)));
        assert!(may_see(&m, scope(EventKind::ReportSubmitted, WARD_B, None)));
    }
}
