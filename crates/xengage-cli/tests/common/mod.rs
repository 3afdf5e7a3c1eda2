//! Running the `xengage` binary, and an emulator process for it to talk to.
#![allow(dead_code)] // each test file uses part of this

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

pub(crate) const NOW: &str = "2026-11-22T12:00:00Z";
pub(crate) const CREDENTIAL_VARS: [&str; 6] = [
    "X_BEARER_TOKEN",
    "X_USER_TOKEN",
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
];

/// `xengage ARGS` with exactly the credential variables given.
pub(crate) fn xengage_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xengage"));
    for var in CREDENTIAL_VARS {
        cmd.env_remove(var);
    }
    cmd.env_remove("X_BASE_URL");
    cmd.envs(env.iter().copied()).args(args).output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A server process that prints one JSON line when ready; killed on drop.
pub(crate) struct Server {
    child: Child,
    pub(crate) ready: serde_json::Value,
}

impl Server {
    pub(crate) fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xengage"));
        for var in CREDENTIAL_VARS {
            cmd.env_remove(var);
        }
        cmd.env_remove("X_BASE_URL");
        let mut child = cmd
            .envs(env.iter().copied())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        Server { child, ready }
    }

    pub(crate) fn url(&self) -> String {
        self.ready["url"].as_str().unwrap().to_owned()
    }

    /// An emulator with a fixed clock.
    pub(crate) fn emulator() -> Server {
        Server::start(
            &[
                "emulate",
                "--port",
                "0",
                "--now",
                NOW,
                "--seed",
                "3",
                "--posts",
                "60",
                "--minute-ms",
                "1000",
            ],
            &[],
        )
    }

    /// The emulator's OAuth 1.0a credentials of account 0, as environment variables.
    pub(crate) fn oauth1_env(&self) -> Vec<(&'static str, String)> {
        let r = &self.ready;
        let a = &r["accounts"][0];
        vec![
            (
                "X_CONSUMER_KEY",
                r["consumer_key"].as_str().unwrap().to_owned(),
            ),
            (
                "X_CONSUMER_SECRET",
                r["consumer_secret"].as_str().unwrap().to_owned(),
            ),
            (
                "X_ACCESS_TOKEN",
                a["access_token"].as_str().unwrap().to_owned(),
            ),
            (
                "X_ACCESS_TOKEN_SECRET",
                a["access_token_secret"].as_str().unwrap().to_owned(),
            ),
        ]
    }

    pub(crate) fn post_ids(&self, account: usize) -> Vec<String> {
        self.ready["accounts"][account]["post_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A plain HTTP client for talking to servers in tests.
pub(crate) fn http() -> reqwest::Client {
    // reqwest is built without a default crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
