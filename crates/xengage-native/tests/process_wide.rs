//! A library installs nothing process-wide: an application that installs its own rustls
//! crypto provider after a client was built, with `.expect()`, succeeds. (Its own test binary:
//! the process-wide default can be set once.)

#[tokio::test]
async fn an_application_installs_its_own_provider_after_a_client_was_built() {
    let client = xengage_native::Client::builder().build().unwrap();
    drop(client);
    rustls::crypto::ring::default_provider()
        .install_default()
        .expect("the client installed a process-wide provider");
}
