//! DataLoaders: every relation field loads through here, so a list of N items costs one
//! statement per relation, not N.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{HashMapCache, Loader};
use thidua_domain::id::{
    CampaignId, ClusterId, CommendationId, CouncilSessionId, ExemplarId, Id, PersonId, ProgrammeId,
    ReportId, TargetId, UnitId, UserId, of,
};
use thidua_persistence::entities::{
    campaign, criterion, exemplar, exemplar_stage_event, field, milestone, org_unit, participation,
    programme as programme_e, progress_report, replication, report_revision, report_value,
    role_grant, target, target_value, user,
};
use thidua_persistence::{
    Database, StoreError, campaigns, exemplars, fields, milestones, org_units, participations,
    programme, reports, users,
};

/// The loader behind every key type below; one per request.
pub struct Store {
    pub db: Database,
}

pub type LoadError = Arc<StoreError>;

/// Loads rows by their own typed id: the key is the domain's `Id<T>` itself.
macro_rules! by_id {
    ($marker:ty, $model:ty, $fetch:path) => {
        impl Loader<Id<$marker>> for Store {
            type Value = $model;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[Id<$marker>],
            ) -> Result<HashMap<Id<$marker>, Self::Value>, Self::Error> {
                let rows = $fetch(&self.db.conn, keys).await.map_err(Arc::new)?;
                Ok(rows.into_iter().map(|r| (Id::from_uuid(r.id), r)).collect())
            }
        }
    };
}

/// Loads the rows that belong to an owner: the key names the relation and wraps the
/// owner's typed id, so `CriteriaOf` takes a campaign's id and nothing else.
macro_rules! grouped {
    ($key:ident($owner_id:ty), $model:ty, $fetch:path, |$r:ident| $owner:expr) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub $owner_id);

        impl Loader<$key> for Store {
            type Value = Vec<$model>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids: Vec<$owner_id> = keys.iter().map(|k| k.0).collect();
                let rows = $fetch(&self.db.conn, &ids).await.map_err(Arc::new)?;
                let mut out: HashMap<$key, Self::Value> =
                    keys.iter().map(|k| (*k, Vec::new())).collect();
                for $r in rows {
                    if let Some(owner) = $owner {
                        out.entry($key(Id::from_uuid(owner))).or_default().push($r);
                    }
                }
                Ok(out)
            }
        }
    };
}

by_id!(of::OrgUnit, org_unit::Model, org_units::by_ids);
by_id!(of::Campaign, campaign::Model, campaigns::by_ids);
by_id!(of::Criterion, criterion::Model, campaigns::criteria_by_ids);
by_id!(of::Milestone, milestone::Model, milestones::by_ids);
by_id!(
    of::Participation,
    participation::Model,
    participations::by_ids
);
by_id!(of::Field, field::Model, fields::by_ids);
by_id!(of::Programme, programme_e::Model, programme::by_ids);
by_id!(of::Target, target::Model, programme::targets_by_ids);
by_id!(of::User, user::Model, users::by_ids);
grouped!(
    GrantsOf(UserId),
    role_grant::Model,
    users::grants_by_user_ids,
    |r| Some(r.user_id)
);

grouped!(
    ChildrenOf(UnitId),
    org_unit::Model,
    org_units::children_of,
    |r| r.parent_id
);
grouped!(
    CriteriaOf(CampaignId),
    criterion::Model,
    campaigns::criteria_by_campaign_ids,
    |r| Some(r.campaign_id)
);
grouped!(
    CampaignMilestones(CampaignId),
    milestone::Model,
    milestones::by_campaign_ids,
    |r| r.campaign_id
);
grouped!(
    ProgrammeMilestones(ProgrammeId),
    milestone::Model,
    milestones::by_programme_ids,
    |r| r.programme_id
);
grouped!(
    ParticipationsOf(CampaignId),
    participation::Model,
    participations::by_campaign_ids,
    |r| Some(r.campaign_id)
);
grouped!(
    TargetsOf(ProgrammeId),
    target::Model,
    programme::targets_by_programme_ids,
    |r| Some(r.programme_id)
);
grouped!(
    ValuesOf(TargetId),
    target_value::Model,
    programme::values_by_target_ids,
    |r| Some(r.target_id)
);

/// Fields of campaigns (through the campaign_fields link table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldsOf(pub CampaignId);

impl Loader<FieldsOf> for Store {
    type Value = Vec<field::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[FieldsOf]) -> Result<HashMap<FieldsOf, Self::Value>, Self::Error> {
        let ids: Vec<CampaignId> = keys.iter().map(|k| k.0).collect();
        let rows = campaigns::fields_by_campaign_ids(&self.db.conn, &ids)
            .await
            .map_err(Arc::new)?;
        let mut out: HashMap<FieldsOf, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (campaign_id, f) in rows {
            out.entry(FieldsOf(CampaignId::from_uuid(campaign_id)))
                .or_default()
                .push(f);
        }
        for v in out.values_mut() {
            v.sort_by_key(|f| f.sort_order);
        }
        Ok(out)
    }
}

/// Times the loader task yields before collecting keys. async-graphql resolves list items
/// through `FuturesUnordered`, which yields to the scheduler every 32 items; without these
/// yields a zero-delay loader would fire after the first 32 keys and split the batch.
/// Yielding costs microseconds where a timer delay costs a millisecond per nesting level.
const GATHER_YIELDS: usize = 64;

/// The per-request DataLoader. Its cache lives as long as the request.
pub type RequestLoader = async_graphql::dataloader::DataLoader<Store, HashMapCache>;

/// A per-request DataLoader over the store; `delay` adds a timer wait on top of the yields.
/// `cache`: a key loaded once in the request is not loaded again (a campaign named by a
/// report and by its criterion costs one statement). Only for operations that do not write,
/// so that a mutation's payload never shows a row as it was before the mutation changed it.
pub fn request_loader(db: Database, delay: std::time::Duration, cache: bool) -> RequestLoader {
    // Loads run in tasks of their own: they keep the request's language.
    let locale = crate::i18n::current();
    let loader = async_graphql::dataloader::DataLoader::with_cache(
        Store { db },
        move |fut| {
            tokio::spawn(crate::i18n::scope(locale, async move {
                for _ in 0..GATHER_YIELDS {
                    tokio::task::yield_now().await;
                }
                fut.await;
            }))
        },
        HashMapCache::default(),
    )
    .delay(delay);
    loader.enable_all_cache(cache);
    loader
}

by_id!(of::ProgressReport, progress_report::Model, reports::by_ids);
grouped!(
    ValuesOfReport(ReportId),
    report_value::Model,
    reports::values_by_report_ids,
    |r| Some(r.report_id)
);
grouped!(
    RevisionsOf(ReportId),
    report_revision::Model,
    reports::revisions_by_report_ids,
    |r| Some(r.report_id)
);
grouped!(
    AttachmentsOf(ReportId),
    thidua_persistence::entities::attachment::Model,
    thidua_persistence::evidence::by_report_ids,
    |r| Some(r.report_id)
);

/// The latest report a user submitted for a campaign (home screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LastReport {
    pub user_id: UserId,
    pub campaign_id: CampaignId,
}

impl Loader<LastReport> for Store {
    type Value = progress_report::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LastReport],
    ) -> Result<HashMap<LastReport, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        let mut users: Vec<UserId> = keys.iter().map(|k| k.user_id).collect();
        users.sort();
        users.dedup();
        for user_id in users {
            let campaigns: Vec<CampaignId> = keys
                .iter()
                .filter(|k| k.user_id == user_id)
                .map(|k| k.campaign_id)
                .collect();
            let rows = reports::latest_by_user(&self.db.conn, user_id, &campaigns)
                .await
                .map_err(Arc::new)?;
            out.extend(rows.into_iter().map(|r| {
                (
                    LastReport {
                        user_id,
                        campaign_id: CampaignId::from_uuid(r.campaign_id),
                    },
                    r,
                )
            }));
        }
        Ok(out)
    }
}

by_id!(of::Exemplar, exemplar::Model, exemplars::by_ids);
grouped!(
    StageEventsOf(ExemplarId),
    exemplar_stage_event::Model,
    exemplars::events_by_exemplar_ids,
    |r| Some(r.exemplar_id)
);
grouped!(
    ReplicationsOf(ExemplarId),
    replication::Model,
    exemplars::replications_by_exemplar_ids,
    |r| Some(r.exemplar_id)
);

by_id!(
    of::Cluster,
    thidua_persistence::entities::cluster::Model,
    thidua_persistence::clusters::by_ids
);
grouped!(
    MembersOf(ClusterId),
    thidua_persistence::entities::cluster_member::Model,
    thidua_persistence::clusters::members_of,
    |r| Some(r.cluster_id)
);

by_id!(
    of::AwardType,
    thidua_persistence::entities::award_type::Model,
    thidua_persistence::awards::by_ids
);
by_id!(
    of::Commendation,
    thidua_persistence::entities::commendation::Model,
    thidua_persistence::commendations::by_ids
);
by_id!(
    of::CouncilSession,
    thidua_persistence::entities::council_session::Model,
    thidua_persistence::council::by_ids
);
grouped!(
    SessionMembers(CouncilSessionId),
    thidua_persistence::entities::council_member::Model,
    thidua_persistence::council::members_by_session_ids,
    |r| Some(r.session_id)
);
grouped!(
    CorrectionsOf(CommendationId),
    thidua_persistence::entities::commendation_correction::Model,
    thidua_persistence::commendations::corrections_by_commendation_ids,
    |r| Some(r.commendation_id)
);
grouped!(
    CommendationsOfExemplar(ExemplarId),
    thidua_persistence::entities::commendation::Model,
    thidua_persistence::commendations::by_exemplar_ids,
    |r| r.exemplar_id
);
grouped!(
    SnapshotsOf(TargetId),
    thidua_persistence::entities::target_snapshot::Model,
    thidua_persistence::snapshots::by_target_ids,
    |r| Some(r.target_id)
);

/// Whether a nomination's recipient holds the titles its award needs first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrerequisiteOf(pub thidua_persistence::commendations::Nominee);

impl Loader<PrerequisiteOf> for Store {
    type Value = thidua_persistence::commendations::PrerequisiteStatus;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PrerequisiteOf],
    ) -> Result<HashMap<PrerequisiteOf, Self::Value>, Self::Error> {
        let nominees: Vec<_> = keys.iter().map(|k| k.0.clone()).collect();
        let mut statuses =
            thidua_persistence::commendations::prerequisite_statuses(&self.db.conn, &nominees)
                .await
                .map_err(Arc::new)?;
        Ok(keys
            .iter()
            .filter_map(|k| Some((k.clone(), statuses.remove(&k.0.id)?)))
            .collect())
    }
}

by_id!(
    of::Attachment,
    thidua_persistence::entities::attachment::Model,
    thidua_persistence::evidence::by_ids
);

by_id!(
    of::Person,
    thidua_persistence::entities::person::Model,
    thidua_persistence::persons::by_ids
);
grouped!(
    HistoryOf(PersonId),
    thidua_persistence::entities::person_unit::Model,
    thidua_persistence::persons::history_by_person_ids,
    |r| Some(r.person_id)
);
grouped!(
    HonoursOf(PersonId),
    thidua_persistence::entities::commendation::Model,
    thidua_persistence::commendations::by_person_ids,
    |r| r.person_id
);
grouped!(
    PredecessorsOf(UnitId),
    org_unit::Model,
    org_units::by_successor_ids,
    |r| r.successor_id
);
/// A target's current value with the lists behind it (uncovered fields, units behind),
/// computed once per request however many of its fields are selected, and every target of
/// the request together (one statement per computation, however many targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComputedOf(pub TargetId);

impl Loader<ComputedOf> for Store {
    type Value = programme::CurrentValue;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ComputedOf],
    ) -> Result<HashMap<ComputedOf, Self::Value>, Self::Error> {
        let ids: Vec<TargetId> = keys.iter().map(|k| k.0).collect();
        let db = &self.db.conn;
        let targets = programme::targets_by_ids(db, &ids)
            .await
            .map_err(Arc::new)?;
        let values = programme::values_by_target_ids(db, &ids)
            .await
            .map_err(Arc::new)?;
        let today = thidua_domain::calendar::today();
        let current =
            thidua_persistence::current_values::current_values(db, &targets, &values, today)
                .await
                .map_err(Arc::new)?;
        Ok(current
            .into_iter()
            .map(|(id, v)| (ComputedOf(TargetId::from_uuid(id)), v))
            .collect())
    }
}

/// A computed target split by top-level unit over a window: every target a request
/// splits in one statement (after its targets and their programmes), however many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BreakdownOf {
    pub target: TargetId,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

impl Loader<BreakdownOf> for Store {
    type Value = Vec<(uuid::Uuid, thidua_domain::target_breakdown::UnitCount)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[BreakdownOf],
    ) -> Result<HashMap<BreakdownOf, Self::Value>, Self::Error> {
        let db = &self.db.conn;
        let mut ids: Vec<TargetId> = keys.iter().map(|k| k.target).collect();
        ids.sort();
        ids.dedup();
        let targets = programme::targets_by_ids(db, &ids)
            .await
            .map_err(Arc::new)?;
        let mut programme_ids: Vec<ProgrammeId> = targets
            .iter()
            .map(|t| ProgrammeId::from_uuid(t.programme_id))
            .collect();
        programme_ids.sort();
        programme_ids.dedup();
        let programmes = programme::by_ids(db, &programme_ids)
            .await
            .map_err(Arc::new)?;
        let mut asked = Vec::with_capacity(keys.len());
        let mut asks = Vec::with_capacity(keys.len());
        for key in keys {
            let target = targets.iter().find(|t| t.id == key.target.uuid());
            let programme = target.and_then(|t| programmes.iter().find(|p| p.id == t.programme_id));
            if let (Some(target), Some(programme)) = (target, programme) {
                asked.push(*key);
                asks.push(thidua_persistence::target_breakdown::Ask {
                    target,
                    programme,
                    window: thidua_domain::target_rules::Period {
                        start: key.start,
                        end: key.end,
                    },
                });
            }
        }
        let rows = thidua_persistence::target_breakdown::by_top_level_unit(db, &asks)
            .await
            .map_err(Arc::new)?;
        Ok(asked
            .into_iter()
            .zip(rows)
            .filter_map(|(key, rows)| Some((key, rows?)))
            .collect())
    }
}
