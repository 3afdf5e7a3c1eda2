//! End-to-end tests of every command against an emulator process: rows, formats, files, the
//! ledger on stderr, and each documented exit code.

mod common;

use common::{NOW, Server, env_refs, text, xengage_with};

fn ids_arg(ids: &[String]) -> String {
    ids.join(",")
}

#[test]
fn request_sends_and_prints_rows_as_jsonl() {
    let emu = Server::emulator();
    let env = emu.oauth1_env();
    let ids = emu.post_ids(0);
    let out = xengage_with(
        &[
            "request",
            "totals",
            "--ids",
            &ids_arg(&ids[..3]),
            "--metrics",
            "favorites,retweets",
            "--base-url",
            &emu.url(),
            "--now",
            NOW,
            "--format",
            "jsonl",
        ],
        &env_refs(&env),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Keys in the documented order, for readers that go by position.
    let first = text(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let keys = ["post_id", "metric", "bucket", "time", "value", "grouping"].map(|k| {
        first
            .find(&format!("\"{k}\":"))
            .unwrap_or_else(|| panic!("{k} in {first}"))
    });
    assert!(keys.is_sorted(), "{first}");
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["bucket"], "total");
    assert!(
        rows.iter()
            .all(|r| r["value"].as_u64().is_some() && r["grouping"] == "by-post")
    );
}

#[test]
fn some_posts_not_served_exit_3_and_say_why_on_stderr() {
    let emu = Server::emulator();
    let env = emu.oauth1_env();
    let deleted = emu.ready["accounts"][0]["deleted_post_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = format!("{},{deleted}", emu.post_ids(0)[0]);
    let out = xengage_with(
        &[
            "request",
            "28hr",
            "--ids",
            &ids,
            "--metrics",
            "favorites",
            "--base-url",
            &emu.url(),
            "--now",
            NOW,
            "--format",
            "csv",
        ],
        &env_refs(&env),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("post {deleted}: unavailable")),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with("grouping,post_id,metric,bucket,time,value\n"));
}

#[test]
fn an_api_failure_exits_1_with_the_status_and_the_fix() {
    let emu = Server::emulator();
    let mut env = emu.oauth1_env();
    env[1].1 = "wrong-secret".to_owned();
    let ids = emu.post_ids(0)[..3].join(",");
    // collect likewise: nothing served because every request failed is exit 1, not partial.
    for (command, said) in [
        ("request", "check the credentials"),
        // A 401 stops a job at once, saying how to resume.
        ("collect", "refused the credentials"),
    ] {
        let out = xengage_with(
            &[
                command,
                "totals",
                "--ids",
                &ids,
                "--metrics",
                "favorites",
                "--base-url",
                &emu.url(),
                "--now",
                NOW,
            ],
            &env_refs(&env),
        );
        assert_eq!(out.status.code(), Some(1), "{command}");
        let err = text(&out.stderr);
        assert!(
            err.contains("401") && err.contains(said),
            "{command}: {err}"
        );
        assert!(!err.contains("wrong-secret"), "{err}");
    }
}

#[test]
fn a_missing_credential_exits_2_and_names_the_variables() {
    let out = xengage_with(
        &[
            "request",
            "historical",
            "--ids",
            "1990000000000000001",
            "--metrics",
            "impressions",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("X_CONSUMER_KEY") && err.contains("X_ACCESS_TOKEN_SECRET"),
        "{err}"
    );
    let out = xengage_with(
        &[
            "request",
            "totals",
            "--ids",
            "1990000000000000001",
            "--metrics",
            "favorites",
        ],
        &[("X_CONSUMER_KEY", "k")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("missing: X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn collect_writes_a_csv_file_and_a_summary() {
    let emu = Server::emulator();
    let env = emu.oauth1_env();
    let dir = std::env::temp_dir().join(format!("xengage-collect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ids_file = dir.join("ids.txt");
    let mut ids = emu.post_ids(0);
    ids.extend(emu.post_ids(0)); // duplicates are sent once
    std::fs::write(&ids_file, ids.join("\n")).unwrap();
    let out_file = dir.join("out.csv");
    let out = xengage_with(
        &[
            "collect",
            "historical",
            "--ids",
            &format!("@{}", ids_file.display()),
            "--metrics",
            "impressions",
            "--group-by",
            "daily=tweet.id,engagement.type,engagement.day",
            "--group-by",
            "total=tweet.id,engagement.type",
            // Windows from 13:00: their edges split days, and each window has its total.
            "--start",
            "2026-09-01T13:00:00Z",
            "--end",
            "2026-11-20T13:00:00Z",
            "--base-url",
            &emu.url(),
            "--now",
            NOW,
            "--quota-window-ms",
            "1000",
            "--format",
            "csv",
            "-o",
            &out_file.display().to_string(),
        ],
        &env_refs(&env),
    );
    let err = text(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{err}");
    let csv = std::fs::read_to_string(&out_file).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "grouping,post_id,metric,bucket,time,value");
    assert!(lines.len() > 25 * 70, "{} lines", lines.len());
    // Each key once, with its whole count: a day split by a window's edge and the totals of
    // the three windows are merged, so the days of a post add up to its total.
    let mut keys = std::collections::HashSet::new();
    let mut daily: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut total: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for line in &lines[1..] {
        let (key, value) = line.rsplit_once(',').unwrap();
        assert!(keys.insert(key.to_owned()), "{key} twice");
        let cells: Vec<&str> = key.split(',').collect();
        let value: u64 = value.parse().unwrap();
        let sums = if cells[0] == "daily" {
            &mut daily
        } else {
            &mut total
        };
        *sums.entry(cells[1].to_owned()).or_default() += value;
    }
    assert_eq!(total.len(), 25, "{total:?}");
    assert_eq!(daily, total);
    assert!(
        err.contains("posts: ") && err.contains("requests: ") && err.contains("(3 planned)"),
        "{err}"
    );
    // What planning said about the ids, before the job.
    assert!(
        err.contains("notice: post ids given more than once"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parse_reads_a_saved_answer_with_its_dry_run_request() {
    let dir = std::env::temp_dir().join(format!("xengage-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dry = xengage_with(
        &[
            "request",
            "28hr",
            "--ids",
            "123456789",
            "--metrics",
            "impressions",
            "--group-by",
            "h=tweet.id,engagement.type,engagement.day,engagement.hour",
            "--now",
            "2015-09-15T22:00:00Z",
            "--dry-run",
        ],
        &[],
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let req = dir.join("req.json");
    std::fs::write(&req, &dry.stdout).unwrap();
    let resp = dir.join("resp.json");
    std::fs::write(&resp, r#"{"start":"2015-09-14T17:00:00Z","end":"2015-09-15T22:00:00Z","h":{"123456789":{"impressions":{"2015-09-14":{"17":"551","18":412}}}}}"#).unwrap();
    let args = |status: &str| {
        vec![
            "parse".to_owned(),
            "--request".into(),
            req.display().to_string(),
            "--response".into(),
            resp.display().to_string(),
            "--status".into(),
            status.into(),
            "--now".into(),
            "2015-09-15T22:00:00Z".into(),
            "--format".into(),
            "csv".into(),
        ]
    };
    let a = args("200");
    let out = xengage_with(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "grouping,post_id,metric,bucket,time,value\nh,123456789,impressions,hour,2015-09-14T17:00:00Z,551\nh,123456789,impressions,hour,2015-09-14T18:00:00Z,412\n"
    );
    std::fs::write(
        &resp,
        r#"{"errors":["Forbidden to access tweets: 123456789"]}"#,
    )
    .unwrap();
    let a = args("403");
    let out = xengage_with(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("403: Forbidden to access tweets"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn oauth1_sign_prints_every_step_of_the_worked_example_and_no_secret() {
    let consumer_secret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
    let token_secret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
    let args = [
        "oauth1",
        "sign",
        "--method",
        "POST",
        "--url",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        "--param",
        "status=Hello Ladies + Gentlemen, a signed OAuth request!",
        "--consumer-key",
        "xvz1evFS4wEEPTGEFPHBog",
        "--token",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "--nonce",
        "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        "--timestamp",
        "1318622958",
    ];
    // The secrets as flags, or from the environment, where `ps` does not show them.
    let mut with_flags = args.to_vec();
    with_flags.extend([
        "--consumer-secret",
        consumer_secret,
        "--token-secret",
        token_secret,
    ]);
    let from_env = [
        ("X_CONSUMER_SECRET", consumer_secret),
        ("X_ACCESS_TOKEN_SECRET", token_secret),
    ];
    for out in [
        xengage_with(&with_flags, &[]),
        xengage_with(&args, &from_env),
    ] {
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["signature"], "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
        assert_eq!(v["signing_key_masked"], "***&***");
        for key in ["parameter_string", "base_string", "authorization_header"] {
            assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
        }
        let all = text(&out.stdout);
        assert!(!all.contains(consumer_secret) && !all.contains(token_secret));
    }
}

#[test]
fn dry_runs_show_the_oauth1_header_in_full_and_bearer_tokens_masked() {
    let env = [
        ("X_CONSUMER_KEY", "ck"),
        ("X_CONSUMER_SECRET", "cs-secret"),
        ("X_ACCESS_TOKEN", "at"),
        ("X_ACCESS_TOKEN_SECRET", "ats-secret"),
    ];
    let args = [
        "request",
        "totals",
        "--ids",
        "1990000000000000001",
        "--metrics",
        "impressions",
        "--now",
        NOW,
        "--dry-run",
        "--nonce",
        "n0nce",
        "--timestamp",
        "1795348800",
    ];
    let out = xengage_with(&args, &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let auth = v["headers"]["authorization"].as_str().unwrap();
    assert!(
        auth.starts_with("OAuth oauth_consumer_key=\"ck\", oauth_nonce=\"n0nce\""),
        "{auth}"
    );
    assert_eq!(v["credential"], "OAuth 1.0a user context");
    let again = xengage_with(&args, &env);
    assert_eq!(
        again.stdout, out.stdout,
        "fixed nonce and timestamp give the same bytes"
    );
    let out = xengage_with(
        &[
            "request",
            "totals",
            "--ids",
            "1990000000000000001",
            "--metrics",
            "favorites",
            "--dry-run",
        ],
        // A Windows line end left in the variable is not part of the token.
        &[("X_BEARER_TOKEN", "bearer-secret\r")],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["headers"]["authorization"], "Bearer ***");
    // The credential is checked: an app-only token cannot ask for impressions.
    let out = xengage_with(
        &[
            "request",
            "totals",
            "--ids",
            "1990000000000000001",
            "--metrics",
            "impressions",
            "--dry-run",
        ],
        &[("X_BEARER_TOKEN", "bearer-secret")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("needs user context"),
        "{}",
        text(&out.stderr)
    );
    // Incomplete OAuth 1.0a keys are the error sending would give, not an unsigned dry run.
    let out = xengage_with(&args, &env[..3]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("missing: X_ACCESS_TOKEN_SECRET"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn every_command_has_help_with_an_example_and_completions_exist() {
    for cmd in [
        "request",
        "collect",
        "parse",
        "emulate",
        "demo",
        "proxy",
        "completions",
    ] {
        let out = xengage_with(&[cmd, "--help"], &[]);
        assert!(out.status.success(), "{cmd}");
        assert!(
            text(&out.stdout).contains("Example"),
            "{cmd} --help has no example"
        );
    }
    let out = xengage_with(&["oauth1", "sign", "--help"], &[]);
    assert!(text(&out.stdout).contains("Example"));
    let out = xengage_with(&["completions", "bash"], &[]);
    assert!(out.status.success() && text(&out.stdout).contains("xengage"));
    let out = xengage_with(&["--help"], &[]);
    assert!(text(&out.stdout).contains("3 partial"));
}

#[test]
fn the_demo_output_is_its_snapshot() {
    let out = xengage_with(&["demo"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    insta::assert_snapshot!("demo", text(&out.stdout));
}

/// `xengage request ENDPOINT --ids IDS --metrics METRICS [EXTRA..]` against `url` with exactly
/// the credentials in `env`: its exit code, stdout (jsonl rows) and stderr.
fn send(
    url: &str,
    endpoint: &str,
    ids: &[String],
    metrics: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let ids = ids_arg(ids);
    let mut args = vec![
        "request",
        endpoint,
        "--ids",
        &ids,
        "--metrics",
        metrics,
        "--base-url",
        url,
        "--now",
        NOW,
        "--format",
        "jsonl",
    ];
    args.extend(extra);
    let out = xengage_with(&args, env);
    let rows = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code(), rows, text(&out.stderr))
}

fn str_list(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn posts_of(rows: &[serde_json::Value]) -> std::collections::BTreeSet<String> {
    rows.iter()
        .map(|r| r["post_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_emulate_ready_line_has_account_0_at_the_top_level_and_its_keys_work() {
    let emu = Server::emulator();
    let r = &emu.ready;
    let a0 = &r["accounts"][0];
    let key = |k: &str| {
        r[k].as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| panic!("ready line has no {k}: {r}"))
            .to_owned()
    };
    let url = key("url");
    let (bearer, user) = (key("bearer_token"), key("user_token"));
    let oauth1 = [
        ("X_CONSUMER_KEY", key("consumer_key")),
        ("X_CONSUMER_SECRET", key("consumer_secret")),
        ("X_ACCESS_TOKEN", key("access_token")),
        ("X_ACCESS_TOKEN_SECRET", key("access_token_secret")),
    ];
    // The top level is account 0, and the per-account keys are still there.
    assert_eq!(r["access_token"], a0["access_token"]);
    assert_eq!(r["access_token_secret"], a0["access_token_secret"]);
    assert_eq!(r["user_token"], a0["user_token"]);
    assert_ne!(r["access_token"], r["accounts"][1]["access_token"]);
    let owned = str_list(&r["owned_post_ids"]);
    let public = str_list(&r["public_post_ids"]);
    assert_eq!(owned, emu.post_ids(0));
    assert!(!owned.is_empty() && owned.len() <= 25, "{}", owned.len());
    assert!(!public.is_empty() && public.len() <= 25, "{}", public.len());
    // Public posts belong to another account and are neither deleted nor protected.
    let mut not_public = Vec::new();
    for list in ["post_ids", "deleted_post_ids", "protected_post_ids"] {
        not_public.extend(str_list(&a0[list]));
    }
    for list in ["deleted_post_ids", "protected_post_ids"] {
        not_public.extend(str_list(&r["accounts"][1][list]));
    }
    assert!(
        public.iter().all(|id| !not_public.contains(id)),
        "{public:?}"
    );

    // The app-only bearer token reads public metrics of the public posts, even with the line
    // end a file with Windows line ends leaves in a variable.
    let bearer_crlf = format!("{bearer}\r");
    let (code, rows, err) = send(
        &url,
        "totals",
        &public,
        "favorites",
        &[],
        &[("X_BEARER_TOKEN", &bearer_crlf)],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(posts_of(&rows), public.iter().cloned().collect());
    // OAuth 1.0a of account 0 reads every metric of its own posts...
    let env = env_refs(&oauth1);
    let (code, rows, err) = send(&url, "28hr", &owned, "impressions", &[], &env);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(posts_of(&rows), owned.iter().cloned().collect());
    // ...and is refused the other account's posts.
    let (code, rows, err) = send(&url, "totals", &public[..1], "favorites", &[], &env);
    assert_eq!(code, Some(3), "{err}");
    assert!(rows.is_empty(), "{rows:?}");
    assert!(
        err.contains(&format!("post {}: forbidden", public[0])),
        "{err}"
    );
    // With every key of the emulator set, as its ready line invites, OAuth 1.0a signs totals:
    // the public posts are forbidden to it, and the note names `--auth app`, which reads them.
    let mut every = env.clone();
    every.push(("X_BEARER_TOKEN", bearer.as_str()));
    let (code, _, err) = send(&url, "totals", &public, "favorites", &[], &every);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("--auth app"), "{err}");
    let (code, rows, err) = send(
        &url,
        "totals",
        &public,
        "favorites",
        &["--auth", "app"],
        &every,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(posts_of(&rows), public.iter().cloned().collect());
    // A choice that is not given says what to set.
    let (code, _, err) = send(
        &url,
        "totals",
        &public,
        "favorites",
        &["--auth", "user"],
        &every,
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("X_USER_TOKEN"), "{err}");
    // The OAuth 2.0 user token reads v2 insights of account 0's posts.
    let (code, rows, err) = send(
        &url,
        "insights-28hr",
        &owned,
        "Impressions",
        &["--granularity", "Total"],
        &[("X_USER_TOKEN", &user)],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(posts_of(&rows), owned.iter().cloned().collect());
}

#[test]
fn ctrl_c_during_collect_keeps_what_was_answered_and_accounts_for_the_rest() {
    // A quota of one request a minute: the first window is answered at once, the second would
    // wait a minute. Ctrl-C in between.
    let emu = Server::start(
        &[
            "emulate", "--port", "0", "--now", NOW, "--seed", "3", "--posts", "60", "--quota", "1",
        ],
        &[],
    );
    let env = emu.oauth1_env();
    let dir = std::env::temp_dir().join(format!("xengage-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("hourly.csv");
    let ids = emu.post_ids(0)[..2].join(",");
    let out_path = out_file.display().to_string();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_xengage"));
    for var in common::CREDENTIAL_VARS {
        cmd.env_remove(var);
    }
    let child = cmd
        .envs(env_refs(&env))
        .args([
            "collect",
            "historical",
            "--ids",
            &ids,
            "--metrics",
            "impressions",
            "--group-by",
            "hourly=tweet.id,engagement.type,engagement.day,engagement.hour",
            "--start",
            "2026-10-01",
            "--end",
            "2026-11-20",
            "--base-url",
            &emu.url(),
            "--now",
            NOW,
            "--format",
            "csv",
            "-o",
            &out_path,
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (a guard against hangs, not a timing assertion) for the first window's hours, in
    // the partial file the output is written to until the run ends.
    let partial = dir.join(".hourly.csv.xengage-partial");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&partial).map_or(0, |t| t.lines().count()) < 2 {
        assert!(started.elapsed().as_secs() < 30, "no rows were written");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted") && err.contains("posts: "),
        "{err}"
    );
    // It waited for the quota only until it was stopped.
    assert!(
        err.contains("waited 0.") || err.contains("waited 1."),
        "{err}"
    );
    assert!(err.contains("cancelled"), "{err}");
    assert!(
        err.trim_end().ends_with("to resume") || err.contains("job not finished: interrupted"),
        "{err}"
    );
    // The first window's hours, all of them: 28 days of 24 hours for each of the two posts,
    // renamed into place.
    assert!(!partial.exists());
    let csv = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(
        csv.lines().count() - 1,
        2 * 28 * 24,
        "{}",
        &csv[..200.min(csv.len())]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `oauth1 sign` as the README writes it: the keys and secrets from the environment the other
/// commands read, only the request and nonce/timestamp on the command line; the same signature
/// as with every flag given.
#[test]
fn oauth1_sign_takes_its_keys_from_the_environment() {
    let request = [
        "oauth1",
        "sign",
        "--method",
        "GET",
        "--url",
        "https://api.x.com/2/insights/28hr?tweet_ids=1",
        "--nonce",
        "n",
        "--timestamp",
        "1",
    ];
    let env = [
        ("X_CONSUMER_KEY", "ck"),
        ("X_CONSUMER_SECRET", "cs"),
        ("X_ACCESS_TOKEN", "at"),
        ("X_ACCESS_TOKEN_SECRET", "ts"),
    ];
    let from_env = xengage_with(&request, &env);
    assert!(from_env.status.success(), "{}", text(&from_env.stderr));
    let flags = [
        "--consumer-key",
        "ck",
        "--consumer-secret",
        "cs",
        "--token",
        "at",
        "--token-secret",
        "ts",
    ];
    let args: Vec<&str> = request.iter().chain(&flags).copied().collect();
    let from_flags = xengage_with(&args, &[]);
    assert!(from_flags.status.success(), "{}", text(&from_flags.stderr));
    assert_eq!(text(&from_env.stdout), text(&from_flags.stdout));
    assert!(text(&from_env.stdout).contains(r#"oauth_token=\"at\""#));
}

/// A post with values for some of what was asked (favorites) and not the rest (impressions of
/// a post older than 90 days) is partial: its rows are written and the exit is 3, so a script
/// does not take them for the whole answer.
#[test]
fn a_partly_served_post_exits_3() {
    let emu = Server::emulator();
    let env = emu.oauth1_env();
    let now =
        time::OffsetDateTime::parse(NOW, &time::format_description::well_known::Rfc3339).unwrap();
    let old = emu
        .post_ids(0)
        .into_iter()
        .find(|id| {
            let created = xengage_core::PostId::parse(id)
                .unwrap()
                .created_at()
                .unwrap();
            now - created > time::Duration::days(120)
        })
        .expect("account 0 owns a post older than 90 days");
    let out = xengage_with(
        &[
            "request",
            "totals",
            "--ids",
            &old,
            "--metrics",
            "impressions,favorites",
            "--base-url",
            &emu.url(),
            "--now",
            NOW,
            "--format",
            "jsonl",
        ],
        &env_refs(&env),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("post {old}: partial")), "{err}");
    assert!(text(&out.stdout).contains("\"favorites\""));
}

/// A reader that stops early (`xengage completions fish | head -1`) is not an error: exit 0,
/// nothing on stderr.
#[test]
fn a_reader_closing_the_pipe_early_ends_quietly() {
    for shell in ["fish", "bash", "zsh"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xengage"))
            .args(["completions", shell])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before anything is read.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{shell}: {}", text(&out.stderr));
    }
}

/// A dry run refuses the base URL sending would refuse (plain http beyond loopback), so it
/// never shows a request that could not be sent.
#[test]
fn a_dry_run_refuses_a_base_url_sending_would_refuse() {
    let request = [
        "request",
        "totals",
        "--ids",
        "1855000000000000001",
        "--metrics",
        "favorites",
        "--base-url",
        "http://192.0.2.1:8080",
    ];
    for dry_run in [true, false] {
        let mut args = request.to_vec();
        if dry_run {
            args.push("--dry-run");
        }
        let out = xengage_with(&args, &[("X_BEARER_TOKEN", "a-token")]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "dry run {dry_run}: {err}");
        assert!(err.contains("use https"), "{err}");
    }
}

/// `--rate-limited-retries N`: a request answered 429 is tried N more times, each after the
/// quota's window, then fails saying how many attempts it made.
#[test]
fn rate_limited_retries_bound_the_attempts_after_429s() {
    // A quota of one request a minute (the emulator's real minute), so every request after
    // the first is answered 429; the client believes the window is 10 ms, so it retries soon.
    let emu = Server::start(
        &[
            "emulate", "--port", "0", "--now", NOW, "--seed", "3", "--posts", "60", "--quota", "1",
        ],
        &[],
    );
    let env = emu.oauth1_env();
    let id = emu.post_ids(0)[0].clone();
    let url = emu.url();
    let request = |n: &str| {
        xengage_with(
            &[
                "request",
                "totals",
                "--ids",
                &id,
                "--metrics",
                "favorites",
                "--base-url",
                &url,
                "--now",
                NOW,
                "--quota-window-ms",
                "10",
                "--rate-limited-retries",
                n,
            ],
            &env_refs(&env),
        )
    };
    let first = request("0");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    for (n, attempts) in [("0", "(1 attempt)"), ("2", "(3 attempts)")] {
        let out = request(n);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("429"), "{err}");
        assert!(err.contains(attempts), "--rate-limited-retries {n}: {err}");
    }
}
