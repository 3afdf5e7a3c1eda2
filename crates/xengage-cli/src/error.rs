//! Errors of the command-line tool, each mapped to a documented exit code.

use xengage_core::{BaseUrlError, InvalidRequest};

/// What went wrong, by the exit code it gives.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The request breaks documented rules (exit 2).
    #[error(transparent)]
    Invalid(#[from] InvalidRequest),
    /// A flag or an input file is unusable (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A base URL is unusable (exit 2).
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// Reading an input file failed (exit 2).
    #[error("cannot read {path}: {source}")]
    ReadFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// The documented exit code: 1 API or network failure, 2 invalid input.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_)
            | CliError::Usage(_)
            | CliError::BaseUrl(_)
            | CliError::ReadFile { .. } => 2,
        }
    }
}
