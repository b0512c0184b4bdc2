//! The non-serving subcommands: migrate, seed, schema, user, documents, keys.

use anyhow::{Context as _, bail};
use sea_orm::TransactionTrait;
use secrecy::{ExposeSecret as _, SecretString};
use thidua_domain::access::Role;
use thidua_domain::id::{UnitId, UserId};
use thidua_persistence::{org_units, seed, users};

use crate::config::{
    CommendationTotalsCommand, DocumentsCommand, KeysCommand, RoleArg, RollupsCommand, Settings,
    UserCommand,
};
use crate::startup::{connect, prepare_database};

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    db.migrate().await.context("migrating")?;
    println!("migrations applied");
    Ok(())
}

pub async fn snapshot(settings: &Settings) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    prepare_database(&db, settings).await?;
    let n = crate::startup::take_snapshots(&db).await?;
    println!("{n} target snapshots taken");
    Ok(())
}

/// `thidua events prune [--older-than-days N]`: deletes old events from the outbox.
pub async fn prune_events(settings: &Settings, older_than_days: Option<u32>) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    prepare_database(&db, settings).await?;
    let keep = match older_than_days {
        Some(d) => chrono::Duration::days(i64::from(d)),
        None => settings.events.retention(),
    };
    let n = thidua_persistence::outbox::prune(&db.conn, chrono::Utc::now() - keep)
        .await
        .context("pruning events")?;
    println!("{n} events pruned");
    Ok(())
}

pub async fn progress_rollups(settings: &Settings, cmd: RollupsCommand) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    prepare_database(&db, settings).await?;
    match cmd {
        RollupsCommand::Rebuild => {
            let rows = thidua_persistence::progress_rollups::rebuild(&db)
                .await
                .context("rebuilding the progress rollups")?;
            println!("{rows} progress rollup rows rebuilt");
        }
    }
    Ok(())
}

pub async fn commendation_totals(
    settings: &Settings,
    cmd: CommendationTotalsCommand,
) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    prepare_database(&db, settings).await?;
    match cmd {
        CommendationTotalsCommand::Rebuild => {
            let rows = thidua_persistence::commendation_totals::rebuild(&db)
                .await
                .context("rebuilding the commendation totals")?;
            println!("{rows} commendation total rows rebuilt");
        }
    }
    Ok(())
}

pub async fn seed(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    prepare_database(&db, settings).await?;
    if demo {
        let txn = db.conn.begin().await?;
        seed::seed_demo(&txn, &|m| {
            thidua_api::i18n::render(thidua_api::i18n::Locale::Vi, m)
        })
        .await
        .context("loading demo data")?;
        txn.commit().await?;
        println!(
            "demo data loaded (codes start with DEMO-; demo users share the password {})",
            seed::DEMO_PASSWORD
        );
    } else {
        println!("seed data loaded");
    }
    Ok(())
}

pub fn schema() {
    print!("{}", thidua_api::sdl());
}

fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Admin => Role::Admin,
        RoleArg::Council => Role::Council,
        RoleArg::Manager => Role::Manager,
        RoleArg::Reporter => Role::Reporter,
        RoleArg::Viewer => Role::Viewer,
    }
}

pub async fn user(settings: &Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    prepare_database(&db, settings).await?;
    let root = org_units::by_code(&db.conn, seed::ROOT_UNIT_CODE)
        .await?
        .context("the root unit is missing")?;
    let actor = seed::system_actor(&root.path);
    match cmd {
        UserCommand::Create {
            username,
            display_name,
            home_unit,
            password,
        } => {
            let unit_id = match home_unit {
                Some(code) => Some(UnitId::from_uuid(
                    org_units::by_code(&db.conn, &code)
                        .await?
                        .with_context(|| format!("no unit has the code {code}"))?
                        .id,
                )),
                None => None,
            };
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (
                    SecretString::from(thidua_domain::password::generate(&username)),
                    true,
                ),
            };
            let txn = db.conn.begin().await?;
            let new = users::NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password: password.expose_secret().to_owned(),
            };
            let profile = users::Profile {
                unit_id,
                ..users::Profile::default()
            };
            let u = match users::create_with(&txn, &actor, new, profile, true).await {
                Ok(u) => u,
                Err(e) => bail!("{e}"),
            };
            txn.commit().await?;
            println!("created user {}", u.username);
            if generated {
                println!("password (shown once): {}", password.expose_secret());
            }
        }
        UserCommand::Grant {
            username,
            role: r,
            unit,
        } => {
            let u = users::by_username(&db.conn, &username)
                .await?
                .with_context(|| format!("no user {username}"))?;
            let unit = org_units::by_code(&db.conn, &unit)
                .await?
                .with_context(|| format!("no unit with code {unit}"))?;
            let txn = db.conn.begin().await?;
            if let Err(e) = users::grant(
                &txn,
                &actor,
                UserId::from_uuid(u.id),
                role(r),
                UnitId::from_uuid(unit.id),
                true,
            )
            .await
            {
                bail!("{e}");
            }
            txn.commit().await?;
            println!("granted {} to {} on {}", role(r), u.username, unit.code);
        }
    }
    Ok(())
}

/// `thidua documents register FILE...`: stores each file's text as a trusted document
/// (under the sha256 of its exact bytes) and prints `<sha256>  <file>`, as `sha256sum` does.
pub async fn documents(settings: &Settings, cmd: DocumentsCommand) -> anyhow::Result<()> {
    let DocumentsCommand::Register { files } = cmd;
    // Read and check every file before touching the database: all or nothing on bad input.
    let mut docs = Vec::with_capacity(files.len());
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        if let Err(e) = async_graphql::parser::parse_query(&text) {
            bail!("{} is not a GraphQL document: {e}", f.display());
        }
        docs.push((f, text));
    }
    let db = connect(settings).await?;
    db.migrate().await.context("migrating")?;
    for (f, text) in docs {
        let hash = crate::apq::register_trusted_document(&db.conn, &text)
            .await
            .with_context(|| format!("registering {}", f.display()))?;
        println!("{hash}  {}", f.display());
    }
    Ok(())
}

/// `thidua keys …`: see README, "Rotating the signing key".
pub fn keys(settings: &Settings, cmd: KeysCommand) -> anyhow::Result<()> {
    use base64::Engine as _;
    match cmd {
        KeysCommand::Generate => {
            let mut bytes = [0u8; 32];
            bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            println!("secret: {secret}");
            println!("kid:    {}", thidua_api::auth::key_id(secret.as_bytes()));
        }
        KeysCommand::List => {
            let (signing, generated) = settings.jwt_secret_bytes()?;
            if generated {
                println!("signing: none configured (a random per-process secret is used)");
            } else {
                println!("signing:  {}", thidua_api::auth::key_id(&signing));
            }
            for s in settings.jwt_accepted_secrets()? {
                println!("accepted: {}", thidua_api::auth::key_id(&s));
            }
        }
    }
    Ok(())
}
