//! The CLI's rows and files as a data user pipes them into other tools: csv that every csv
//! reader reads, tables safe for a terminal, `-o` files written whole or not at all.

mod common;

use common::{NOW, Server, env_refs, text, xengage_with};

fn totals(emu: &Server, ids: &str, extra: &[&str]) -> std::process::Output {
    let env = emu.oauth1_env();
    let url = emu.url();
    let mut args = vec![
        "request",
        "totals",
        "--ids",
        ids,
        "--metrics",
        "favorites",
        "--base-url",
        &url,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    xengage_with(&args, &env_refs(&env))
}

/// RFC 4180: a field holding CR must be quoted; otherwise every CSV reader splits the row.
#[test]
fn csv_quotes_a_grouping_name_holding_a_carriage_return() {
    let emu = Server::emulator();
    let id = emu.post_ids(0)[0].clone();
    let out = totals(
        &emu,
        &id,
        &[
            "--group-by",
            "a\rb=tweet.id,engagement.type",
            "--format",
            "csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.contains("\"a\rb\","), "CR not quoted: {csv:?}");
}

/// `--help`: "csv: Comma-separated, with a header line" — also when no post has values.
#[test]
fn csv_without_rows_still_has_its_header_line() {
    let emu = Server::emulator();
    let deleted = emu.ready["accounts"][0]["deleted_post_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let out = totals(&emu, &deleted, &["--format", "csv"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("grouping,post_id,metric,bucket,time,value\n"),
        "stdout: {:?}",
        text(&out.stdout)
    );
}

fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{9FFF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `--help`: "table: Aligned columns" — with a CJK grouping name too.
#[test]
fn table_columns_stay_aligned_with_wide_grouping_names() {
    let emu = Server::emulator();
    let id = emu.post_ids(0)[0].clone();
    let out = totals(
        &emu,
        &id,
        &[
            "--group-by",
            "日本語=tweet.id,engagement.type",
            "--group-by",
            "by-post=tweet.id,engagement.type",
            "--format",
            "table",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let columns: Vec<usize> = table
        .lines()
        .map(|l| {
            let at = l.find(&id).or_else(|| l.find("post_id")).unwrap();
            display_width(&l[..at])
        })
        .collect();
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "post_id starts at columns {columns:?}:\n{table}"
    );
}

/// A table is for a terminal: an escape sequence in a grouping name (from a request file in
/// `parse`, or a flag) must not reach it raw.
#[test]
fn table_does_not_print_control_characters_raw() {
    let emu = Server::emulator();
    let id = emu.post_ids(0)[0].clone();
    let out = totals(
        &emu,
        &id,
        &[
            "--group-by",
            "\u{1b}[2J\u{1b}[31mred=tweet.id,engagement.type",
            "--format",
            "table",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!out.stdout.contains(&0x1b), "{:?}", text(&out.stdout));
}

/// README: exit `1` is "API or network failure", `2` "invalid input". An `-o` path that cannot
/// be written is the user's input; and `request` should not spend a request before finding out.
#[test]
fn an_unwritable_output_path_is_invalid_input_found_before_sending() {
    let emu = Server::emulator();
    let id = emu.post_ids(0)[0].clone();
    let dir = std::env::temp_dir();
    let out = totals(&emu, &id, &["-o", dir.to_str().unwrap()]);
    assert!(text(&out.stderr).contains(dir.to_str().unwrap()));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// `-o FILE` with `--dry-run` writes the request there, not to stdout; `--format` (for rows)
/// is refused with it.
#[test]
fn a_dry_run_goes_to_the_output_file() {
    let emu = Server::emulator();
    let id = emu.post_ids(0)[0].clone();
    let path = std::env::temp_dir().join(format!("xengage-dry-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let out = totals(&emu, &id, &["--dry-run", "-o", path.to_str().unwrap()]);
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let v: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(v["method"], "POST");
    let out = totals(&emu, &id, &["--dry-run", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// `parse --help`: "a v1 request body with --endpoint". Given a v2 endpoint, the body's five
/// ids are dropped and the error asks for "at least one post id" instead of a v1 endpoint.
#[test]
fn parse_with_a_v2_endpoint_for_a_v1_body_names_the_endpoint_as_the_problem() {
    let dir = std::env::temp_dir();
    let body = dir.join(format!("xengage-body-{}.json", std::process::id()));
    std::fs::write(
        &body,
        r#"{"tweet_ids":["1070059276213702656"],"engagement_types":["favorites"],"groupings":{"g":{"group_by":["tweet.id","engagement.type"]}}}"#,
    )
    .unwrap();
    let out = xengage_with(
        &[
            "parse",
            "--request",
            body.to_str().unwrap(),
            "--response",
            body.to_str().unwrap(),
            "--endpoint",
            "insights-28hr",
        ],
        &[],
    );
    let _ = std::fs::remove_file(&body);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--endpoint"), "{err}");
}

/// An earlier `-o` file stays as it was when a run ends before writing it: invalid input
/// (exit 2), or every request failed (exit 1). A run that answers replaces it whole.
#[test]
fn an_existing_output_file_is_replaced_only_by_a_run_that_answered() {
    let emu = Server::emulator();
    let env = emu.oauth1_env();
    let url = emu.url();
    let id = emu.post_ids(0)[0].clone();
    let path = std::env::temp_dir().join(format!("xengage-keep-{}.csv", std::process::id()));
    let file = path.to_str().unwrap().to_owned();
    std::fs::write(&path, "yesterday's rows\n").unwrap();
    let collect = |metrics: &str, env: &[(&str, &str)]| {
        xengage_with(
            &[
                "collect",
                "totals",
                "--ids",
                &id,
                "--metrics",
                metrics,
                "--base-url",
                &url,
                "--now",
                NOW,
                "--format",
                "csv",
                "-o",
                &file,
            ],
            env,
        )
    };
    let out = collect("favourites", &env_refs(&env));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "yesterday's rows\n"
    );
    let mut wrong = env.clone();
    for (k, v) in &mut wrong {
        if *k == "X_CONSUMER_SECRET" {
            *v = "wrong".to_owned();
        }
    }
    let out = collect("favorites", &env_refs(&wrong));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "yesterday's rows\n"
    );
    let out = collect("favorites", &env_refs(&env));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("grouping,post_id,"), "{written}");
    let _ = std::fs::remove_file(&path);
    // A file the run made and never wrote is not left behind.
    let out = collect("favorites", &env_refs(&wrong));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!path.exists());
}
