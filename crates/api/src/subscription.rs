//! Subscriptions: live updates fed from the process's stream of committed events.
//!
//! Every event is checked against the subscriber's grants ([`thidua_domain::event::may_see`])
//! before anything about it is sent, not even its id. Dashboards' subscriptions are hints
//! coalesced over a window (a burst of 1,000 approvals is one update): the client then
//! reads the query it shows. A subscriber that falls behind the process's buffer is cut
//! off (the transport closes the connection as a slow consumer).

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use thidua_domain::access::Actor;
use thidua_domain::event::may_see;
use thidua_domain::id::{CampaignId, Id, of};
use thidua_persistence::outbox::{Event, EventKind};
use tokio::sync::broadcast;

use crate::args::field_error;
use crate::context::{reader, request};
use crate::ids;
use crate::types::enums::ReportStatus;

/// What the transport learns from a subscription stream.
pub trait FeedObserver: Send + Sync {
    /// A message about events, the oldest of which committed at `oldest`, was produced.
    fn delivered(&self, oldest: DateTime<Utc>);
    /// `n` events were lost because the subscriber fell behind the buffer.
    fn lagged(&self, n: u64);
}

/// The process's event stream as the schema sees it (schema data, put in by the server).
#[derive(Clone)]
pub struct EventFeed {
    pub events: broadcast::Sender<Arc<Event>>,
    /// Window that coalesces bursts for the dashboard subscriptions.
    pub coalesce: Duration,
    pub observer: Arc<dyn FeedObserver>,
}

/// Per connection: set when one of its subscriptions fell behind, so the transport closes
/// the connection (slow consumer) instead of serving holes.
#[derive(Clone, Default)]
pub struct SlowConsumer(pub Arc<tokio::sync::Notify>);

fn feed<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a EventFeed> {
    ctx.data::<EventFeed>()
        .map_err(|_| crate::error::internal(&"the event feed is missing from the schema"))
}

/// The events `actor` may see, as they commit, each passing `keep`. Lagging ends the
/// stream and wakes the connection's [`SlowConsumer`].
fn visible(
    ctx: &Context<'_>,
    actor: Actor,
    keep: impl Fn(&Event) -> bool + Send + 'static,
) -> async_graphql::Result<BoxStream<'static, Arc<Event>>> {
    let f = feed(ctx)?.clone();
    let slow = ctx.data_opt::<SlowConsumer>().cloned();
    let rx = f.events.subscribe();
    Ok(stream::unfold(
        (rx, actor, f, slow, keep),
        |(mut rx, actor, f, slow, keep)| async move {
            loop {
                match rx.recv().await {
                    Ok(e) => {
                        if may_see(&actor, e.scope()) && keep(&e) {
                            return Some((e, (rx, actor, f, slow, keep)));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        f.observer.lagged(n);
                        if let Some(s) = &slow {
                            s.0.notify_one();
                        }
                        return None;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    )
    .boxed())
}

/// Gathers the events of a burst: after the first one, everything arriving within
/// `window` joins it. Yields (first, count, newest).
fn coalesce(
    events: BoxStream<'static, Arc<Event>>,
    window: Duration,
) -> impl Stream<Item = (Arc<Event>, usize, Arc<Event>)> + Send + 'static {
    stream::unfold(events, move |mut events| async move {
        let first = events.next().await?;
        let mut newest = first.clone();
        let mut n = 1;
        let until = tokio::time::Instant::now() + window;
        // Until the window closes (or the stream ends), later events join the burst.
        while let Ok(Some(e)) = tokio::time::timeout_at(until, events.next()).await {
            newest = e;
            n += 1;
        }
        Some(((first, n, newest), events))
    })
}

fn actor_of(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    // Owners of reports hear about them even with no read grant left, so the check is
    // only that someone is signed in; every event is filtered by `may_see`.
    match &request(ctx).caller {
        crate::Caller::User(a) => Ok(a.clone()),
        _ => Err(crate::error::unauthenticated()),
    }
}

fn report_period(e: &Event) -> Option<(NaiveDate, NaiveDate)> {
    let d = |k: &str| e.body.get(k)?.as_str()?.parse::<NaiveDate>().ok();
    Some((d("periodStart")?, d("periodEnd")?))
}

/// A report of mine was reviewed (or its status changed).
#[derive(SimpleObject)]
pub struct ReportStatusChange {
    pub report_id: ID,
    pub campaign_id: ID,
    pub unit_id: ID,
    pub status: ReportStatus,
    /// Why it was returned (RETURNED only).
    pub reason: Option<String>,
    pub revision: i32,
    pub occurred_at: DateTime<Utc>,
}

/// Something the caller syncs changed: pull `changes(since: <your stored token>)`.
#[derive(SimpleObject)]
pub struct ChangesAvailable {
    /// The change feed's newest position now: when it equals the token you hold, you
    /// are up to date.
    pub token: String,
    /// Events coalesced into this hint.
    pub events: i32,
}

/// Reports of a campaign in a period changed: read the query again (the
/// `reportingCompliance` counter or the `leaderboard`).
#[derive(SimpleObject)]
pub struct CampaignActivity {
    pub campaign_id: ID,
    pub period: String,
    /// Events coalesced into this update.
    pub events: i32,
    /// When the newest of them committed.
    pub latest_at: DateTime<Utc>,
}

/// A target's value changed (computed targets are recomputed shortly after the data
/// moving them changes).
#[derive(SimpleObject)]
pub struct TargetChange {
    pub target_id: ID,
    pub code: String,
    /// The new value, as a decimal string (null: no value yet).
    pub value: Option<String>,
    pub previous: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

fn id_of<T: ids::Global>(e: &Event, key: &str) -> ID {
    ids::encode(Id::<T>::from_uuid(e.subject_id(key).unwrap_or_default()))
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// My reports as they are approved or returned (with the reason).
    async fn my_report_status_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ReportStatusChange>> {
        let actor = actor_of(ctx)?;
        let me = actor.user_id;
        let f = feed(ctx)?.clone();
        let s = visible(ctx, actor, move |e| {
            matches!(
                e.kind,
                EventKind::ReportApproved | EventKind::ReportReturned
            ) && me.is_some()
                && e.user_id == me
        })?;
        Ok(s.map(move |e| {
            f.observer.delivered(e.occurred_at);
            let status = match e.kind {
                EventKind::ReportApproved => thidua_domain::report::ReportStatus::Approved,
                _ => thidua_domain::report::ReportStatus::Returned,
            };
            ReportStatusChange {
                report_id: id_of::<of::ProgressReport>(&e, "report"),
                campaign_id: id_of::<of::Campaign>(&e, "campaign"),
                unit_id: id_of::<of::OrgUnit>(&e, "unit"),
                status: status.into(),
                reason: e.body["reason"].as_str().map(str::to_owned),
                revision: e.body["revision"]
                    .as_i64()
                    .and_then(|r| i32::try_from(r).ok())
                    .unwrap_or(0),
                occurred_at: e.occurred_at,
            }
        }))
    }

    /// A hint to sync: something `changes(since:)` would return to me changed.
    async fn changes_available(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ChangesAvailable>> {
        let actor = reader(ctx)?.clone();
        let me = actor.user_id;
        let f = feed(ctx)?.clone();
        let db = crate::context::state(ctx).db.clone();
        let s = visible(ctx, actor, move |e| match e.kind {
            EventKind::CampaignLaunched
            | EventKind::CampaignClosed
            | EventKind::CampaignCancelled
            | EventKind::MilestoneAdded
            | EventKind::MilestoneCompleted
            | EventKind::ParticipationRegistered
            | EventKind::ParticipationWithdrawn => true,
            k if k.is_report() => me.is_some() && e.user_id == me,
            _ => false,
        })?;
        Ok(coalesce(s, f.coalesce).then(move |(first, n, _)| {
            let (db, f) = (db.clone(), f.clone());
            async move {
                f.observer.delivered(first.occurred_at);
                let head = thidua_persistence::changes::head(&db.conn)
                    .await
                    .unwrap_or_default();
                ChangesAvailable {
                    token: crate::types::sync::encode_token(head),
                    events: i32::try_from(n).unwrap_or(i32::MAX),
                }
            }
        }))
    }

    /// Reports of a campaign in a period were submitted, approved or returned: read
    /// `reportingCompliance` again. Coalesced.
    async fn reporting_progress(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        #[graphql(desc = "A period as reports name it: 2025-03, 2025-Q1, 2025-H1 or 2025.")]
        period: String,
    ) -> async_graphql::Result<impl Stream<Item = CampaignActivity>> {
        activity(ctx, campaign_id, period, false)
    }

    /// A campaign's ranking in a period may have changed (reports reviewed, units
    /// registered or withdrawn): read `leaderboard` again. Coalesced.
    async fn leaderboard_changed(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        #[graphql(desc = "A period as reports name it: 2025-03, 2025-Q1, 2025-H1 or 2025.")]
        period: String,
    ) -> async_graphql::Result<impl Stream<Item = CampaignActivity>> {
        activity(ctx, campaign_id, period, true)
    }

    /// A target's value changed.
    async fn target_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = TargetChange>> {
        let actor = reader(ctx)?.clone();
        let f = feed(ctx)?.clone();
        let s = visible(ctx, actor, |e| e.kind == EventKind::TargetValueChanged)?;
        Ok(s.map(move |e| {
            f.observer.delivered(e.occurred_at);
            let text = |k: &str| e.body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            TargetChange {
                target_id: id_of::<of::Target>(&e, "target"),
                code: text("code").unwrap_or_default(),
                value: text("value"),
                previous: text("previous"),
                occurred_at: e.occurred_at,
            }
        }))
    }
}

fn activity(
    ctx: &Context<'_>,
    campaign_id: ID,
    period: String,
    leaderboard: bool,
) -> async_graphql::Result<impl Stream<Item = CampaignActivity> + use<>> {
    let actor = reader(ctx)?.clone();
    let cid: CampaignId = ids::decode::<of::Campaign>(&campaign_id)?;
    let p = thidua_domain::compliance::parse_period(&period).map_err(field_error)?;
    let f = feed(ctx)?.clone();
    let campaign = cid.uuid();
    let s = visible(ctx, actor, move |e| {
        if e.subject_id("campaign") != Some(campaign) {
            return false;
        }
        match e.kind {
            k if k.is_report() => {
                report_period(e).is_some_and(|(start, end)| start >= p.start && end <= p.end)
            }
            EventKind::ParticipationRegistered | EventKind::ParticipationWithdrawn => leaderboard,
            _ => false,
        }
    })?;
    let cid_out = ids::encode(cid);
    Ok(coalesce(s, f.coalesce).map(move |(first, n, newest)| {
        f.observer.delivered(first.occurred_at);
        CampaignActivity {
            campaign_id: cid_out.clone(),
            period: period.clone(),
            events: i32::try_from(n).unwrap_or(i32::MAX),
            latest_at: newest.occurred_at,
        }
    }))
}
