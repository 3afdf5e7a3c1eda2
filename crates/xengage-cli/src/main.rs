//! `xengage`: the command-line tool of the X Engagement API SDK.
//!
//! Exit codes: 0 ok, 1 API or network failure, 2 invalid input, 3 partial (some posts not
//! served).

mod cmd;
mod error;
mod input;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Query, collect and parse X Engagement API data (Enterprise and v2).
#[derive(Debug, Parser)]
#[command(name = "xengage", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build (and with --dry-run, print) one request to an endpoint.
    Request(cmd::request::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Request(args) => cmd::request::run(&args),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code().into()
        }
    }
}

/// How a command ended, as documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything asked was done.
    Ok,
    /// Some posts were not served (exit 3).
    #[allow(dead_code)] // Used once commands send requests.
    Partial,
}

impl From<Outcome> for std::process::ExitCode {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Ok => std::process::ExitCode::SUCCESS,
            Outcome::Partial => std::process::ExitCode::from(3),
        }
    }
}

#[allow(dead_code)]
fn _assert_error_type(e: &CliError) -> u8 {
    e.exit_code()
}
