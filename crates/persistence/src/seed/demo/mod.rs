//! Demo data set (`seed_demo`): a slice of the province so a fresh install can be explored
//! and every screen shows something plausible without real records: units shaped like
//! Quảng Ninh after the 2025 reorganisation (with coal companies, the main pool of direct
//! workers), one user per role, campaigns in every lifecycle state, clusters and blocs,
//! exemplary models at every stage, a year of monthly reports, council sessions with
//! ballots, commendations at every level and along the whole path (proposed upward,
//! declined, recorded directly), the 2025 merger's former districts linked to their
//! successors, and a year of target snapshots.
//!
//! Everything is marked: unit, cluster and campaign codes start with `DEMO-`, names and
//! titles end with " (demo)". It goes through the ordinary commands, so the domain rules
//! are checked and audit rows written just as for real data. No randomness: every value
//! is a fixed function of its position, so two loads give the same data. Run after
//! `seed_core`, in one transaction; a second run finds the marker unit and does nothing.
//!
//! One module per concern, each a `load` step run in order by [`seed_demo`]; a new
//! concern is one more module and one more line below.

mod campaigns;
mod clusters;
mod council;
mod exemplars;
mod reports;
mod snapshots;
mod succession;
mod units;

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use thidua_domain::access::Actor;
use thidua_domain::id::{CampaignId, ExemplarId, FieldId, UnitId};
use thidua_domain::text::{LongText, Title};

use crate::error::StoreError;
use crate::{fields, org_units, programme};

pub const DEMO_PASSWORD: &str = "demo-thidua-2025";

/// The unit whose presence means the demo set is already loaded.
const MARKER_UNIT: &str = "DEMO-SNV";

type Ymd = (i32, u32, u32);

fn date((y, m, d): Ymd) -> Result<NaiveDate, StoreError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| StoreError::Internal("bad demo date".into()))
}

/// A title marked as demo data.
fn demo_title(text: &str) -> Result<Title, StoreError> {
    Ok(Title::parse(&format!("{text} (demo)"))?)
}

fn long_text(text: &str) -> Result<Option<LongText>, StoreError> {
    Ok(LongText::parse_optional(Some(text))?)
}

/// What the steps share: the acting demo administrator and the ids made so far, by code.
struct Demo {
    actor: Actor,
    programme_id: uuid::Uuid,
    fields: HashMap<String, FieldId>,
    units: HashMap<&'static str, UnitId>,
    campaigns: HashMap<&'static str, CampaignId>,
    exemplars: HashMap<&'static str, ExemplarId>,
}

impl Demo {
    fn unit(&self, code: &str) -> Result<UnitId, StoreError> {
        self.units
            .get(code)
            .copied()
            .ok_or(StoreError::NotFound("demo unit"))
    }

    fn field(&self, code: &str) -> Result<FieldId, StoreError> {
        self.fields
            .get(code)
            .copied()
            .ok_or(StoreError::NotFound("field"))
    }

    fn campaign(&self, code: &str) -> Result<CampaignId, StoreError> {
        self.campaigns
            .get(code)
            .copied()
            .ok_or(StoreError::NotFound("demo campaign"))
    }

    fn exemplar(&self, key: &str) -> Result<ExemplarId, StoreError> {
        self.exemplars
            .get(key)
            .copied()
            .ok_or(StoreError::NotFound("demo exemplary model"))
    }
}

/// Loads the demo set unless it is already there. Expects `seed_core` to have run.
/// `render` writes the snapshots' notes (in the province's language).
pub async fn seed_demo(
    db: &impl ConnectionTrait,
    render: crate::snapshots::RenderNote<'_>,
) -> Result<(), StoreError> {
    if org_units::by_code(db, MARKER_UNIT).await?.is_some() {
        return Ok(());
    }
    let root = org_units::by_code(db, super::ROOT_UNIT_CODE)
        .await?
        .ok_or(StoreError::NotFound("root unit"))?;
    let prog = programme::by_code(db, super::PROGRAMME_CODE)
        .await?
        .ok_or(StoreError::NotFound("programme"))?;
    let system = super::system_actor(&root.path);
    let fields = fields::all(db)
        .await?
        .into_iter()
        .map(|f| (f.code, FieldId::from_uuid(f.id)))
        .collect();

    let (units, actor) = units::load(db, &system, &root).await?;
    let mut demo = Demo {
        actor,
        programme_id: prog.id,
        fields,
        units,
        campaigns: HashMap::new(),
        exemplars: HashMap::new(),
    };
    campaigns::load(db, &mut demo).await?;
    clusters::load(db, &demo).await?;
    exemplars::load(db, &mut demo).await?;
    reports::load(db, &demo).await?;
    council::load(db, &demo).await?;
    // After the honours of the former districts, which carry over.
    succession::load(db, &demo).await?;
    snapshots::load(db, &demo, render).await?;
    Ok(())
}
