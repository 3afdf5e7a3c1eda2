//! Writing rows: `table` (default on a terminal), `csv`, `jsonl` (default otherwise), to stdout
//! or `--output FILE`; and the ledger, notices and summaries on stderr.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use xengage_core::response::{Ledger, Outcome, PostStatus, Row};

use crate::error::CliError;

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns, for reading.
    Table,
    /// Comma-separated, with a header line.
    Csv,
    /// One JSON object per line: {"post_id","metric","bucket","time","value","grouping"}.
    Jsonl,
}

/// `--format` and `--output`, shared by the commands that print rows.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OutputArgs {
    /// table (default on a terminal), csv, or jsonl (default otherwise).
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Write rows to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
}

/// Rows on their way out: streamed, so a large job never holds them all.
pub(crate) struct RowWriter {
    out: Box<dyn Write>,
    format: Format,
    /// Table rows wait to be aligned (a table is for reading, so it is never huge).
    table: Vec<[String; 6]>,
    header_written: bool,
}

fn cells(grouping: &str, row: &Row) -> [String; 6] {
    [
        grouping.to_owned(),
        row.post_id
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        row.metric.map(|m| m.name().to_owned()).unwrap_or_default(),
        row.bucket.kind().to_owned(),
        row.bucket.time_text().unwrap_or_default(),
        row.value.to_string(),
    ]
}

const HEADER: [&str; 6] = ["grouping", "post_id", "metric", "bucket", "time", "value"];

impl RowWriter {
    pub(crate) fn new(args: &OutputArgs) -> Result<RowWriter, CliError> {
        let (out, terminal): (Box<dyn Write>, bool) = match &args.output {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|source| CliError::WriteFile {
                    path: path.display().to_string(),
                    source,
                })?;
                (Box::new(std::io::BufWriter::new(file)), false)
            }
            None => (
                Box::new(std::io::BufWriter::new(std::io::stdout())),
                std::io::stdout().is_terminal(),
            ),
        };
        let format = args.format.unwrap_or(if terminal {
            Format::Table
        } else {
            Format::Jsonl
        });
        Ok(RowWriter {
            out,
            format,
            table: Vec::new(),
            header_written: false,
        })
    }

    pub(crate) fn write(&mut self, grouping: &str, row: &Row) -> Result<(), CliError> {
        match self.format {
            Format::Table => self.table.push(cells(grouping, row)),
            Format::Csv => {
                if !self.header_written {
                    writeln!(self.out, "{}", HEADER.join(",")).map_err(CliError::Output)?;
                    self.header_written = true;
                }
                let line: Vec<String> = cells(grouping, row).iter().map(|c| csv_field(c)).collect();
                writeln!(self.out, "{}", line.join(",")).map_err(CliError::Output)?;
            }
            Format::Jsonl => {
                /// A row and its grouping, keys in the documented order.
                #[derive(serde::Serialize)]
                struct Line<'a> {
                    #[serde(flatten)]
                    row: &'a Row,
                    grouping: &'a str,
                }
                let line = serde_json::to_string(&Line { row, grouping })
                    .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
                writeln!(self.out, "{line}").map_err(CliError::Output)?;
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), CliError> {
        if self.format == Format::Table && !self.table.is_empty() {
            let mut widths = HEADER.map(str::len);
            for r in &self.table {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.len());
                }
            }
            let line = |cells: [&str; 6]| {
                let mut s = String::new();
                for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                    if i == 5 {
                        let _ = write!(s, "{c:>w$}");
                    } else {
                        let _ = write!(s, "{c:<w$}  ");
                    }
                }
                s
            };
            writeln!(self.out, "{}", line(HEADER)).map_err(CliError::Output)?;
            for r in &self.table {
                writeln!(self.out, "{}", line(r.each_ref().map(String::as_str)))
                    .map_err(CliError::Output)?;
            }
        }
        self.out.flush().map_err(CliError::Output)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The ledger's posts without values, one line each, to stderr.
pub(crate) fn report_ledger(ledger: &Ledger) {
    for (id, entry) in ledger.iter() {
        let status = entry.status();
        let why = match status {
            PostStatus::Served => continue,
            PostStatus::Unavailable => "deleted or protected".to_owned(),
            PostStatus::Forbidden => "not owned by the credential's user".to_owned(),
            PostStatus::Pending => "not answered".to_owned(),
            PostStatus::Partial | PostStatus::Unsupported | PostStatus::Failed => {
                let mut parts = Vec::new();
                for u in &entry.unsupported {
                    parts.push(format!(
                        "{} unsupported (older than {} days)",
                        u.metric, u.max_days
                    ));
                }
                for g in &entry.missing_from {
                    parts.push(format!("missing from `{g}`"));
                }
                for f in &entry.failures {
                    // "failed: failed: ..." says nothing twice.
                    parts.push(if status == PostStatus::Failed {
                        f.clone()
                    } else {
                        format!("a request failed: {f}")
                    });
                }
                parts.join("; ")
            }
        };
        eprintln!("post {id}: {}: {why}", status.name());
    }
}

/// The exit code for a ledger: 3 unless every post got values for everything asked. A post
/// with values from some windows or metrics and not others (a request failed, a metric too
/// old) is partial: its rows are written, and a script must not take them for the whole.
pub(crate) fn outcome_of(ledger: &Ledger) -> crate::Outcome {
    let c = ledger.counts();
    if c.not_served() + c.partial > 0 {
        crate::Outcome::Partial
    } else {
        crate::Outcome::Ok
    }
}

/// Writes every row of `outcome`, then its ledger and notices to stderr.
pub(crate) fn print_outcome(
    outcome: &Outcome,
    output: &OutputArgs,
) -> Result<crate::Outcome, CliError> {
    let mut writer = RowWriter::new(output)?;
    for g in &outcome.groupings {
        for row in &g.rows {
            writer.write(&g.name, row)?;
        }
    }
    writer.finish()?;
    for n in &outcome.notices {
        eprintln!("notice: {n}");
    }
    report_ledger(&outcome.ledger);
    Ok(outcome_of(&outcome.ledger))
}
