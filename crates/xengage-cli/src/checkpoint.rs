//! `collect --checkpoint FILE`: the file side of a job's checkpoint (the format is the core's).
//! A new checkpoint is made whole (its header written beside it, synced and renamed into
//! place), then each answer's record is appended and synced as it comes, so a kill loses at
//! most the answers in flight. An existing one is read, checked against the job, and cut back
//! to its last whole record before this run appends to it.

use std::io::Write;
use std::path::{Path, PathBuf};

use xengage_core::checkpoint::Checkpoint;
use xengage_native::ResumeError;

use crate::error::CliError;
use crate::output::{printable, sync_dir_of};

/// How a job starts with `--checkpoint`.
pub(crate) enum Start {
    /// No checkpoint there yet: one is made once the job's header is known.
    Fresh {
        /// Where the header is written first (checked: a file can be made there).
        new: PathBuf,
    },
    /// A checkpoint to resume from.
    Resume(Box<Checkpoint>),
}

/// The file beside `path` a new checkpoint is made in before it is renamed into place.
fn new_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "checkpoint".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.xengage-new"))
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |source| CliError::WriteFile {
        path: path.display().to_string(),
        source,
    }
}

/// Reads the checkpoint at `path`, or checks that one can be made there: before anything is
/// sent, so a checkpoint that cannot be used is invalid input (exit 2).
pub(crate) fn open(path: &Path) -> Result<Start, CliError> {
    match std::fs::read(path) {
        Ok(bytes) => Checkpoint::read(&bytes)
            .map(|c| Start::Resume(Box::new(c)))
            .map_err(|e| refused(path, ResumeError::Checkpoint(e))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Made and removed: the directory takes files, so the checkpoint can be made once
            // the job's header is known.
            let new = new_path(path);
            std::fs::File::create(&new).map_err(write_error(path))?;
            let _ = std::fs::remove_file(&new);
            Ok(Start::Fresh { new })
        }
        Err(source) => Err(CliError::ReadFile {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// A checkpoint that cannot be resumed, with what to do.
pub(crate) fn refused(path: &Path, source: ResumeError) -> CliError {
    CliError::Checkpoint {
        path: path.display().to_string(),
        source: Box::new(source),
    }
}

/// A checkpoint being appended to.
pub(crate) struct Appender {
    file: std::fs::File,
    path: PathBuf,
    /// Records appended by this run.
    pub(crate) appended: usize,
}

impl Appender {
    /// Makes the checkpoint at `path` with `header`, whole: written to `new`, synced, renamed.
    pub(crate) fn create(path: &Path, new: &Path, header: &[u8]) -> Result<Appender, CliError> {
        let fail = write_error(path);
        let mut file = std::fs::File::create(new).map_err(&fail)?;
        file.write_all(header).map_err(&fail)?;
        file.sync_all().map_err(&fail)?;
        std::fs::rename(new, path).map_err(&fail)?;
        sync_dir_of(path).map_err(&fail)?;
        Appender::at(path, header.len())
    }

    /// Opens the checkpoint at `path` to append after its first `valid_len` bytes (a record
    /// cut by a stop after them is dropped).
    pub(crate) fn resume(path: &Path, valid_len: usize) -> Result<Appender, CliError> {
        let fail = write_error(path);
        let len = std::fs::metadata(path).map_err(&fail)?.len();
        let valid = u64::try_from(valid_len).unwrap_or(u64::MAX);
        if len > valid {
            eprintln!(
                "note: the last record of {} was cut by a stop ({} bytes): dropped, its request is asked again",
                printable(&path.display().to_string()),
                len - valid
            );
        }
        Appender::at(path, valid_len)
    }

    fn at(path: &Path, len: usize) -> Result<Appender, CliError> {
        let fail = write_error(path);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(&fail)?;
        file.set_len(u64::try_from(len).unwrap_or(u64::MAX))
            .map_err(&fail)?;
        file.sync_all().map_err(&fail)?;
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).map_err(&fail)?;
        Ok(Appender {
            file,
            path: path.to_owned(),
            appended: 0,
        })
    }

    /// Appends `record` and syncs it: once this returns, a kill does not lose the answer.
    pub(crate) fn append(&mut self, record: &[u8]) -> Result<(), CliError> {
        let fail = write_error(&self.path);
        self.file.write_all(record).map_err(&fail)?;
        self.file.sync_data().map_err(&fail)?;
        self.appended += 1;
        Ok(())
    }
}
