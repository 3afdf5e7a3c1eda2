//! Errors of the command-line tool, each mapped to a documented exit code: 1 API or network
//! failure, 2 invalid input. (3, partial, is not an error: some posts were served.)

use xengage_core::response::{MergeError, ResponseError};
use xengage_core::{BaseUrlError, InvalidRequest, Rule};

/// What went wrong, by the exit code it gives.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The request breaks documented rules (exit 2).
    #[error(transparent)]
    Invalid(#[from] InvalidRequest),
    /// A flag or an input file is unusable (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Credentials are missing or incomplete (exit 2).
    #[error("{0}")]
    Credentials(String),
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
    /// An output file cannot be made where it was asked for (exit 2: the path is the user's
    /// input, and it is checked before anything is sent).
    #[error("cannot write {path}: {source}")]
    WriteFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A `--checkpoint` cannot be resumed: not this job's, damaged, of another version, or not
    /// a checkpoint (exit 2: nothing was sent).
    #[error("cannot resume from {path}: {source}")]
    Checkpoint {
        /// The checkpoint.
        path: String,
        /// Why.
        #[source]
        source: Box<xengage_native::ResumeError>,
    },
    /// Writing to stdout failed (exit 1).
    #[error("cannot write the output: {0}")]
    Output(#[source] std::io::Error),
    /// The API answered with an error, or the answer is unusable (exit 1).
    #[error("{error} (retried {retries} times)")]
    Api {
        /// The error.
        error: ResponseError,
        /// Retries spent before giving up.
        retries: u64,
    },
    /// No answer could be had (exit 1).
    #[error("{0}")]
    Network(String),
    /// Answers could not be merged (exit 1).
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// A server could not be started (exit 1).
    #[error("cannot start the server: {0}")]
    Serve(#[source] std::io::Error),
}

impl From<xengage_native::SendError> for CliError {
    fn from(e: xengage_native::SendError) -> CliError {
        match e {
            xengage_native::SendError::Invalid(invalid) => CliError::Invalid(invalid),
            xengage_native::SendError::Credentials(e) => CliError::Credentials(e.to_string()),
            other if other.is_timeout() => CliError::Network(format!(
                "{} (--timeout sets the timeout, in seconds)",
                xengage_native::error_chain(&other)
            )),
            other => CliError::Network(xengage_native::error_chain(&other)),
        }
    }
}

impl CliError {
    /// What this tool's flags can change about the error, one line each: the core and native
    /// crates name their own settings (`ValidationOptions::enforce_lookback`,
    /// `ClientBuilder::timeout`), and these say which flag sets them here.
    pub(crate) fn hints(&self) -> Vec<&'static str> {
        match self {
            CliError::Invalid(invalid) => {
                let mut hints: Vec<&'static str> = Vec::new();
                for hint in invalid.problems.iter().filter_map(|p| rule_hint(&p.rule)) {
                    if !hints.contains(&hint) {
                        hints.push(hint);
                    }
                }
                hints
            }
            // A timeout's flag is added where a send error becomes a `CliError` (by
            // `SendError::is_timeout`).
            _ => Vec::new(),
        }
    }

    /// The documented exit code: 1 API or network failure, 2 invalid input.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_)
            | CliError::Usage(_)
            | CliError::Credentials(_)
            | CliError::BaseUrl(_)
            | CliError::ReadFile { .. }
            | CliError::WriteFile { .. }
            | CliError::Checkpoint { .. } => 2,
            CliError::Output(_)
            | CliError::Api { .. }
            | CliError::Network(_)
            | CliError::Merge(_)
            | CliError::Serve(_) => 1,
        }
    }
}

/// The flag or command that changes what `rule` refused, where there is one.
pub(crate) fn rule_hint(rule: &Rule) -> Option<&'static str> {
    match rule {
        Rule::TooManyPostIds { .. } => {
            Some("`xengage collect` takes any number of post ids and splits them into requests")
        }
        Rule::StartBeyondLookback { .. } => {
            Some("--no-lookback-check turns the check of the 365-day lookback off")
        }
        _ => None,
    }
}
