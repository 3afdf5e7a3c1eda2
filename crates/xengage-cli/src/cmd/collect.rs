//! `xengage collect`: a bulk job of any number of posts (and any historical range), paced by the
//! quota, retried as the core decides, streamed to csv or jsonl, ending with a summary. Rows
//! another batch could add to (days and totals of a range split into windows, groupings without
//! posts) are written at the end, merged.

use std::io::IsTerminal;
use std::time::Instant;

use xengage_core::Endpoint;
use xengage_core::collect::Event;
use xengage_core::facts::TimeRange;
use xengage_core::response::{Bucket, Outcome, Row, merge};

use crate::Outcome as ExitOutcome;
use crate::client::TransportArgs;
use crate::cmd::request::SpecArgs;
use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::output::{OutputArgs, RowWriter, outcome_of, printable, report_ledger};

/// Collect any number of posts with pacing and retries.
///
/// Examples:
///   xengage collect totals --ids @ids.txt --metrics impressions,engagements --format csv -o totals.csv
///   xengage collect historical --ids @ids.txt --metrics impressions \
///     --group-by daily=tweet.id,engagement.type,engagement.day \
///     --start 2026-08-01 --end 2026-11-01 --format jsonl -o daily.jsonl
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
    let mut writer = RowWriter::new(&args.output)?;
    let started = Instant::now();
    let mut held: Vec<Outcome> = Vec::new();
    let mut interrupted = false;
    let summary = crate::runtime()?.block_on(async {
        let mut job = client.collect(&spec)?;
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
    // Nothing served because requests failed: an earlier --output file stays as it was (the
    // writer, dropped unfinished, removes what it began).
    let nothing_served = c.served + c.partial == 0 && p.requests_failed > 0;
    if nothing_served {
        drop(writer);
    } else {
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
    eprintln!(
        "requests: {} sent ({} planned), {} retries, {} answered 429; waited {:.1} s for quota; {:.1} s in all",
        p.attempts,
        p.requests_planned,
        p.retries,
        p.rate_limited,
        summary.pacing.waited.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
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
        return Ok(ExitOutcome::Interrupted);
    }
    Ok(outcome_of(&summary.ledger))
}
