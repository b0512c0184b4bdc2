//! The one authorisation rule: may this caller do this action on this unit?
//!
//! A caller holds grants (role on an org-unit subtree). An action is allowed when some
//! grant's role permits the action and the unit the action touches lies in that grant's
//! subtree. Resolvers never decide this themselves; they name the action and the unit.

use crate::org_unit::is_within;

string_enum!(
    Role {
        Admin => "ADMIN",
        Council => "COUNCIL",
        Manager => "MANAGER",
        Reporter => "REPORTER",
        Viewer => "VIEWER",
    }
);

/// Everything the API protects, named by what it does rather than by resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read non-public data (campaigns, units, participations).
    Read,
    /// Create, update, move or deactivate org units; the unit is the one touched (or the new parent).
    ManageOrgUnit,
    /// Create, edit, launch, close or cancel a campaign; the unit is the launching unit.
    ManageCampaign,
    /// Register or withdraw a unit's participation; the unit is the participating unit.
    ManageParticipation,
    /// Programme-level work: its milestones and manual target values; the unit is the programme's owner.
    ManageProgramme,
    /// Create users and grant roles; the unit is the one the role is granted on.
    ManageUsers,
    /// Read the audit trail; the unit is the root of the tree.
    ReadAudit,
    /// Submit or resubmit a progress report; the unit is the reporting unit.
    SubmitReport,
    /// Approve or return a progress report; the unit is the reporting unit.
    ReviewReport,
    /// Record, advance or replicate an exemplary model; the unit is its home unit (or,
    /// for a replication, the unit taking it up).
    ManageExemplar,
    /// Nominate someone or something for a commendation; the unit is the recipient's unit
    /// (and the nominating unit).
    Nominate,
    /// Hold council sessions and record their secret-ballot tallies; the unit is the
    /// session's unit, and the commendation's unit for a review or a ballot.
    CouncilVote,
    /// Confer a commendation with its decision, propose it upward and record the higher
    /// authority's answer, record a centrally conferred honour, or correct a conferred one;
    /// admins only. The unit is the commendation's unit.
    Confer,
    /// Edit the award catalogue; admins only.
    ManageAwards,
    /// Register, change, rotate, replay or inspect webhook endpoints; admins only. The
    /// unit is the endpoint's owner unit.
    ManageWebhooks,
}

impl Role {
    pub fn permits(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            Role::Manager => matches!(
                action,
                Read | ManageCampaign
                    | ManageParticipation
                    | SubmitReport
                    | ReviewReport
                    | ManageExemplar
                    | Nominate
            ),
            Role::Reporter => matches!(action, Read | SubmitReport),
            Role::Council => matches!(action, Read | CouncilVote),
            Role::Viewer => matches!(action, Read),
        }
    }
}

/// A role held on a subtree, identified by the subtree root's materialised path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit_path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

/// Decides `action` on the unit at `unit_path` for a caller holding `grants`.
pub fn decide(grants: &[Grant], action: Action, unit_path: &str) -> Result<(), Denied> {
    let allowed = grants
        .iter()
        .any(|g| g.role.permits(action) && is_within(unit_path, &g.unit_path));
    if allowed { Ok(()) } else { Err(Denied) }
}

/// A root unit's path has one segment.
fn is_root_path(path: &str) -> bool {
    path.split('/').filter(|s| !s.is_empty()).count() == 1
}

/// Reads are allowed to anyone holding any grant at all: emulation results are public
/// inside the province's administration.
pub fn may_read(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role.permits(Action::Read))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/r/";
    const A: &str = "/r/a/";
    const B: &str = "/r/b/";

    fn g(role: Role, path: &str) -> Vec<Grant> {
        vec![Grant {
            role,
            unit_path: path.into(),
        }]
    }

    #[test]
    fn manager_acts_in_own_subtree_only() {
        assert!(decide(&g(Role::Manager, A), Action::ManageCampaign, "/r/a/x/").is_ok());
        assert!(decide(&g(Role::Manager, A), Action::ManageCampaign, B).is_err());
        assert!(decide(&g(Role::Manager, ROOT), Action::ManageCampaign, B).is_ok());
        assert!(decide(&g(Role::Manager, A), Action::ManageCampaign, ROOT).is_err());
    }

    #[test]
    fn readers_cannot_write() {
        for role in [Role::Viewer, Role::Reporter, Role::Council] {
            assert!(decide(&g(role, ROOT), Action::ManageCampaign, A).is_err());
            assert!(decide(&g(role, ROOT), Action::Read, A).is_ok());
        }
    }

    #[test]
    fn only_admins_manage_units_users_programme_and_audit() {
        for action in [
            Action::ManageOrgUnit,
            Action::ManageUsers,
            Action::ManageProgramme,
            Action::ReadAudit,
        ] {
            assert!(decide(&g(Role::Admin, ROOT), action, A).is_ok());
            assert!(decide(&g(Role::Manager, ROOT), action, A).is_err());
        }
    }

    #[test]
    fn reporters_submit_but_only_managers_review() {
        assert!(decide(&g(Role::Reporter, A), Action::SubmitReport, "/r/a/x/").is_ok());
        assert!(decide(&g(Role::Reporter, A), Action::SubmitReport, B).is_err());
        assert!(decide(&g(Role::Reporter, A), Action::ReviewReport, A).is_err());
        assert!(decide(&g(Role::Manager, ROOT), Action::ReviewReport, A).is_ok());
        assert!(decide(&g(Role::Viewer, ROOT), Action::SubmitReport, A).is_err());
    }

    #[test]
    fn managers_nominate_councils_vote_admins_confer() {
        assert!(decide(&g(Role::Manager, A), Action::Nominate, "/r/a/x/").is_ok());
        assert!(decide(&g(Role::Manager, A), Action::Nominate, B).is_err());
        assert!(decide(&g(Role::Reporter, ROOT), Action::Nominate, A).is_err());
        assert!(decide(&g(Role::Manager, ROOT), Action::CouncilVote, A).is_err());
        assert!(decide(&g(Role::Council, ROOT), Action::CouncilVote, A).is_ok());
        assert!(decide(&g(Role::Council, ROOT), Action::Confer, A).is_err());
        assert!(decide(&g(Role::Admin, ROOT), Action::Confer, A).is_ok());
        assert!(decide(&g(Role::Manager, ROOT), Action::ManageAwards, A).is_err());
    }

    #[test]
    fn an_account_is_managed_only_over_its_home_and_every_grant() {
        let ward_admin = Actor {
            user_id: None,
            label: "a".into(),
            grants: g(Role::Admin, A),
            request_id: String::new(),
        };
        let root_admin = Actor {
            grants: g(Role::Admin, ROOT),
            ..ward_admin.clone()
        };
        let ward_user = ["/r/a/x/".to_owned()];
        assert!(ward_admin.may_manage_user(Some("/r/a/x/"), &ward_user));
        // Lives in the ward, holds a role on the province.
        assert!(!ward_admin.may_manage_user(Some(A), &[ROOT.to_owned()]));
        assert!(!ward_admin.may_manage_user(Some(B), &[]));
        assert!(!ward_admin.may_manage_user(None, &[]));
        assert!(root_admin.may_manage_user(None, &[]));
        assert!(root_admin.may_manage_user(Some(B), &ward_user));
        let manager = Actor {
            grants: g(Role::Manager, ROOT),
            ..ward_admin
        };
        assert!(!manager.may_manage_user(Some(A), &[]));
    }

    #[test]
    fn only_admins_manage_webhooks_and_only_in_their_subtree() {
        let ward_admin = Actor {
            user_id: None,
            label: "a".into(),
            grants: g(Role::Admin, A),
            request_id: String::new(),
        };
        assert!(ward_admin.may_manage_webhooks("/r/a/x/").is_ok());
        assert!(ward_admin.may_manage_webhooks(B).is_err());
        assert!(ward_admin.may_manage_webhooks(ROOT).is_err());
        for role in [Role::Manager, Role::Council, Role::Reporter, Role::Viewer] {
            let other = Actor {
                grants: g(role, ROOT),
                ..ward_admin.clone()
            };
            assert!(other.may_manage_webhooks(A).is_err(), "{role}");
        }
    }

    #[test]
    fn no_grants_means_no_access() {
        assert!(decide(&[], Action::Read, A).is_err());
        assert!(!may_read(&[]));
    }
}

/// Who is acting, with what rights, in which request: everything a write needs to be
/// authorised and audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<uuid::Uuid>,
    /// Username or API client name, kept in the audit trail even if the user is renamed.
    pub label: String,
    pub grants: Vec<Grant>,
    pub request_id: String,
}

impl Actor {
    /// The single authorisation point every protected read and write goes through.
    pub fn authorize(&self, action: Action, unit_path: &str) -> Result<(), Denied> {
        decide(&self.grants, action, unit_path)
    }

    pub fn may_read(&self) -> bool {
        may_read(&self.grants)
    }

    /// May this caller administer an account (its sessions, roles, password, active flag)?
    /// Only with `ManageUsers` over the account's home unit (`None`: an account with no
    /// home unit, which only administrators of a root manage) and over every unit the
    /// account holds a role on: a ward administrator cannot touch a provincial officer
    /// who happens to live in the ward.
    pub fn may_manage_user(&self, home_path: Option<&str>, grant_paths: &[String]) -> bool {
        let home = match home_path {
            Some(p) => self.authorize(Action::ManageUsers, p).is_ok(),
            None => self
                .grants
                .iter()
                .any(|g| g.role == Role::Admin && is_root_path(&g.unit_path)),
        };
        home && grant_paths
            .iter()
            .all(|p| self.authorize(Action::ManageUsers, p).is_ok())
    }

    /// May this caller manage webhook endpoints owned by the unit at `owner_path`? The one
    /// decision for webhooks: a person needs `ManageWebhooks` (administrators) over the
    /// owner unit. (Machine clients with the `webhooks:manage` scope join here.)
    pub fn may_manage_webhooks(&self, owner_path: &str) -> Result<(), Denied> {
        self.authorize(Action::ManageWebhooks, owner_path)
    }

    /// A report (and its evidence) is readable by whoever submitted it and by anyone
    /// holding a role on its unit's subtree.
    pub fn may_read_report(&self, unit_path: &str, submitted_by: Option<uuid::Uuid>) -> bool {
        let own = submitted_by.is_some() && submitted_by == self.user_id;
        own || decide(&self.grants, Action::Read, unit_path).is_ok()
    }
}
