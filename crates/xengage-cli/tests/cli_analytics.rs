//! `xengage emulate --print-env` feeding `xengage request analytics` and `media-analytics`
//! through the environment, and the notice of the retired v2 insights endpoints.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{NOW, text, xengage_with};

/// The variables an emulator started with `--print-env` prints, and the process (killed on
/// drop).
struct EnvEmulator {
    child: std::process::Child,
    vars: HashMap<String, String>,
}

impl Drop for EnvEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator_env() -> EnvEmulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xengage"))
        .args([
            "emulate",
            "--port",
            "0",
            "--now",
            NOW,
            "--seed",
            "3",
            "--posts",
            "60",
            "--print-env",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut vars = HashMap::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while vars.len() < 9 {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "{vars:?}");
        let rest = line
            .trim_end()
            .strip_prefix("export ")
            .unwrap_or_else(|| panic!("{line:?}"));
        let (k, v) = rest.split_once('=').unwrap();
        // Single-quoted, no quote inside in these values.
        let v = v
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap();
        vars.insert(k.to_owned(), v.to_owned());
    }
    EnvEmulator { child, vars }
}

#[test]
fn print_env_sets_up_a_shell_for_post_and_media_analytics() {
    let emu = emulator_env();
    for key in [
        "X_BASE_URL",
        "X_USER_TOKEN",
        "X_CONSUMER_KEY",
        "X_ACCESS_TOKEN_SECRET",
    ] {
        assert!(!emu.vars[key].is_empty(), "{key}");
    }
    let env = [
        ("X_BASE_URL", emu.vars["X_BASE_URL"].as_str()),
        ("X_USER_TOKEN", emu.vars["X_USER_TOKEN"].as_str()),
    ];
    let ids: Vec<&str> = emu.vars["X_POST_IDS"].split(',').take(3).collect();
    let out = xengage_with(
        &[
            "request",
            "analytics",
            "--ids",
            &ids.join(","),
            "--metrics",
            "impressions,likes",
            "--start",
            "2026-11-20",
            "--end",
            "2026-11-21",
            "--granularity",
            "daily",
            "--now",
            NOW,
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for id in &ids {
        assert!(stdout.contains(id), "{stdout}");
    }
    let keys: Vec<&str> = emu.vars["X_MEDIA_KEYS"].split(',').take(2).collect();
    assert_eq!(keys.len(), 2, "{:?}", emu.vars);
    let out = xengage_with(
        &[
            "request",
            "media-analytics",
            "--media-keys",
            &keys.join(","),
            "--metrics",
            "video_views,playback25",
            "--start",
            "2026-11-20",
            "--end",
            "2026-11-21",
            "--now",
            NOW,
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(keys[0]), "{}", text(&out.stdout));
    // Post ids are not media keys.
    let out = xengage_with(
        &[
            "request",
            "media-analytics",
            "--ids",
            ids[0],
            "--metrics",
            "video_views",
            "--start",
            "2026-11-20",
            "--end",
            "2026-11-21",
            "--now",
            NOW,
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("media keys"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_retired_insights_endpoints_say_so_once_and_name_their_successor() {
    let emu = emulator_env();
    let env = [
        ("X_BASE_URL", emu.vars["X_BASE_URL"].as_str()),
        ("X_USER_TOKEN", emu.vars["X_USER_TOKEN"].as_str()),
    ];
    let ids: Vec<&str> = emu.vars["X_POST_IDS"].split(',').take(2).collect();
    for command in ["request", "collect"] {
        let out = xengage_with(
            &[
                command,
                "insights-28hr",
                "--ids",
                &ids.join(","),
                "--metrics",
                "Likes",
                "--granularity",
                "Hourly",
                "--now",
                NOW,
            ],
            &env,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert_eq!(stderr.matches("2.167").count(), 1, "{command}: {stderr}");
        assert!(stderr.contains("successor is analytics"), "{stderr}");
        if command == "collect" {
            // The summary says which quota paced the job.
            assert!(stderr.contains("paced by the v2 window quota"), "{stderr}");
        }
    }
    // The dry run lists it among the request's notices.
    let out = xengage_with(
        &[
            "request",
            "insights-28hr",
            "--ids",
            ids[0],
            "--metrics",
            "Likes",
            "--granularity",
            "Hourly",
            "--dry-run",
            "--now",
            NOW,
        ],
        &[],
    );
    assert!(
        text(&out.stdout).contains("endpoint_retired"),
        "{}",
        text(&out.stdout)
    );
}
