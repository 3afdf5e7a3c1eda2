//! `xengage collect`: a bulk job of any number of posts (and any historical range), paced by the
//! quota, retried as the core decides, streamed to csv or jsonl, ending with a summary. Rows
//! another batch could add to (days and totals of a range split into windows, groupings without
//! posts) are written at the end, merged. With `--checkpoint`, every answer is kept as it comes,
//! and the same command resumes a stopped job.

use std::io::IsTerminal;
use std::time::Instant;

use xengage_core::Endpoint;
use xengage_core::collect::{Event, Summary};
use xengage_core::facts::TimeRange;
use xengage_core::response::{Bucket, Outcome, Row, merge};

use crate::Outcome as ExitOutcome;
use crate::checkpoint::{self, Appender, Start};
use crate::client::TransportArgs;
use crate::cmd::request::SpecArgs;
use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::output::{Format, OutputArgs, RowWriter, outcome_of, printable, report_ledger};

/// Collect any number of posts with pacing and retries.
///
/// Examples:
///   xengage collect totals --ids @ids.txt --metrics impressions,engagements --format csv -o totals.csv
///   xengage collect historical --ids @ids.txt --metrics impressions \
///     --group-by daily=tweet.id,engagement.type,engagement.day \
///     --start 2026-08-01 --end 2026-11-01 --format jsonl -o daily.jsonl --checkpoint daily.ckpt
///
/// What a stop leaves behind:
///   -o FILE is written whole or not at all. Rows go to .FILE.xengage-partial beside it, which
///   replaces FILE when the run ends having answered (Ctrl-C and partial answers too). A run
///   killed at any point (SIGKILL, a reboot) leaves FILE byte for byte as it was, or absent,
///   and the next run removes the partial file.
///   Rows on stdout cannot be taken back: the last line on stderr says `job finished` or
///   `job not finished`, and jsonl ends with a line {"summary": {"finished": ..., ...}} that
///   a killed job never writes: a pipeline that read no summary line has a cut job.
///   --checkpoint FILE keeps every answer as it comes (appended and synced), so a kill loses
///   at most the requests in flight. The same command with the same --checkpoint resumes: it
///   sends only what the checkpoint does not answer (failed requests too) and writes the same
///   output as one uninterrupted run. A checkpoint of another command (ids, metrics, window,
///   endpoint, groupings, account), a damaged one, or not a checkpoint is refused (exit 2),
///   nothing sent. A 401 after the job began stops it at once (exit 1): renew the credentials
///   and run the same command to resume.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) what: SpecArgs,
    #[command(flatten)]
    pub(crate) transport: TransportArgs,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// No progress line on stderr, even on a terminal.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Keep every answer in FILE as it comes, and resume from it: run the same command with
    /// the same FILE to send only what it does not answer. It holds no secret. Made if absent.
    #[arg(long, value_name = "FILE")]
    pub(crate) checkpoint: Option<std::path::PathBuf>,
}

/// Whether `row` can be written as soon as its batch is answered: only if no other batch can
/// hold a row of the same key. A grouping without posts sums over post batches; a total, week or
/// day of a historical range is split by the edges of its 4-week windows. Those rows wait for the
/// end of the job and are written merged, each key once with its whole count.
fn streams(endpoint: Endpoint, row: &Row) -> bool {
    row.post_id.is_some()
        && (matches!(row.bucket, Bucket::Hour(_))
            || endpoint.facts().time_range != TimeRange::Window)
}

pub(crate) fn run(args: &Args) -> Result<ExitOutcome, CliError> {
    let spec = args.what.spec()?;
    let credentials = args.credentials.for_endpoint(args.what.endpoint)?;
    let used = credentials.kind();
    let client = args.transport.client(credentials)?;
    let progress = !args.quiet && std::io::stderr().is_terminal();
    if args.checkpoint.is_some() && args.checkpoint == args.output.output {
        return Err(CliError::Usage(
            "--checkpoint and --output name the same file: give the checkpoint a file of its own"
                .to_owned(),
        ));
    }
    let mut writer = RowWriter::new(&args.output)?;
    let start = args
        .checkpoint
        .as_deref()
        .map(checkpoint::open)
        .transpose()?;
    let started = Instant::now();
    let mut held: Vec<Outcome> = Vec::new();
    let mut interrupted = false;
    let mut stopped: Option<String> = None;
    let mut saver: Option<Appender> = None;
    let summary = crate::runtime()?.block_on(async {
        let mut job = match (start, args.checkpoint.as_deref()) {
            (Some(Start::Resume(kept)), Some(path)) => {
                let valid_len = kept.valid_len();
                let job = client
                    .collect_resumed(&spec, *kept)
                    .map_err(|e| checkpoint::refused(path, e))?;
                saver = Some(Appender::resume(path, valid_len)?);
                job
            }
            (Some(Start::Fresh { new }), Some(path)) => {
                let (job, header) = client.collect_saving(&spec)?;
                saver = Some(Appender::create(path, &new, &header)?);
                job
            }
            _ => client.collect(&spec)?,
        };
        for notice in job.notices() {
            eprintln!("notice: {}", printable(&notice.to_string()));
        }
        let planned = job.planned();
        let mut done = 0usize;
        let interrupt = tokio::signal::ctrl_c();
        tokio::pin!(interrupt);
        loop {
            let event = tokio::select! {
                event = job.next() => event,
                // Ctrl-C: stop sending, keep what was answered, and account for the rest.
                _ = &mut interrupt => {
                    eprintln!("\rinterrupted: nothing more is sent; what was answered is written, the rest is in the ledger as cancelled");
                    interrupted = true;
                    return Ok::<_, CliError>(job.cancel().await);
                }
            };
            let Some(event) = event else { break };
            match event {
                Event::BatchDone { outcome, .. } => {
                    done += 1;
                    let mut rest = *outcome;
                    for g in rest.results_mut() {
                        let (now, later): (Vec<Row>, Vec<Row>) = std::mem::take(&mut g.rows)
                            .into_iter()
                            .partition(|row| streams(args.what.endpoint, row));
                        for row in &now {
                            writer.write(&g.name, row)?;
                        }
                        g.rows = later;
                    }
                    if rest.row_count() > 0 {
                        held.push(rest);
                    }
                }
                Event::Save { record, .. } => {
                    if let Some(saver) = &mut saver {
                        saver.append(&record)?;
                    }
                }
                Event::Resumed { requests, answers } => {
                    eprintln!(
                        "resumed: {requests} of {planned} requests answered before ({answers} answers in the checkpoint), not sent again"
                    );
                }
                Event::Stopped { message, .. } => {
                    eprintln!("\rstopped: {}", printable(&message));
                    stopped = Some(message);
                }
                Event::BatchFailed { message, .. } => {
                    done += 1;
                    eprintln!("\rbatch failed: {}", printable(&message));
                }
                Event::Retrying {
                    failure,
                    message,
                    after,
                    ..
                } if progress => {
                    eprintln!(
                        "\rretrying after {after:?} ({failure:?}): {}",
                        printable(&message)
                    );
                }
                _ => {}
            }
            if progress {
                eprint!("\r{done}/{planned} requests");
            }
        }
        Ok::<_, CliError>(job.finish().await)
    })?;
    if !held.is_empty() {
        for g in merge(held)?.results() {
            for row in &g.rows {
                writer.write(&g.name, row)?;
            }
        }
    }
    if progress {
        eprintln!();
    }
    let c = summary.ledger.counts();
    let p = summary.progress;
    let finished = !interrupted && stopped.is_none();
    // Nothing served because requests failed: an earlier --output file stays as it was (the
    // writer, dropped unfinished, removes its partial file).
    let nothing_served = c.served + c.partial == 0 && p.requests_failed > 0;
    if nothing_served {
        drop(writer);
    } else {
        if writer.format() == Format::Jsonl {
            writer.write_line(&summary_line(&summary, finished))?;
        }
        writer.finish()?;
    }
    report_ledger(&summary.ledger);
    if let Some(hint) = args
        .credentials
        .forbidden_hint(args.what.endpoint, used, c.forbidden)
    {
        eprintln!("note: {hint}");
    }
    eprintln!(
        "posts: {} with values ({} partial), {} unavailable, {} unsupported, {} forbidden, {} failed, {} cancelled",
        c.served + c.partial,
        c.partial,
        c.unavailable,
        c.unsupported,
        c.forbidden,
        c.failed + c.pending,
        c.cancelled
    );
    let from_checkpoint = if p.requests_restored > 0 {
        format!(", {} answered from the checkpoint", p.requests_restored)
    } else {
        String::new()
    };
    eprintln!(
        "requests: {} sent ({} planned{from_checkpoint}), {} retries, {} answered 429; waited {:.1} s for quota; {:.1} s in all",
        p.attempts,
        p.requests_planned,
        p.retries,
        p.rate_limited,
        summary.pacing.waited.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if let Some(quota) = summary.pacing.quota {
        eprintln!(
            "paced by {quota}{}",
            match summary.resets_waited.len() {
                0 => String::new(),
                n => format!("; waited for {n} window resets"),
            }
        );
    }
    let resume = match &args.checkpoint {
        Some(path) => format!(
            "run the same command again (with --checkpoint {}) to resume: it sends only what is not answered",
            printable(&path.display().to_string())
        ),
        None => "with --checkpoint FILE a stopped job resumes where it stopped".to_owned(),
    };
    if let Some(message) = stopped {
        return Err(CliError::Network(format!(
            "job not finished: the API refused the credentials ({}); renew them and {resume}",
            printable(&message)
        )));
    }
    if nothing_served {
        // Nothing served because requests failed (credentials, network, the server): an API or
        // network failure (exit 1), not a partial answer.
        let first = summary.ledger.failure_messages().into_iter().next();
        return Err(CliError::Network(format!(
            "no post was served: every request failed ({})",
            first.unwrap_or_else(|| "see the ledger above".to_owned())
        )));
    }
    if interrupted {
        eprintln!("job not finished: interrupted; {resume}");
        return Ok(ExitOutcome::Interrupted);
    }
    eprintln!("job finished: every request answered or accounted for in the ledger");
    Ok(outcome_of(&summary.ledger))
}

/// jsonl's last line: `{"summary": {...}}`, which a killed job never writes.
fn summary_line(summary: &Summary, finished: bool) -> String {
    let c = summary.ledger.counts();
    let p = summary.progress;
    serde_json::json!({
        "summary": {
            "finished": finished,
            "posts": {
                "with_values": c.served + c.partial,
                "partial": c.partial,
                "unavailable": c.unavailable,
                "unsupported": c.unsupported,
                "forbidden": c.forbidden,
                "failed": c.failed + c.pending,
                "cancelled": c.cancelled,
            },
            "requests": {
                "planned": p.requests_planned,
                "answered": p.requests_done,
                "from_checkpoint": p.requests_restored,
                "failed": p.requests_failed,
            },
        }
    })
    .to_string()
}
