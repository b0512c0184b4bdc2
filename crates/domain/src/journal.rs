//! The two journals every mutation writes beside its data: the audit trail (who did what,
//! for administrators) and the change feed (what offline apps must fetch again). Their
//! kinds and actions are closed sets, so a typo in a writer fails to compile instead of
//! landing in the table as a value no reader or filter expects.

string_enum!(
    /// The kind of thing an audit row is about; also its GraphQL type name, so the row's
    /// `entityId` encodes as that type's global id.
    AuditEntity (stored_len = 40) {
        ApiClient => "ApiClient",
        AwardType => "AwardType",
        Campaign => "Campaign",
        Cluster => "Cluster",
        Commendation => "Commendation",
        CouncilSession => "CouncilSession",
        Criterion => "Criterion",
        Exemplar => "Exemplar",
        Milestone => "Milestone",
        OrgUnit => "OrgUnit",
        Participation => "Participation",
        Person => "Person",
        ProgressReport => "ProgressReport",
        Programme => "Programme",
        RoleGrant => "RoleGrant",
        Session => "Session",
        Target => "Target",
        TargetSnapshot => "TargetSnapshot",
        /// A row of the authority table (who decides which award level).
        UnitAuthority => "UnitAuthority",
        User => "User",
        WebhookEndpoint => "WebhookEndpoint",
    }
);

string_enum!(
    /// What was done, as the audit trail names it (lower snake case, kept as first written).
    AuditAction (stored_len = 40) {
        Approve => "approve",
        AttachEvidence => "attach_evidence",
        Ballot => "ballot",
        Cancel => "cancel",
        ChangePassword => "change_password",
        Close => "close",
        Complete => "complete",
        Confer => "confer",
        Correct => "correct",
        Create => "create",
        Deactivate => "deactivate",
        DeclineUpward => "decline_upward",
        Delete => "delete",
        Disable => "disable",
        Grant => "grant",
        Launch => "launch",
        Move => "move",
        Nominate => "nominate",
        ProposeUpward => "propose_upward",
        RecordConferred => "record_conferred",
        RecordValue => "record_value",
        Register => "register",
        Reactivate => "reactivate",
        Redeliver => "redeliver",
        Reject => "reject",
        Replay => "replay",
        Replicate => "replicate",
        ResetPassword => "reset_password",
        Resubmit => "resubmit",
        Return => "return",
        Review => "review",
        Revoke => "revoke",
        RotateSecret => "rotate_secret",
        SetMembers => "set_members",
        SetPassword => "set_password",
        SignIn => "sign_in",
        SignOut => "sign_out",
        Stage => "stage",
        Succeed => "succeed",
        Submit => "submit",
        Take => "take",
        Test => "test",
        TokenReuse => "token_reuse",
        Update => "update",
        Withdraw => "withdraw",
    }
);

string_enum!(
    /// The kinds of object the change feed carries; also their GraphQL type names.
    ChangeEntity (stored_len = 40) {
        Campaign => "Campaign",
        Criterion => "Criterion",
        Milestone => "Milestone",
        Participation => "Participation",
        ProgressReport => "ProgressReport",
    }
);

string_enum!(
    /// How a client applies a change: keep the object, or drop it from its local store.
    ChangeOp {
        Upsert => "UPSERT",
        /// Cancelled, withdrawn or removed: the client should stop showing it.
        Tombstone => "TOMBSTONE",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored text predates the enums: these are the strings already in the tables.
    #[test]
    fn stored_text_is_what_the_writers_always_wrote() {
        assert_eq!(AuditEntity::ProgressReport.as_str(), "ProgressReport");
        assert_eq!(AuditAction::AttachEvidence.as_str(), "attach_evidence");
        assert_eq!(AuditAction::SetPassword.as_str(), "set_password");
        assert_eq!(ChangeEntity::ProgressReport.as_str(), "ProgressReport");
        assert_eq!(ChangeOp::Tombstone.as_str(), "TOMBSTONE");
    }

    /// Every change-feed kind is also an audit kind of the same name, so both journals
    /// name one object alike.
    #[test]
    fn every_change_kind_is_named_like_an_audit_kind() {
        for e in ChangeEntity::ALL {
            assert!(AuditEntity::parse(e.as_str()).is_some(), "{e}");
        }
    }

    #[test]
    fn every_value_fits_its_column_and_parses_back() {
        for a in AuditAction::ALL {
            assert!(a.as_str().len() <= AuditAction::STORED_LEN as usize);
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
        }
        for e in AuditEntity::ALL {
            assert!(e.as_str().len() <= AuditEntity::STORED_LEN as usize);
            assert_eq!(AuditEntity::parse(e.as_str()), Some(*e));
        }
        assert_eq!(AuditAction::parse("Create"), None);
    }
}
