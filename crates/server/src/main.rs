// The root query merges four groups of query objects: deeper than rustc's default.
#![recursion_limit = "256"]

use clap::Parser;
use thidua_server::config::{Cli, Command, EventsCommand};
use thidua_server::startup::Application;
use thidua_server::{cli, healthcheck, telemetry};

/// See the `mimalloc` feature in this crate's manifest.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Cli { command, settings } = Cli::parse();
    match command {
        Some(Command::Schema) => {
            cli::schema();
            return Ok(());
        }
        Some(Command::Healthcheck { url, timeout_secs }) => {
            let url = url.unwrap_or_else(|| healthcheck::default_url(settings.http.port));
            let timeout = std::time::Duration::from_secs(timeout_secs.clamp(1, 60));
            return match healthcheck::probe(&url, timeout)? {
                200 => Ok(()),
                status => anyhow::bail!("{url} answered {status}"),
            };
        }
        None | Some(Command::Serve) => {}
        _ => {}
    }
    telemetry::init(&settings.log.filter, settings.log.format, std::io::stderr);
    match command {
        None | Some(Command::Serve) => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Some(Command::Migrate) => cli::migrate(&settings).await?,
        Some(Command::Seed { demo }) => cli::seed(&settings, demo).await?,
        Some(Command::User(cmd)) => cli::user(&settings, cmd).await?,
        Some(Command::Documents(cmd)) => cli::documents(&settings, cmd).await?,
        Some(Command::Keys(cmd)) => cli::keys(&settings, cmd)?,
        Some(Command::Schema) => cli::schema(),
        Some(Command::Healthcheck { .. }) => {}
        Some(Command::Snapshot) => cli::snapshot(&settings).await?,
        Some(Command::Events(EventsCommand::Prune { older_than_days })) => {
            cli::prune_events(&settings, older_than_days).await?
        }
        Some(Command::ProgressRollups(cmd)) => cli::progress_rollups(&settings, cmd).await?,
        Some(Command::CommendationTotals(cmd)) => cli::commendation_totals(&settings, cmd).await?,
    }
    Ok(())
}
