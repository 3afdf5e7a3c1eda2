//! Long jobs that survive a kill: `collect --checkpoint` killed with SIGKILL after no, some and
//! all answers and resumed gives the output of one uninterrupted run and asks nothing twice;
//! `-o FILE` killed while rows are written leaves FILE byte for byte as it was; a checkpoint
//! that is not this job's (or is damaged) is refused with its own message, exit 2, nothing
//! sent; one whose last record was cut resumes; a 401 stops the job at once. The emulator runs
//! in this process, so its per-request counters say what each run sent. No timing: each kill
//! waits for what the checkpoint file or the emulator's counters show.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{CREDENTIAL_VARS, NOW, text};
use xengage_core::checkpoint::Checkpoint;
use xengage_core::time::macros::datetime;
use xengage_emulator::{Clock, Emulator, EmulatorConfig, FaultKind, Faults, RunningEmulator};

/// Requests of the job: 200 posts in batches of 25.
const REQUESTS: usize = 8;

/// An emulator on a runtime of its own.
struct Emu {
    emu: RunningEmulator,
    _rt: tokio::runtime::Runtime,
}

impl Emu {
    fn start(faults: Faults) -> Emu {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emu = rt
            .block_on(Emulator::start(
                EmulatorConfig::default()
                    .seed(5)
                    .now(Clock::Fixed(datetime!(2026-11-22 12:00 UTC)))
                    .posts_per_account(300)
                    .faults(faults),
            ))
            .unwrap();
        Emu { emu, _rt: rt }
    }

    /// An emulator whose 500s and 503s the client retries.
    fn faulty() -> Emu {
        Emu::start(
            Faults::default()
                .rate(0.15)
                .kinds(vec![FaultKind::Status500, FaultKind::Status503]),
        )
    }

    /// Requests answered 2xx (without a fault), summed over every distinct request.
    fn answered(&self) -> u64 {
        self.emu
            .requests_by_body()
            .values()
            .map(|c| c.answered)
            .sum()
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let c = self.emu.credentials();
        vec![
            ("X_CONSUMER_KEY", c.consumer_key.clone()),
            (
                "X_CONSUMER_SECRET",
                c.consumer_secret.expose_secret().to_owned(),
            ),
            ("X_ACCESS_TOKEN", c.accounts[0].access_token.clone()),
            (
                "X_ACCESS_TOKEN_SECRET",
                c.accounts[0].access_token_secret.expose_secret().to_owned(),
            ),
        ]
    }

    fn ids(&self) -> String {
        let ids: Vec<String> = self
            .emu
            .world()
            .public_post_ids(0)
            .iter()
            .take(200)
            .map(|p| p.as_str().to_owned())
            .collect();
        assert_eq!(ids.len(), 200);
        ids.join(",")
    }

    /// `xengage collect` of the job, writing jsonl to `out`, with `extra` flags (a flag the
    /// job already has, `--metrics` say, replaces the job's).
    fn command(&self, out: &Path, extra: &[&str]) -> Command {
        let ids = self.ids();
        let url = self.emu.url();
        let mut flags: Vec<(&str, &str)> = vec![
            ("--ids", &ids),
            ("--metrics", "impressions,favorites"),
            (
                "--group-by",
                "hourly=tweet.id,engagement.type,engagement.day,engagement.hour",
            ),
            ("--base-url", &url),
            ("--now", NOW),
            ("--quota-window-ms", "1000"),
            ("--concurrency", "2"),
            ("--retries", "10"),
            ("--format", "jsonl"),
        ];
        for pair in extra.chunks(2) {
            match flags.iter_mut().find(|(flag, _)| *flag == pair[0]) {
                Some(f) => f.1 = pair[1],
                None => flags.push((pair[0], pair[1])),
            }
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xengage"));
        for var in CREDENTIAL_VARS {
            cmd.env_remove(var);
        }
        cmd.envs(self.env())
            .args(["collect", "28hr", "-o"])
            .arg(out);
        for (flag, value) in flags {
            cmd.args([flag, value]);
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        cmd
    }

    /// The distinct requests answered (2xx without a fault), and how often each was.
    fn answered_bodies(&self) -> std::collections::BTreeMap<String, u64> {
        self.emu
            .requests_by_body()
            .into_iter()
            .filter(|(_, c)| c.answered > 0)
            .map(|(body, c)| (body, c.answered))
            .collect()
    }

    fn run(&self, out: &Path, extra: &[&str]) -> Output {
        self.command(out, extra).output().unwrap()
    }

    fn spawn(&self, out: &Path, extra: &[&str]) -> Child {
        self.command(out, extra).spawn().unwrap()
    }
}

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xengage-resume-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until `ready` holds: a guard against a hang, not a timing assertion.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never: {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The answers a checkpoint file holds now (0 while it is not there or not whole).
fn answers_in(path: &Path) -> usize {
    std::fs::read(path)
        .ok()
        .and_then(|b| Checkpoint::read(&b).ok())
        .map_or(0, |c| c.answers())
}

fn kill(mut child: Child) {
    // SIGKILL; the child may have ended already (after all answers).
    let _ = child.kill();
    let _ = child.wait();
}

/// A jsonl output: its row lines sorted, and its summary's counts of posts.
fn rows_and_posts(path: &Path) -> (Vec<String>, serde_json::Value) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows: Vec<String> = Vec::new();
    let mut summary = None;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        match v.get("summary") {
            Some(s) => summary = Some(s.clone()),
            None => rows.push(line.to_owned()),
        }
    }
    let summary = summary.expect("a finished job's jsonl ends with its summary line");
    assert_eq!(summary["finished"], true, "{summary}");
    assert_eq!(
        text.lines().last().map(|l| l.starts_with("{\"summary\"")),
        Some(true)
    );
    rows.sort();
    (rows, summary["posts"].clone())
}

/// One uninterrupted run of the job, without a checkpoint.
fn uninterrupted(test: &str) -> (Vec<String>, serde_json::Value) {
    let emu = Emu::start(Faults::default());
    let dir = dir(&format!("{test}-whole"));
    let out = dir.join("whole.jsonl");
    let run = emu.run(&out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let err = text(&run.stderr);
    assert!(
        err.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("job finished"),
        "{err}"
    );
    let whole = rows_and_posts(&out);
    assert_eq!(whole.0.len(), 200 * 2 * 28);
    std::fs::remove_dir_all(&dir).unwrap();
    whole
}

/// Kills a run of the job on `first` once its checkpoint holds `kill_after` answers (or, with
/// 0, once it has sent requests), resumes it on a fresh emulator with faults, and checks the
/// output against `whole` and what each emulator answered: the resumed run asks exactly the
/// requests the killed run had not answered, each once.
fn kill_and_resume(
    name: &str,
    first: &Emu,
    kill_after: usize,
    whole: &(Vec<String>, serde_json::Value),
) {
    let dir = dir(name);
    let out = dir.join("out.jsonl");
    let ckpt = dir.join("job.ckpt");
    let ck = ckpt.to_str().unwrap();
    let child = first.spawn(&out, &["--checkpoint", ck]);
    if kill_after == 0 {
        wait_for("requests sent", || first.emu.stats().requests >= 2);
    } else {
        wait_for("answers in the checkpoint", || {
            answers_in(&ckpt) >= kill_after
        });
    }
    kill(child);
    assert!(
        Checkpoint::read(&std::fs::read(&ckpt).unwrap()).is_ok(),
        "{name}"
    );
    let saved = answers_in(&ckpt);
    let killed = first.answered_bodies();
    // Every answer the killed run had is in its checkpoint (the requests after hang).
    assert_eq!(killed.len(), saved, "{name}");
    if saved < REQUESTS {
        // Killed before the end: no output file, at most its partial file.
        assert!(!out.exists(), "{name}");
    }

    let second = Emu::faulty();
    let resumed = second.run(&out, &["--checkpoint", ck]);
    let err = text(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(0), "{name}: {err}");
    assert!(
        err.contains(&format!("resumed: {saved} of {REQUESTS} requests")),
        "{name}: {err}"
    );
    assert_eq!(&rows_and_posts(&out), whole, "{name}");
    assert!(!dir.join(".out.jsonl.xengage-partial").exists(), "{name}");
    let asked = second.answered_bodies();
    assert!(asked.values().all(|&n| n == 1), "{name}: {asked:#?}");
    assert!(
        asked.keys().all(|body| !killed.contains_key(body)),
        "{name}: a request answered before the kill was sent again"
    );
    assert_eq!(asked.len() + saved, REQUESTS, "{name}");
    assert_eq!(answers_in(&ckpt), REQUESTS, "{name}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Requests numbered `from` on hang: a run is killed with exactly the answers before them.
fn hanging_from(from: u64, first: Vec<(u64, FaultKind)>) -> Emu {
    let mut schedule = first;
    schedule.extend((from..64).map(|n| (n, FaultKind::Slow(Duration::from_secs(600)))));
    Emu::start(Faults::default().schedule(schedule))
}

#[test]
fn a_job_killed_after_no_answer_resumes_to_the_same_output() {
    let whole = uninterrupted("none");
    kill_and_resume("none", &hanging_from(0, Vec::new()), 0, &whole);
}

#[test]
fn a_job_killed_after_some_answers_resumes_to_the_same_output_asking_nothing_twice() {
    let whole = uninterrupted("some");
    // Answers 0 and 3, a 503 (retried) at 1 and 2; then every request hangs.
    let first = hanging_from(
        4,
        vec![(1, FaultKind::Status503), (2, FaultKind::Status500)],
    );
    kill_and_resume("some", &first, 2, &whole);
}

#[test]
fn a_job_killed_after_all_answers_resumes_to_the_same_output_asking_nothing() {
    let whole = uninterrupted("all");
    kill_and_resume("all", &Emu::faulty(), REQUESTS, &whole);
}

#[test]
fn a_kill_while_rows_are_written_leaves_the_earlier_file_byte_for_byte() {
    // The first two requests are answered, then every request hangs: rows are being written
    // to the partial file when the kill comes.
    let emu = Emu::start(
        Faults::default().schedule(
            (2..16)
                .map(|n| (n, FaultKind::Slow(Duration::from_secs(600))))
                .collect(),
        ),
    );
    let dir = dir("atomic");
    let out = dir.join("out.jsonl");
    let partial = dir.join(".out.jsonl.xengage-partial");
    let earlier: Vec<u8> = (0..50_000u32)
        .flat_map(|i| format!("{{\"earlier\":{i}}}\n").into_bytes())
        .collect();
    std::fs::write(&out, &earlier).unwrap();
    let child = emu.spawn(&out, &[]);
    wait_for("rows in the partial file", || {
        std::fs::metadata(&partial).map_or(0, |m| m.len()) > 0
    });
    kill(child);
    assert!(
        std::fs::read(&out).unwrap() == earlier,
        "the earlier file changed"
    );
    assert!(partial.exists());

    // The next run removes the partial file the kill left, and replaces the file whole.
    let emu = Emu::start(Faults::default());
    let run = emu.run(&out, &[]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("left by a run that was stopped"), "{err}");
    assert!(!partial.exists());
    assert_eq!(rows_and_posts(&out).0.len(), 200 * 2 * 28);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_checkpoint_that_is_not_this_jobs_is_refused_with_its_own_message_and_nothing_sent() {
    let dir = dir("refused");
    let out = dir.join("out.jsonl");
    let ckpt = dir.join("job.ckpt");
    let ck = ckpt.to_str().unwrap().to_owned();
    let emu = Emu::start(Faults::default());
    let run = emu.run(&out, &["--checkpoint", &ck]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let good = std::fs::read(&ckpt).unwrap();
    // It holds no secret: not the consumer secret, nor the access token secret.
    for (var, value) in emu.env() {
        if var.ends_with("SECRET") {
            let found = good.windows(value.len()).any(|w| w == value.as_bytes());
            assert!(!found, "{var} is in the checkpoint");
        }
    }
    // A byte changed a third of the way in: inside a record before the last.
    let mut damaged = good.clone();
    damaged[good.len() / 3] ^= 0x01;
    let mut other_version = good.clone();
    other_version[19] = b'9';
    let cases: [(&str, Vec<u8>, &[&str], &str); 4] = [
        ("damaged", damaged, &[], "damaged at byte"),
        (
            "other command",
            good.clone(),
            &["--metrics", "impressions,engagements"],
            "written for another job (metrics: impressions,favorites in the checkpoint, impressions,engagements now)",
        ),
        ("other version", other_version, &[], "format version 9"),
        (
            "not a checkpoint",
            b"grouping,post_id,metric\n".to_vec(),
            &[],
            "not an xengage checkpoint",
        ),
    ];
    for (name, bytes, extra, said) in cases {
        let emu = Emu::start(Faults::default());
        std::fs::write(&ckpt, &bytes).unwrap();
        let mut args = vec!["--checkpoint", ck.as_str()];
        args.extend_from_slice(extra);
        let run = emu.run(&out, &args);
        let err = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(said), "{name}: {err}");
        assert!(err.contains("cannot resume from"), "{name}: {err}");
        assert_eq!(emu.emu.stats().requests, 0, "{name}: nothing is sent");
        assert_eq!(
            std::fs::read(&ckpt).unwrap(),
            bytes,
            "{name}: left as it was"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_checkpoint_whose_last_record_was_cut_resumes_asking_that_request_again() {
    let whole = uninterrupted("torn");
    let dir = dir("torn");
    let out = dir.join("out.jsonl");
    let ckpt = dir.join("job.ckpt");
    let ck = ckpt.to_str().unwrap().to_owned();
    let emu = Emu::start(Faults::default());
    let run = emu.run(&out, &["--checkpoint", &ck]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let good = std::fs::read(&ckpt).unwrap();
    std::fs::write(&ckpt, &good[..good.len() - 100]).unwrap();
    std::fs::remove_file(&out).unwrap();
    let answered_before = emu.answered();
    let run = emu.run(&out, &["--checkpoint", &ck]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("was cut by a stop"), "{err}");
    assert_eq!(
        emu.answered() - answered_before,
        1,
        "only the cut record's request"
    );
    assert_eq!(rows_and_posts(&out), whole);
    assert_eq!(answers_in(&ckpt), REQUESTS);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_401_mid_job_stops_it_at_once_and_new_credentials_resume_it() {
    let whole = uninterrupted("401");
    // Three answers, then the token is refused.
    let emu = Emu::start(
        Faults::default().schedule((3..64).map(|n| (n, FaultKind::Unauthorized)).collect()),
    );
    let dir = dir("401");
    let out = dir.join("out.jsonl");
    let ckpt = dir.join("job.ckpt");
    let ck = ckpt.to_str().unwrap().to_owned();
    let run = emu.run(&out, &["--checkpoint", &ck, "--concurrency", "1"]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    let last = err.trim_end().lines().last().unwrap();
    assert!(
        last.contains("job not finished")
            && last.contains("refused the credentials")
            && last.contains("renew them")
            && last.contains(&format!("--checkpoint {ck}")),
        "{last}"
    );
    assert_eq!(emu.emu.stats().requests, 4, "no request after the 401");
    assert_eq!(answers_in(&ckpt), 3);

    let emu = Emu::start(Faults::default());
    let run = emu.run(&out, &["--checkpoint", &ck]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(emu.answered(), u64::try_from(REQUESTS - 3).unwrap());
    assert_eq!(rows_and_posts(&out), whole);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn collect_help_documents_the_checkpoint_and_what_a_kill_leaves() {
    let out = common::xengage_with(&["collect", "--help"], &[]);
    let help = text(&out.stdout);
    for said in [
        "--checkpoint <FILE>",
        ".FILE.xengage-partial",
        "killed",
        "byte for byte",
        "summary",
        "job finished",
        "resume",
    ] {
        assert!(help.contains(said), "{said}: {help}");
    }
}
