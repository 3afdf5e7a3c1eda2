//! Writing rows: `table` (default on a terminal), `csv`, `jsonl` (default otherwise), to stdout
//! or `--output FILE`; and the ledger, notices and summaries on stderr.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthStr;

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
    /// table (default on a terminal), csv, or jsonl (default otherwise). Every row names its
    /// grouping: the groupings of one request (v2: metrics_total and metrics_time_series)
    /// count the same engagements, so sum the rows of one grouping, never a whole output.
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Write rows to this file instead of stdout: whole or untouched. Rows go to
    /// `.FILE.xengage-partial` beside it, which replaces FILE when the run ends having answered
    /// (interrupted too); a run killed at any point leaves FILE as it was (or absent), and the
    /// next run removes the partial file it left.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
}

/// The partial file of `path`: `.NAME.xengage-partial` in the same directory (so renaming it
/// over `path` is atomic).
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.xengage-partial"))
}

/// Syncs the directory of `path`, so a rename or a new file in it survives a crash.
pub(crate) fn sync_dir_of(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// Rows on their way out: streamed, so a large job never holds them all. A `--output` file is
/// written whole or not at all: rows go to its partial file (made at once, so an unusable path
/// is found before anything is sent), which [`RowWriter::finish`] flushes, syncs and renames
/// over it. A run that fails first (invalid input, every request failed) drops the writer, which
/// removes the partial file: an earlier file stays as it was.
pub(crate) struct RowWriter {
    sink: Sink,
    format: Format,
    /// Table rows wait to be aligned (a table is for reading, so it is never huge).
    table: Vec<[String; 6]>,
    header_written: bool,
}

enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        out: std::io::BufWriter<std::fs::File>,
        path: PathBuf,
        partial: PathBuf,
    },
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
    /// A writer to `--output` or stdout.
    pub(crate) fn new(args: &OutputArgs) -> Result<RowWriter, CliError> {
        let (sink, terminal) = match &args.output {
            Some(path) => {
                let refuse = |source| CliError::WriteFile {
                    path: path.display().to_string(),
                    source,
                };
                if path.is_dir() {
                    return Err(refuse(std::io::Error::other(
                        "it is a directory; give a file name",
                    )));
                }
                let partial = partial_path(path);
                if partial.exists() {
                    eprintln!(
                        "note: removed {}, left by a run that was stopped",
                        printable(&partial.display().to_string())
                    );
                }
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&partial)
                    .map_err(refuse)?;
                let sink = Sink::File {
                    out: std::io::BufWriter::new(file),
                    path: path.clone(),
                    partial,
                };
                (sink, false)
            }
            None => (
                Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
                std::io::stdout().is_terminal(),
            ),
        };
        let format = args.format.unwrap_or(if terminal {
            Format::Table
        } else {
            Format::Jsonl
        });
        Ok(RowWriter {
            sink,
            format,
            table: Vec::new(),
            header_written: false,
        })
    }

    /// The format rows are written in.
    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// Where rows go.
    fn out(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Stdout(out) => out,
            Sink::File { out, .. } => out,
        }
    }

    /// Writes one line as it is (jsonl's summary line).
    pub(crate) fn write_line(&mut self, line: &str) -> Result<(), CliError> {
        writeln!(self.out(), "{line}").map_err(CliError::Output)
    }

    fn write_csv_header(&mut self) -> Result<(), CliError> {
        if !self.header_written {
            writeln!(self.out(), "{}", HEADER.join(",")).map_err(CliError::Output)?;
            self.header_written = true;
        }
        Ok(())
    }

    pub(crate) fn write(&mut self, grouping: &str, row: &Row) -> Result<(), CliError> {
        match self.format {
            Format::Table => self.table.push(cells(grouping, row)),
            Format::Csv => {
                self.write_csv_header()?;
                let line: Vec<String> = cells(grouping, row).iter().map(|c| csv_field(c)).collect();
                writeln!(self.out(), "{}", line.join(",")).map_err(CliError::Output)?;
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
                writeln!(self.out(), "{line}").map_err(CliError::Output)?;
            }
        }
        Ok(())
    }

    /// Writes what waits (a table; a csv header even without rows): the run answered, so an
    /// earlier file is replaced even when it had no rows. A file's rows are flushed, synced,
    /// and renamed over it.
    pub(crate) fn finish(mut self) -> Result<(), CliError> {
        match self.format {
            Format::Csv => self.write_csv_header()?,
            Format::Table if !self.table.is_empty() => self.write_table()?,
            _ => {}
        }
        self.out().flush().map_err(CliError::Output)?;
        if let Sink::File {
            out, path, partial, ..
        } = &self.sink
        {
            let fail = |source| CliError::WriteFile {
                path: path.display().to_string(),
                source,
            };
            out.get_ref().sync_all().map_err(fail)?;
            std::fs::rename(partial, path).map_err(fail)?;
            sync_dir_of(path).map_err(fail)?;
        }
        Ok(())
    }

    fn write_table(&mut self) -> Result<(), CliError> {
        let rows: Vec<[String; 6]> = std::mem::take(&mut self.table)
            .into_iter()
            .map(|r| r.map(|c| printable(&c)))
            .collect();
        let mut widths = HEADER.map(UnicodeWidthStr::width);
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.width());
            }
        }
        let line = |cells: [&str; 6]| {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                let pad = " ".repeat(w.saturating_sub(c.width()));
                if i == 5 {
                    let _ = write!(s, "{pad}{c}");
                } else {
                    let _ = write!(s, "{c}{pad}  ");
                }
            }
            s
        };
        let out = self.out();
        writeln!(out, "{}", line(HEADER)).map_err(CliError::Output)?;
        for r in &rows {
            writeln!(out, "{}", line(r.each_ref().map(String::as_str)))
                .map_err(CliError::Output)?;
        }
        Ok(())
    }
}

/// A run that ends without [`RowWriter::finish`] (it failed first) removes its partial file:
/// an earlier file stays as it was. After a rename the partial file is gone, and this does
/// nothing.
impl Drop for RowWriter {
    fn drop(&mut self) {
        if let Sink::File { partial, .. } = &self.sink {
            let _ = std::fs::remove_file(partial);
        }
    }
}

/// `s` for a terminal: control characters (an escape sequence in a grouping name, a CR) shown
/// escaped, not acted on.
pub(crate) fn printable(s: &str) -> String {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s.to_owned()
    }
}

/// A csv field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
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
            PostStatus::Cancelled => "cancelled before it was answered".to_owned(),
            // Partial, unsupported, failed (and any later state): what the entry says.
            _ => {
                let mut parts = Vec::new();
                for u in &entry.unsupported {
                    parts.push(format!(
                        "{} unsupported (older than {} days)",
                        u.metric, u.max_days
                    ));
                }
                for g in &entry.missing_from {
                    parts.push(format!("missing from `{}`", printable(g)));
                }
                for f in &entry.failures {
                    // "failed: failed: ..." says nothing twice.
                    let f = printable(&f.message);
                    parts.push(if status == PostStatus::Failed {
                        f
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
    mut writer: RowWriter,
) -> Result<crate::Outcome, CliError> {
    // Every result with its name in the grouping column, the v2 totals first: a sum takes
    // the rows of one grouping.
    for g in outcome.results() {
        for row in &g.rows {
            writer.write(&g.name, row)?;
        }
    }
    writer.finish()?;
    for n in &outcome.notices {
        eprintln!("notice: {}", printable(&n.to_string()));
    }
    report_ledger(&outcome.ledger);
    Ok(outcome_of(&outcome.ledger))
}
