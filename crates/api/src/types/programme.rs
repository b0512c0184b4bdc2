//! The programme (đề án) and its targets.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use thidua_domain::bounds::Year;
use thidua_domain::id;
use thidua_domain::msg;
use thidua_domain::target::TargetSpec;
use thidua_domain::target_breakdown as breakdown;
use thidua_domain::target_rules::{TargetParameters, normalise_horizon, with_field_coverage};
use thidua_persistence::entities::{programme, target, target_value};

use super::enums::{AwardLevel, Comparator, OrgUnitKind, TargetKind, TargetSource, TargetStatus};
use super::field::Field;
use super::milestone::Milestone;
use super::org_unit::OrgUnit;
use super::user::User;
use super::{load_many, load_one, measured};
use crate::i18n::Locale;
use crate::ids;
use crate::loaders::{ComputedOf, ProgrammeMilestones, TargetsOf, ValuesOf};
use thidua_domain::id::{ProgrammeId, TargetId, UnitId, UserId};

#[derive(Clone)]
pub struct Programme(pub programme::Model);

/// A programme (đề án) with its targets and review milestones; campaigns may run under it.
#[Object]
impl Programme {
    pub async fn id(&self) -> ID {
        ids::encode(id::ProgrammeId::from_uuid(self.0.id))
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }

    async fn end_date(&self) -> NaiveDate {
        self.0.end_date
    }

    /// The province's programme: campaigns tagged with no programme count toward its targets.
    async fn is_default(&self) -> bool {
        self.0.is_default
    }

    async fn owner_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.owner_unit_id))
            .await?
            .map(OrgUnit))
    }

    /// Targets, optionally only those of one horizon ("2022–2025", or "2022-2025" with a
    /// hyphen), or only those whose period lies within `fromYear`–`toYear`.
    async fn targets(
        &self,
        ctx: &Context<'_>,
        horizon: Option<String>,
        from_year: Option<i32>,
        to_year: Option<i32>,
    ) -> async_graphql::Result<Vec<Target>> {
        targets_of(
            ctx,
            ProgrammeId::from_uuid(self.0.id),
            TargetFilter::parse(horizon, from_year, to_year)?,
        )
        .await
    }

    async fn milestones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Milestone>> {
        Ok(
            load_many(ctx, ProgrammeMilestones(ProgrammeId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(Milestone)
                .collect(),
        )
    }
}

#[derive(Clone)]
pub struct Target(pub target::Model);

/// Where a target stands today.
#[derive(SimpleObject)]
pub struct TargetProgress {
    /// The current value; null when it cannot be known yet (see `note`).
    pub value: Option<Decimal>,
    /// The date the value describes.
    pub as_of: Option<NaiveDate>,
    /// value ÷ goal (1 = goal reached); for a range goal, against its lower bound.
    pub share_of_target: Option<Decimal>,
    /// For a range goal (e.g. 7–10): value ÷ the upper, stretch bound.
    pub share_of_stretch: Option<Decimal>,
    /// Where a straight line from the baseline to the goal at the deadline says the value should be today.
    pub expected_value: Decimal,
    pub status: TargetStatus,
    /// Where the value comes from, or why there is none.
    pub note: String,
}

/// A programme target (chỉ tiêu) with its goal, baseline and progress.
#[Object]
impl Target {
    pub async fn id(&self) -> ID {
        ids::encode(id::TargetId::from_uuid(self.0.id))
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    /// In the request's language (`Accept-Language`; Vietnamese by default, and when the
    /// target has no English title).
    async fn title(&self) -> &str {
        localized(&self.0.title, self.0.title_en.as_deref())
    }

    /// The exact definition of the value, in the request's language (as `title`).
    async fn description(&self) -> &str {
        localized(&self.0.description, self.0.description_en.as_deref())
    }

    /// The stored texts in both languages, as `createTarget` and `updateTarget` take them
    /// (for editing, whatever the request's language).
    async fn texts(&self) -> TargetTexts {
        TargetTexts {
            title: self.0.title.clone(),
            title_en: self.0.title_en.clone(),
            description: self.0.description.clone(),
            description_en: self.0.description_en.clone(),
            unit_label: self.0.unit_label.clone(),
            unit_label_en: self.0.unit_label_en.clone(),
        }
    }

    async fn horizon(&self) -> &str {
        &self.0.horizon
    }

    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }

    async fn deadline(&self) -> NaiveDate {
        self.0.deadline
    }

    async fn comparator(&self) -> Comparator {
        self.0.comparator.into()
    }

    /// The goal (for a range, its lower bound, which achieves the target).
    async fn target_value(&self) -> Decimal {
        measured(self.0.target_value)
    }

    /// The upper bound of a range goal (the stretch).
    async fn target_max(&self) -> Option<Decimal> {
        self.0.target_max.map(measured)
    }

    /// What the value counts, in the request's language (as `title`).
    async fn unit_label(&self) -> &str {
        localized(&self.0.unit_label, self.0.unit_label_en.as_deref())
    }

    async fn baseline(&self) -> Decimal {
        measured(self.0.baseline)
    }

    async fn baseline_date(&self) -> NaiveDate {
        self.0.baseline_date
    }

    /// COMPUTED from the data at read time, or MANUAL (entered by an administrator with a source).
    async fn source(&self) -> TargetSource {
        self.0.source.into()
    }

    async fn programme(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Programme>> {
        Ok(load_one(ctx, ProgrammeId::from_uuid(self.0.programme_id))
            .await?
            .map(Programme))
    }

    /// Changes with every edit; `updateTarget` takes the version read.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// How the value is obtained: a computation, or MANUAL.
    async fn kind(&self) -> TargetKind {
        thidua_domain::target_rules::TargetKind::of(self.0.source, self.0.computation).into()
    }

    /// The programme's or the law's own words the target comes from.
    async fn legal_text(&self) -> Option<&str> {
        self.0.legal_text.as_deref()
    }

    /// What the definition counts (units measured by target 2, award levels by target 3).
    async fn parameters(&self) -> async_graphql::Result<TargetParametersView> {
        thidua_persistence::programme::parameters_of(&self.0)
            .map(TargetParametersView)
            .map_err(|e| crate::error::store_error(&e))
    }

    /// Target 1 only: the fields with no campaign whose criteria are all concrete in the
    /// period (empty when every field is covered; null for other targets).
    async fn uncovered_fields(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<Field>>> {
        Ok(self
            .computed(ctx)
            .await?
            .uncovered_fields
            .map(|fs| fs.into_iter().map(Field).collect()))
    }

    /// Target 2 only: the measured units that do not meet it yet (null for other targets).
    async fn units_behind(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<OrgUnit>>> {
        let Some(ids) = self.computed(ctx).await?.units_behind else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(ids.len());
        for u in ids {
            if let Some(m) = load_one(ctx, UnitId::from_uuid(u)).await? {
                out.push(OrgUnit(m));
            }
        }
        Ok(Some(out))
    }

    async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<TargetProgress> {
        let today = thidua_domain::calendar::today();
        let current = self.computed(ctx).await?;
        let t = &self.0;
        let spec = TargetSpec {
            comparator: t.comparator,
            target_value: measured(t.target_value),
            baseline: measured(t.baseline),
            baseline_date: t.baseline_date,
            deadline: t.deadline,
        };
        let value = current.value.map(measured);
        let mut p = spec.progress(value, today);
        if let Some(uncovered) = &current.uncovered_fields {
            p = with_field_coverage(p, uncovered.len(), today, t.deadline);
        }
        let share_of_stretch = match (value, t.target_max) {
            (Some(v), Some(max)) if !max.is_zero() => Some((v / max).round_dp(4)),
            _ => None,
        };
        Ok(TargetProgress {
            value,
            as_of: current.as_of,
            share_of_target: p.share_of_target.map(|d| d.normalize()),
            share_of_stretch: share_of_stretch.map(|d| d.normalize()),
            expected_value: p.expected_value.normalize(),
            status: p.status.into(),
            note: crate::i18n::text(&current.note),
        })
    }

    /// The value as it stood day by day (daily snapshots), oldest first, optionally
    /// between two dates (at most 10 years apart): the line a dashboard draws. With
    /// `interval: MONTH`, one point per month: the month's last snapshot.
    async fn history(
        &self,
        ctx: &Context<'_>,
        from: Option<crate::scalars::Date>,
        to: Option<crate::scalars::Date>,
        #[graphql(desc = "DAY (the default) or MONTH.")] interval: Option<SeriesInterval>,
    ) -> async_graphql::Result<Vec<TargetSnapshot>> {
        let range = thidua_domain::bounds::DateRange::parse(from.map(|d| d.0), to.map(|d| d.0))
            .map_err(|e| crate::error::bad_input(&e.message))?;
        let mut points: Vec<TargetSnapshot> = load_many(
            ctx,
            crate::loaders::SnapshotsOf(TargetId::from_uuid(self.0.id)),
        )
        .await?
        .into_iter()
        .filter(|s| range.contains(s.taken_on))
        .map(|s| TargetSnapshot {
            on: s.taken_on,
            value: s.value.map(measured),
            note: s.note,
        })
        .collect();
        if interval == Some(SeriesInterval::Month) {
            // Oldest first: a point is kept when the next one falls in another month.
            let month = |d: NaiveDate| (d.year(), d.month());
            let next_months: Vec<Option<(i32, u32)>> = points
                .iter()
                .skip(1)
                .map(|p| Some(month(p.on)))
                .chain(std::iter::once(None))
                .collect();
            points = points
                .into_iter()
                .zip(next_months)
                .filter(|(p, next)| *next != Some(month(p.on)))
                .map(|(p, _)| p)
                .collect();
        }
        Ok(points)
    }

    /// The target split by the units directly under the province: one row per top-level
    /// unit holding something the definition counts (T1: the campaigns its units launched,
    /// the province's own in a row for the root; T2: the units it measures; T3: the models
    /// homed in it), with its part of the numerator and denominator, its own share and
    /// whether it holds the target back. Over the target's period by default, when the rows
    /// add up to `progress.value`; `from`/`to` narrow it to a part of the period. Null for a
    /// MANUAL target (one entered figure). Signed-in callers only; rows of units the caller
    /// cannot read are left out (`complete` then says so).
    async fn by_top_level_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day counted: in the target's period (default: its start).")]
        from: Option<crate::scalars::Date>,
        #[graphql(
            desc = "Last day counted: in the target's period (default: its deadline), at most 10 years after `from`."
        )]
        to: Option<crate::scalars::Date>,
    ) -> async_graphql::Result<Option<TargetBreakdown>> {
        let actor = crate::context::reader(ctx)?;
        let kind = thidua_domain::target_rules::TargetKind::of(self.0.source, self.0.computation);
        let Some(measure) = breakdown::Measure::of(kind) else {
            return Ok(None);
        };
        let period = thidua_domain::target_rules::Period {
            start: self.0.period_start,
            end: self.0.deadline,
        };
        let window = breakdown::window(period, from.map(|d| d.0), to.map(|d| d.0))
            .map_err(crate::args::field_error)?;
        let key = crate::loaders::BreakdownOf {
            target: TargetId::from_uuid(self.0.id),
            start: window.start,
            end: window.end,
        };
        let rows = load_one(ctx, key).await?;
        Ok(rows.map(|rows| TargetBreakdown {
            from: window.start,
            to: window.end,
            parts: breakdown::assemble(measure, rows, &actor.grants),
        }))
    }

    /// Values entered for a manual target, newest first.
    async fn entries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TargetEntry>> {
        Ok(load_many(ctx, ValuesOf(TargetId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(TargetEntry)
            .collect())
    }
}

/// The English text when the request asks for English (the language `i18n::scope` set from
/// `Accept-Language`) and there is one; else Vietnamese.
fn localized<'a>(vi: &'a str, en: Option<&'a str>) -> &'a str {
    match (crate::i18n::current(), en) {
        (Locale::En, Some(en)) => en,
        _ => vi,
    }
}

/// A target's texts as stored: Vietnamese (the default language) and English (null when
/// not given; English readers then get the Vietnamese text).
#[derive(SimpleObject)]
pub struct TargetTexts {
    pub title: String,
    pub title_en: Option<String>,
    pub description: String,
    pub description_en: Option<String>,
    pub unit_label: String,
    pub unit_label_en: Option<String>,
}

impl Target {
    async fn computed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<thidua_persistence::programme::CurrentValue> {
        load_one(ctx, ComputedOf(TargetId::from_uuid(self.0.id)))
            .await?
            .ok_or_else(|| crate::error::not_found("target"))
    }
}

/// What a target's definition counts.
pub struct TargetParametersView(pub TargetParameters);

#[Object(name = "TargetParameters")]
impl TargetParametersView {
    /// Target 2: kinds of unit measured (the outermost of them, where nested).
    async fn unit_kinds(&self) -> Vec<OrgUnitKind> {
        self.0.unit_kinds.iter().map(|k| (*k).into()).collect()
    }

    /// Target 2: units measured whatever their kind.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let mut out = Vec::with_capacity(self.0.unit_ids.len());
        for u in &self.0.unit_ids {
            if let Some(m) = load_one(ctx, UnitId::from_uuid(*u)).await? {
                out.push(OrgUnit(m));
            }
        }
        Ok(out)
    }

    /// Target 3: award levels whose conferrals count.
    async fn award_levels(&self) -> Vec<AwardLevel> {
        self.0.award_levels.iter().map(|l| (*l).into()).collect()
    }
}

/// How finely a target's history is drawn.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesInterval {
    /// Every daily snapshot.
    Day,
    /// The last snapshot of each month.
    Month,
}

/// A target's value on a day.
#[derive(SimpleObject)]
pub struct TargetSnapshot {
    pub on: NaiveDate,
    /// Null when the value could not be known that day.
    pub value: Option<Decimal>,
    pub note: String,
}

#[derive(Clone)]
pub struct TargetEntry(pub target_value::Model);

/// A value an administrator entered for a manual target, with its source.
#[Object]
impl TargetEntry {
    async fn value(&self) -> Decimal {
        measured(self.0.value)
    }

    async fn as_of(&self) -> NaiveDate {
        self.0.as_of
    }

    async fn source_note(&self) -> &str {
        &self.0.source_note
    }

    async fn entered_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn entered_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.entered_by {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }
}

/// Which of a programme's targets to list: by horizon (either dash) or by years.
#[derive(Debug, Clone, Default)]
pub(crate) struct TargetFilter {
    horizon: Option<String>,
    /// Inclusive (from, to) years.
    years: Option<(i32, i32)>,
}

impl TargetFilter {
    pub(crate) fn parse(
        horizon: Option<String>,
        from_year: Option<i32>,
        to_year: Option<i32>,
    ) -> async_graphql::Result<Self> {
        // Two years with any dash read as the en-dash form; anything else is compared as
        // sent (and matches no target).
        let horizon = crate::args::optional_text(horizon, "horizon", 100)?
            .map(|h| normalise_horizon(&h).unwrap_or(h));
        let year = |raw: Option<i32>, name: &str| {
            raw.map(|y| {
                Year::parse(y)
                    .map(Year::get)
                    .map_err(|e| crate::args::field_error(e.under(name)))
            })
            .transpose()
        };
        let (from, to) = (year(from_year, "fromYear")?, year(to_year, "toYear")?);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(crate::error::bad_input(&msg!(
                "programme-fromyear-must-no-later"
            )));
        }
        let years = (from.is_some() || to.is_some())
            .then(|| (from.unwrap_or(Year::MIN), to.unwrap_or(Year::MAX)));
        Ok(Self { horizon, years })
    }

    fn keeps(&self, t: &target::Model) -> bool {
        self.horizon.as_deref().is_none_or(|h| t.horizon == h)
            && self
                .years
                .is_none_or(|(from, to)| t.period_start.year() >= from && t.deadline.year() <= to)
    }
}

/// A programme's targets, filtered.
pub(crate) async fn targets_of(
    ctx: &Context<'_>,
    programme: ProgrammeId,
    filter: TargetFilter,
) -> async_graphql::Result<Vec<Target>> {
    crate::context::public_of(ctx, thidua_domain::access::Resource::Targets)?;
    let rows = load_many(ctx, TargetsOf(programme)).await?;
    Ok(rows
        .into_iter()
        .filter(|t| filter.keeps(t))
        .map(Target)
        .collect())
}

pub struct TargetBreakdown {
    from: NaiveDate,
    to: NaiveDate,
    parts: breakdown::Breakdown<uuid::Uuid>,
}

/// A computed target split by the units directly under the province, as far as the caller
/// may read them.
#[Object]
impl TargetBreakdown {
    /// The first day counted.
    async fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day counted.
    async fn to(&self) -> NaiveDate {
        self.to
    }

    /// One row per top-level unit (the root first, for what the province holds itself),
    /// then by code.
    async fn rows(&self) -> Vec<TargetUnitPart> {
        self.parts
            .rows
            .iter()
            .map(|r| TargetUnitPart(r.clone()))
            .collect()
    }

    /// Every row is shown (the caller reads the whole province): the sums below are then
    /// the target's own figure. False when rows of units the caller cannot read were left out.
    async fn complete(&self) -> bool {
        self.parts.complete
    }

    /// The rows' `counted`, added up.
    async fn counted(&self) -> i64 {
        self.parts.counted
    }

    /// The rows' `total`, added up (shares only; null for a count).
    async fn total(&self) -> Option<i64> {
        self.parts.total
    }

    /// `counted` of `total` in percent (2 decimals; null when nothing is measured), or, for
    /// a count, `counted`.
    async fn value(&self) -> Option<Decimal> {
        self.parts.value.map(|d| d.normalize())
    }
}

pub struct TargetUnitPart(breakdown::Row<uuid::Uuid>);

/// One top-level unit's part of a target.
#[Object]
impl TargetUnitPart {
    /// The unit directly under the province (or the province itself).
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit))
            .await?
            .map(OrgUnit))
    }

    /// Its part of the numerator: T1 campaigns whose criteria are all concrete, T2 measured
    /// units that qualify, T3 models honoured.
    async fn counted(&self) -> i64 {
        self.0.count.counted
    }

    /// Its part of the denominator: T1 campaigns counted, T2 units measured; null for T3.
    async fn total(&self) -> Option<i64> {
        self.0.count.total
    }

    /// Its own share in percent (T1, T2), or its count (T3).
    async fn value(&self) -> Option<Decimal> {
        self.0.value.map(|d| d.normalize())
    }

    /// T2: the distinct models that make its measured units qualify; null otherwise.
    async fn models(&self) -> Option<i64> {
        self.0.count.models
    }

    /// A share row below 100 %: something in this unit keeps the target from its goal (T2:
    /// a measured unit with no qualifying model; T1: a campaign with a criterion that is
    /// not concrete). Always false for a count (T3).
    async fn holds_back(&self) -> bool {
        self.0.holds_back
    }
}
