//! Several credentials in one client: OAuth 1.0a signs v1, the OAuth 2.0 user token signs v2,
//! and an explicit choice (the bearer token on totals, for public posts) overrides the rule.
//!
//! `cargo run -p xengage-native --example credentials`

use xengage_core::auth::CredentialSet;
use xengage_core::{CredentialKind, Endpoint, RequestSpec};
use xengage_emulator::{Emulator, EmulatorConfig};
use xengage_native::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let creds = emulator.credentials();
    // What `Credentials::from_env()` returns when X_CONSUMER_KEY ... X_ACCESS_TOKEN_SECRET,
    // X_USER_TOKEN and X_BEARER_TOKEN are all set.
    let all = CredentialSet::new()
        .with(creds.oauth1(0))
        .with(creds.oauth2(0))
        .with(creds.app_only());
    for endpoint in [
        Endpoint::Totals,
        Endpoint::Historical,
        Endpoint::Insights28Hours,
    ] {
        println!(
            "{endpoint}: signed with {}",
            all.for_endpoint(endpoint)?.kind()
        );
    }
    let client = Client::builder()
        .credentials(all.clone())
        .base_url(&emulator.url())
        .now(emulator.now())
        .build()?;
    let mine: Vec<String> = emulator
        .world()
        .public_post_ids(0)
        .iter()
        .take(2)
        .map(|id| id.as_str().to_owned())
        .collect();
    let v1 = client
        .send(
            &RequestSpec::new(Endpoint::Last28Hours)
                .post_ids(mine.clone())
                .metrics(["favorites"]),
        )
        .await?;
    println!("28hr (OAuth 1.0a): {} rows", v1.outcome.row_count());
    let v2 = client
        .send(
            &RequestSpec::new(Endpoint::Insights28Hours)
                .post_ids(mine)
                .metrics(["Likes"])
                .granularity("Total"),
        )
        .await?;
    println!(
        "insights-28hr (user token): {} rows",
        v2.outcome.row_count()
    );

    // Public posts of another account on totals: the bearer token, chosen explicitly.
    let theirs: Vec<String> = emulator
        .world()
        .public_post_ids(1)
        .iter()
        .take(2)
        .map(|id| id.as_str().to_owned())
        .collect();
    let app = Client::builder()
        .credentials(all)
        .auth(CredentialKind::AppOnly)
        .base_url(&emulator.url())
        .now(emulator.now())
        .build()?;
    let totals = app
        .send(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids(theirs)
                .metrics(["favorites", "retweets"]),
        )
        .await?;
    totals.ensure_served()?;
    println!("totals (bearer token): {} rows", totals.outcome.row_count());
    emulator.shutdown().await;
    Ok(())
}
