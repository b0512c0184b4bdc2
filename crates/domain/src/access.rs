//! The one authorisation rule: may this caller do this action on this unit?
//!
//! A caller holds grants (role on an org-unit subtree). An action is allowed when some
//! grant's role permits the action and the unit the action touches lies in that grant's
//! subtree. Resolvers never decide this themselves; they name the action and the unit.
//!
//! A machine client (an integration) holds no roles but scopes on one subtree: it may do
//! only what a scope names ([`client_scope_for`]), only inside its subtree, and it reads
//! by resource ([`Resource`]): `reports:read` reads reports and nothing else. No scope
//! ever reaches administration, council work or an account's own mutations.

use crate::client::{Scope, ScopeSet};
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

/// A machine client's rights: its scopes, on the subtree rooted at `subtree_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientScopes {
    pub client_id: uuid::Uuid,
    pub scopes: ScopeSet,
    pub subtree_path: String,
}

impl ClientScopes {
    /// Whether the client may write. Such a client has no session, hence no read fence,
    /// so it reads the primary: with a read replica it could otherwise miss its own writes.
    pub fn may_write(&self) -> bool {
        self.scopes.contains(crate::client::Scope::ReportsWrite)
    }
}

/// What a read is about. People read all of these with any grant (emulation results are
/// public inside the administration); a client reads each only with its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Targets,
    Campaigns,
    Reports,
    Commendations,
    Exports,
}

impl Resource {
    pub const fn scope(self) -> Scope {
        match self {
            Resource::Targets => Scope::TargetsRead,
            Resource::Campaigns => Scope::CampaignsRead,
            Resource::Reports => Scope::ReportsRead,
            Resource::Commendations => Scope::CommendationsRead,
            Resource::Exports => Scope::ExportsRead,
        }
    }
}

/// The scope that lets a client take `action`; `None` for every action no client may
/// take whatever its scopes: administration (units, users, programme, audit, awards,
/// conferring), council votes, and the generic `Read` (clients read by [`Resource`]).
pub const fn client_scope_for(action: Action) -> Option<Scope> {
    match action {
        Action::SubmitReport => Some(Scope::ReportsWrite),
        Action::ManageWebhooks => Some(Scope::WebhooksManage),
        Action::Read
        | Action::ManageOrgUnit
        | Action::ManageCampaign
        | Action::ManageParticipation
        | Action::ManageProgramme
        | Action::ManageUsers
        | Action::ReadAudit
        | Action::ReviewReport
        | Action::ManageExemplar
        | Action::Nominate
        | Action::CouncilVote
        | Action::Confer
        | Action::ManageAwards => None,
    }
}

/// Decides `action` on the unit at `unit_path` for a client.
pub fn decide_client(client: &ClientScopes, action: Action, unit_path: &str) -> Result<(), Denied> {
    let allowed = client_scope_for(action).is_some_and(|s| client.scopes.contains(s))
        && is_within(unit_path, &client.subtree_path);
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

    #[test]
    fn only_a_client_with_a_write_scope_may_write() {
        use crate::client::{Scope, ScopeSet};
        let client = |scopes: &[Scope]| ClientScopes {
            client_id: uuid::Uuid::nil(),
            scopes: ScopeSet::from_scopes(scopes.iter().copied()).unwrap(),
            subtree_path: "/".into(),
        };
        assert!(client(&[Scope::ReportsWrite]).may_write());
        assert!(client(&[Scope::ReportsRead, Scope::ReportsWrite]).may_write());
        assert!(!client(&[Scope::ReportsRead, Scope::TargetsRead]).may_write());
    }

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
            client: None,
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

    const ALL_ACTIONS: [Action; 14] = [
        Action::Read,
        Action::ManageOrgUnit,
        Action::ManageCampaign,
        Action::ManageParticipation,
        Action::ManageProgramme,
        Action::ManageUsers,
        Action::ReadAudit,
        Action::SubmitReport,
        Action::ReviewReport,
        Action::ManageExemplar,
        Action::Nominate,
        Action::CouncilVote,
        Action::Confer,
        Action::ManageAwards,
    ];

    const ALL_RESOURCES: [Resource; 5] = [
        Resource::Targets,
        Resource::Campaigns,
        Resource::Reports,
        Resource::Commendations,
        Resource::Exports,
    ];

    fn client(scopes: &[Scope], path: &str) -> Actor {
        Actor {
            user_id: None,
            label: "portal".into(),
            grants: vec![],
            request_id: String::new(),
            client: Some(ClientScopes {
                client_id: uuid::Uuid::nil(),
                scopes: ScopeSet::from_scopes(scopes.iter().copied()).unwrap(),
                subtree_path: path.into(),
            }),
        }
    }

    #[test]
    fn a_client_with_every_scope_on_the_root_still_never_administers_or_votes() {
        let all = client(Scope::ALL, ROOT);
        for action in ALL_ACTIONS {
            let expected = action == Action::SubmitReport;
            assert_eq!(all.authorize(action, A).is_ok(), expected, "{action:?}");
        }
        assert!(!all.may_read(), "generic reads are people's");
        assert!(!all.may_manage_user(Some(A), &[]));
        assert!(!all.may_manage_user(None, &[]));
    }

    #[test]
    fn a_client_reads_exactly_the_resources_of_its_scopes_in_its_subtree() {
        for (scope, resource) in ALL_RESOURCES.iter().map(|r| (r.scope(), *r)) {
            let c = client(&[scope], A);
            for other in ALL_RESOURCES {
                let expected = other == resource;
                assert_eq!(c.may_read_resource(other), expected, "{scope} {other:?}");
                assert_eq!(
                    c.authorize_read(other, "/r/a/x/").is_ok(),
                    expected,
                    "{scope} {other:?}"
                );
                assert!(c.authorize_read(other, B).is_err(), "{scope} outside");
                assert!(c.authorize_read(other, ROOT).is_err(), "{scope} above");
                let paths = c.read_paths(other);
                assert_eq!(paths.is_empty(), !expected);
            }
            assert!(c.authorize(Action::SubmitReport, A).is_err(), "{scope}");
        }
        let reader = client(&[Scope::ReportsRead], A);
        assert!(reader.may_read_report(A, None));
        assert!(!reader.may_read_report(B, None));
        assert_eq!(reader.read_paths(Resource::Reports), vec![A.to_owned()]);
    }

    #[test]
    fn reports_write_submits_inside_the_subtree_only() {
        let w = client(&[Scope::ReportsWrite], A);
        assert!(w.authorize(Action::SubmitReport, "/r/a/x/").is_ok());
        assert!(w.authorize(Action::SubmitReport, B).is_err());
        assert!(w.authorize(Action::SubmitReport, ROOT).is_err());
        assert!(w.authorize(Action::ReviewReport, A).is_err());
        assert!(!w.may_read_resource(Resource::Reports));
        let hooks = client(&[Scope::WebhooksManage], A);
        for action in ALL_ACTIONS {
            assert!(hooks.authorize(action, A).is_err(), "{action:?}");
        }
    }

    #[test]
    fn people_read_every_resource_as_before() {
        let viewer = Actor {
            user_id: None,
            label: "v".into(),
            grants: g(Role::Viewer, A),
            request_id: String::new(),
            client: None,
        };
        for r in ALL_RESOURCES {
            assert!(viewer.may_read_resource(r));
            assert!(viewer.authorize_read(r, "/r/a/x/").is_ok());
            assert!(viewer.authorize_read(r, B).is_err());
        }
        assert!(viewer.may_read());
        assert_eq!(viewer.read_paths(Resource::Reports), vec![A.to_owned()]);
    }

    #[test]
    fn only_admins_manage_webhooks_and_only_in_their_subtree() {
        let ward_admin = Actor {
            user_id: None,
            label: "a".into(),
            grants: g(Role::Admin, A),
            request_id: String::new(),
            client: None,
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
    fn a_client_manages_webhooks_with_its_scope_in_its_subtree_and_only_its_own_endpoints() {
        let me = uuid::Uuid::from_u128(1);
        let client = |scopes: &[Scope]| Actor {
            user_id: None,
            label: "portal".into(),
            grants: vec![],
            request_id: String::new(),
            client: Some(ClientScopes {
                client_id: me,
                scopes: ScopeSet::from_scopes(scopes.iter().copied()).expect("scopes"),
                subtree_path: A.into(),
            }),
        };
        let manager = client(&[Scope::WebhooksManage]);
        assert!(manager.may_manage_webhooks("/r/a/x/").is_ok());
        assert!(manager.may_manage_webhooks(B).is_err());
        assert!(manager.may_manage_endpoint(A, Some(me)).is_ok());
        assert!(manager.may_manage_endpoint(A, None).is_err());
        assert!(
            manager
                .may_manage_endpoint(A, Some(uuid::Uuid::from_u128(2)))
                .is_err()
        );
        assert!(manager.may_manage_endpoint(B, Some(me)).is_err());
        let reader = client(&[Scope::ReportsRead, Scope::CampaignsRead]);
        assert!(reader.may_manage_webhooks(A).is_err());
        let admin = Actor {
            client: None,
            grants: g(Role::Admin, ROOT),
            ..manager
        };
        assert!(admin.may_manage_endpoint(A, Some(me)).is_ok());
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
    /// Set for a machine client (then `grants` is empty and `user_id` is none): the one
    /// rule decides by its scopes and subtree instead.
    pub client: Option<ClientScopes>,
}

impl Actor {
    /// The single authorisation point every protected read and write goes through.
    pub fn authorize(&self, action: Action, unit_path: &str) -> Result<(), Denied> {
        match &self.client {
            Some(c) => decide_client(c, action, unit_path),
            None => decide(&self.grants, action, unit_path),
        }
    }

    /// May this caller read the generic, province-wide data (units, campaigns' pages,
    /// dashboards)? People with any grant; never a client, which reads by [`Resource`].
    pub fn may_read(&self) -> bool {
        self.client.is_none() && may_read(&self.grants)
    }

    /// May this caller read some of `resource` at all? People: as [`Actor::may_read`];
    /// a client: with the resource's scope.
    pub fn may_read_resource(&self, resource: Resource) -> bool {
        match &self.client {
            Some(c) => c.scopes.contains(resource.scope()),
            None => self.may_read(),
        }
    }

    /// May this caller read `resource` of the unit at `unit_path`? People: a reading
    /// grant over the unit; a client: the resource's scope and the unit in its subtree.
    pub fn authorize_read(&self, resource: Resource, unit_path: &str) -> Result<(), Denied> {
        match &self.client {
            Some(c)
                if c.scopes.contains(resource.scope()) && is_within(unit_path, &c.subtree_path) =>
            {
                Ok(())
            }
            Some(_) => Err(Denied),
            None => decide(&self.grants, Action::Read, unit_path),
        }
    }

    /// The subtrees whose `resource` this caller reads (for list queries): people, every
    /// grant's; a client, its subtree when it holds the resource's scope.
    pub fn read_paths(&self, resource: Resource) -> Vec<String> {
        match &self.client {
            Some(c) if c.scopes.contains(resource.scope()) => vec![c.subtree_path.clone()],
            Some(_) => vec![],
            None => self.grants.iter().map(|g| g.unit_path.clone()).collect(),
        }
    }

    /// The subtree a client is confined to, if this is a client.
    pub fn client_subtree(&self) -> Option<&str> {
        self.client.as_ref().map(|c| c.subtree_path.as_str())
    }

    pub fn is_client(&self) -> bool {
        self.client.is_some()
    }

    /// May this caller administer an account (its sessions, roles, password, active flag)?
    /// Only with `ManageUsers` over the account's home unit (`None`: an account with no
    /// home unit, which only administrators of a root manage) and over every unit the
    /// account holds a role on: a ward administrator cannot touch a provincial officer
    /// who happens to live in the ward.
    pub fn may_manage_user(&self, home_path: Option<&str>, grant_paths: &[String]) -> bool {
        if self.is_client() {
            return false;
        }
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

    /// May this caller register webhook endpoints owned by the unit at `owner_path`? The
    /// one decision for webhooks: a person needs `ManageWebhooks` (administrators) over
    /// the owner unit; a machine client, the `webhooks:manage` scope with the owner unit in
    /// its subtree.
    pub fn may_manage_webhooks(&self, owner_path: &str) -> Result<(), Denied> {
        self.authorize(Action::ManageWebhooks, owner_path)
    }

    /// May this caller manage an existing endpoint, owned by the unit at `owner_path` and
    /// registered by the client `registered_by` (none: by a person)? As
    /// [`Actor::may_manage_webhooks`], and a client manages only the endpoints it
    /// registered itself: an integration never sees another's receivers or secrets.
    pub fn may_manage_endpoint(
        &self,
        owner_path: &str,
        registered_by: Option<uuid::Uuid>,
    ) -> Result<(), Denied> {
        self.may_manage_webhooks(owner_path)?;
        match &self.client {
            Some(c) if registered_by != Some(c.client_id) => Err(Denied),
            _ => Ok(()),
        }
    }

    /// A report (and its evidence) is readable by whoever submitted it and by anyone
    /// holding a role on its unit's subtree.
    pub fn may_read_report(&self, unit_path: &str, submitted_by: Option<uuid::Uuid>) -> bool {
        let own = submitted_by.is_some() && submitted_by == self.user_id;
        own || self.authorize_read(Resource::Reports, unit_path).is_ok()
    }
}
