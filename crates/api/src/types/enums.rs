//! GraphQL mirrors of the domain's closed sets. Names match the stored strings.
//!
//! Stored values are parsed once, into the domain enums, when a row is fetched; these
//! mirrors only convert both ways.

use thidua_domain::{access, campaign, criterion, milestone, org_unit, participation, target};

macro_rules! mirror {
    ($(#[$m:meta])* $name:ident = $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$domain>::$variant),+ }
            }
        }

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => $name::$variant),+ }
            }
        }
    };
}

mirror!(
    /// Draft → Launched → Closed, or Cancelled.
    CampaignStatus = campaign::CampaignStatus { Draft, Launched, Closed, Cancelled }
);
mirror!(
    /// Regular (thường xuyên) or thematic / time-boxed (chuyên đề, theo đợt).
    CampaignKind = campaign::CampaignKind { Regular, Thematic }
);
mirror!(
    /// How a unit's approved reports in a leaderboard's period combine into the
    /// criterion's value: SUM, AVERAGE, LATEST (latest period end), MAX or MIN.
    PeriodAggregation = criterion::PeriodAggregation {
        Sum,
        Average,
        Latest,
        Max,
        Min
    }
);
mirror!(
    Measure = criterion::Measure {
        Number,
        Percent,
        Count,
        YesNo
    }
);
mirror!(
    Direction = criterion::Direction {
        HigherIsBetter,
        LowerIsBetter
    }
);
mirror!(
    MilestoneKind = milestone::MilestoneKind {
        Launch,
        ReportingDeadline,
        InterimReview,
        FinalReview,
        Custom
    }
);
mirror!(
    /// Derived from the due date and completion: due soon means within 14 days.
    MilestoneStatus = milestone::MilestoneStatus { Upcoming, DueSoon, Overdue, Done }
);
mirror!(
    OrgUnitKind = org_unit::OrgUnitKind {
        Province,
        Department,
        Ward,
        Commune,
        SpecialZone,
        Agency,
        Enterprise,
        School,
        Village,
        ResidentialGroup,
        Other
    }
);
mirror!(
    ParticipationStatus = participation::ParticipationStatus {
        Registered,
        Withdrawn
    }
);
mirror!(
    Role = access::Role {
        Admin,
        Council,
        Manager,
        Reporter,
        Viewer
    }
);
mirror!(
    /// Against a linear path from the baseline to the goal at the deadline.
    TargetStatus = target::TargetStatus { Achieved, OnTrack, AtRisk, OffTrack, NoData }
);
mirror!(TargetSource = target::TargetSource { Computed, Manual });
mirror!(
    /// How a target gets its value: one of the computations, or MANUAL (entered with a source).
    TargetKind = thidua_domain::target_rules::TargetKind {
        Manual,
        ConcreteCriteriaShare,
        ExemplarUnitShare,
        CentralHonouredExemplars
    }
);
mirror!(
    Comparator = target::Comparator {
        AtLeast,
        AtMost,
        Range
    }
);
mirror!(
    /// SUBMITTED → APPROVED (locked), or RETURNED with a reason → resubmitted.
    ReportStatus = thidua_domain::report::ReportStatus { Submitted, Approved, Returned }
);
mirror!(
    /// MONTH, QUARTER, HALF_YEAR (1 Jan–30 Jun or 1 Jul–31 Dec), YEAR: calendar periods
    /// from their first to their last day; CUSTOM: any range.
    PeriodKind = thidua_domain::report::PeriodKind {
        Month,
        Quarter,
        HalfYear,
        Year,
        Custom
    }
);
mirror!(
    /// IDENTIFIED → NURTURED → RECOGNISED → REPLICATED, one step at a time.
    ExemplarStage = thidua_domain::exemplar::ExemplarStage { Identified, Nurtured, Recognised, Replicated }
);
mirror!(
    ExemplarKind = thidua_domain::exemplar::ExemplarKind {
        Collective,
        Individual
    }
);

impl ExemplarStage {
    pub const ALL_STAGES: [ExemplarStage; 4] = [
        ExemplarStage::Identified,
        ExemplarStage::Nurtured,
        ExemplarStage::Recognised,
        ExemplarStage::Replicated,
    ];
}
mirror!(
    /// CLUSTER (cụm thi đua, by place) or BLOC (khối thi đua, by sector).
    ClusterKind = thidua_domain::org_unit::ClusterKind { Cluster, Bloc }
);
mirror!(
    /// Emulation title, state honorary title, order, medal, certificate of merit, certificate, provincial title.
    AwardCategory = thidua_domain::award::AwardCategory {
        EmulationTitle,
        StateHonoraryTitle,
        Order,
        Medal,
        CertificateOfMerit,
        Certificate,
        ProvincialTitle
    }
);
mirror!(
    /// The level of the authority that confers the award; target 3 counts CENTRAL.
    AwardLevel = thidua_domain::award::AwardLevel { Grassroots, District, Provincial, Ministerial, Central }
);
mirror!(
    /// Who an award can go to. HOUSEHOLD (hộ gia đình, e.g. "Gia đình văn hóa") is a
    /// catalogue kind; BOTH means individual or collective, not household.
    RecipientKind = thidua_domain::award::RecipientKind {
        Individual,
        Collective,
        Both,
        Household
    }
);
/// The kinds of commendation the 2022 law names (art. 8), under the law's names: công
/// trạng (merit), đột xuất (ad hoc), phong trào thi đua (a campaign; must name it), quá
/// trình cống hiến (lifetime service), niên hạn (length of service), đối ngoại (foreign
/// relations).
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommendationKind {
    #[graphql(name = "CONG_TRANG")]
    Merit,
    #[graphql(name = "DOT_XUAT")]
    AdHoc,
    #[graphql(name = "PHONG_TRAO_THI_DUA")]
    Campaign,
    #[graphql(name = "QUA_TRINH_CONG_HIEN")]
    LifetimeService,
    #[graphql(name = "NIEN_HAN")]
    LengthOfService,
    #[graphql(name = "DOI_NGOAI")]
    ForeignRelations,
}

impl From<CommendationKind> for thidua_domain::commendation::CommendationKind {
    fn from(v: CommendationKind) -> Self {
        use thidua_domain::commendation::CommendationKind as D;
        match v {
            CommendationKind::Merit => D::Merit,
            CommendationKind::AdHoc => D::AdHoc,
            CommendationKind::Campaign => D::Campaign,
            CommendationKind::LifetimeService => D::LifetimeService,
            CommendationKind::LengthOfService => D::LengthOfService,
            CommendationKind::ForeignRelations => D::ForeignRelations,
        }
    }
}

impl From<thidua_domain::commendation::CommendationKind> for CommendationKind {
    fn from(v: thidua_domain::commendation::CommendationKind) -> Self {
        use thidua_domain::commendation::CommendationKind as D;
        match v {
            D::Merit => Self::Merit,
            D::AdHoc => Self::AdHoc,
            D::Campaign => Self::Campaign,
            D::LifetimeService => Self::LifetimeService,
            D::LengthOfService => Self::LengthOfService,
            D::ForeignRelations => Self::ForeignRelations,
        }
    }
}
mirror!(
    /// NOMINATED → UNDER_REVIEW → APPROVED or REJECTED (by the ballot, or rejected with a
    /// reason) → CONFERRED by the council's unit (locked; only recorded Admin corrections
    /// change it) → REVOKED (thu hồi, by an Admin with a reason; it no longer counts
    /// anywhere). An award decided above the council's unit goes APPROVED →
    /// PROPOSED_UPWARD → CONFERRED (the higher authority's decision) or DECLINED_UPWARD.
    CommendationStatus = thidua_domain::commendation::CommendationStatus {
        Nominated,
        UnderReview,
        Approved,
        Rejected,
        ProposedUpward,
        DeclinedUpward,
        Conferred,
        Revoked
    }
);
mirror!(
    RecipientType = thidua_domain::commendation::RecipientType {
        Unit,
        Exemplar,
        Person,
        Household
    }
);

mirror!(
    /// How an earlier title counts towards an award: held in N consecutive years, or N
    /// consecutive conferrals (each within the row's gap of the one before).
    PrerequisiteKind = thidua_domain::award::PrerequisiteKind {
        ConsecutiveYears,
        ConsecutiveConferrals
    }
);
