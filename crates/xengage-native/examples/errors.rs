//! Matching errors: a 401, a timeout and a refused connection told apart by accessors, and
//! "not every post served" turned into an error on demand.
//!
//! `cargo run -p xengage-native --example errors`

use std::time::Duration;

use xengage_core::auth::{Credentials, OAuth1Credentials};
use xengage_core::pace::RetryPolicy;
use xengage_core::response::{ApiErrorKind, PostStatus};
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Emulator, EmulatorConfig};
use xengage_native::{Client, SendError};

/// What a program would do about `result`.
fn explain(result: Result<xengage_native::Collected, SendError>) -> String {
    match result {
        Ok(collected) => match collected.ensure_served() {
            Ok(()) => format!("served: {} rows", collected.outcome.row_count()),
            Err(not_served) => format!(
                "answered, but {} of {} posts not served ({} forbidden): {not_served}",
                not_served.posts.len(),
                not_served.asked,
                not_served.count(PostStatus::Forbidden)
            ),
        },
        Err(e) if e.status() == Some(401) => "401: check the credentials".to_owned(),
        Err(e)
            if e.api_error()
                .is_some_and(|a| a.kind == ApiErrorKind::RateLimited) =>
        {
            "over the quota after every retry: later".to_owned()
        }
        Err(e) if e.is_timeout() => "timeout: the server is slow; raise the timeout".to_owned(),
        Err(e) if e.is_connect() => "cannot connect: is the server up?".to_owned(),
        Err(SendError::Invalid(invalid)) => format!("invalid request: {invalid}"),
        Err(e) => format!("other failure (retryable: {}): {e}", e.is_retryable()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let builder = Client::builder()
        .base_url(&emulator.url())
        .now(emulator.now())
        .timeout(Duration::from_millis(500))
        .retry(RetryPolicy::default().max_retries(0));
    let world = emulator.world();
    let ids = |account| -> Vec<String> {
        world
            .owned_post_ids(account)
            .iter()
            .take(3)
            .map(|id| id.as_str().to_owned())
            .collect()
    };
    let spec = |account| {
        RequestSpec::new(Endpoint::Last28Hours)
            .post_ids(ids(account))
            .metrics(["favorites"])
    };

    let owner = builder
        .clone()
        .credentials(emulator.credentials().oauth1(0))
        .build()?;
    println!("own posts:        {}", explain(owner.send(&spec(0)).await));
    println!("another's posts:  {}", explain(owner.send(&spec(1)).await));

    let stranger = builder
        .clone()
        .credentials(Credentials::OAuth1User(OAuth1Credentials::new(
            "ck", "cs", "at", "ats",
        )))
        .build()?;
    println!(
        "bad credentials:  {}",
        explain(stranger.send(&spec(0)).await)
    );

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}", listener.local_addr()?)
    };
    let nobody = builder
        .base_url(&closed)
        .credentials(emulator.credentials().oauth1(0))
        .build()?;
    println!(
        "nothing listening: {}",
        explain(nobody.send(&spec(0)).await)
    );

    emulator.shutdown().await;
    Ok(())
}
