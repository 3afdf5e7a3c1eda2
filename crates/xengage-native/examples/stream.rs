//! Collect with a stream: start the emulator, read the same `X_*` variables the `xengage`
//! command reads (here filled from the emulator's own credentials), and stream the rows of a
//! bulk job as each batch is answered.
//!
//! `cargo run -p xengage-native --example stream`

use std::time::Duration;

use futures_util::StreamExt;
use xengage_core::auth::Credentials;
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Emulator, EmulatorConfig};
use xengage_native::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let account = &emulator.credentials().accounts[0];
    let consumer_key = emulator.credentials().consumer_key.clone();
    let consumer_secret = emulator
        .credentials()
        .consumer_secret
        .expose_secret()
        .to_owned();
    // In a real program: `Credentials::from_env()?`. Here the same rules read a table.
    let variables = [
        ("X_CONSUMER_KEY", consumer_key),
        ("X_CONSUMER_SECRET", consumer_secret),
        ("X_ACCESS_TOKEN", account.access_token.clone()),
        (
            "X_ACCESS_TOKEN_SECRET",
            account.access_token_secret.expose_secret().to_owned(),
        ),
    ];
    let credentials = Credentials::from_lookup(|name| {
        variables
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })?;

    let client = Client::builder()
        .credentials(credentials)
        .base_url(&emulator.url())
        .now(emulator.now()) // the emulator's clock, for validation and planning
        .quota_window(Duration::from_millis(200)) // its minute (EmulatorConfig::minute)
        .build()?;

    let ids: Vec<String> = emulator
        .world()
        .owned_post_ids(0)
        .iter()
        .take(60)
        .map(|id| id.as_str().to_owned())
        .collect();
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids)
        .metrics(["impressions", "favorites"]);
    let job = client.collect(&spec)?;
    println!("{} requests planned", job.planned());
    let mut rows = job.rows();
    let mut count = 0;
    while let Some((grouping, row)) = rows.next().await {
        if count < 5 {
            println!("{grouping}: {row:?}");
        }
        count += 1;
    }
    let summary = rows.finish().await;
    println!("{count} rows; ledger: {:?}", summary.ledger.counts());
    emulator.shutdown().await;
    Ok(())
}
