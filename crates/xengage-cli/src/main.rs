//! `xengage`: the command-line tool of the X Engagement API SDK.
//!
//! Exit codes: 0 ok, 1 API or network failure, 2 invalid input, 3 partial (some posts not
//! served in full).

mod checkpoint;
mod client;
mod cmd;
mod credentials;
mod error;
mod input;
mod output;

use clap::{CommandFactory, Parser, Subcommand};

/// Query, collect and parse X Engagement API data (Enterprise and v2).
///
/// Exit codes: 0 ok, 1 API or network failure, 2 invalid input, 3 partial (some posts not
/// served in full: the ledger on stderr says which and why). Credentials come from flags or the environment: X_BEARER_TOKEN, X_USER_TOKEN,
/// X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET.
///
/// Start with `xengage demo`: it runs against a built-in emulator, no credentials needed.
#[derive(Debug, Parser)]
#[command(name = "xengage", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Request(cmd::request::Args),
    Collect(cmd::collect::Args),
    Parse(cmd::parse::Args),
    Emulate(cmd::emulate::Args),
    Demo(cmd::demo::Args),
    Proxy(cmd::proxy::Args),
    /// OAuth 1.0a tools.
    #[command(subcommand)]
    Oauth1(cmd::oauth1::Command),
    /// Print shell completions.
    ///
    /// Example:
    ///   xengage completions bash > ~/.local/share/bash-completion/completions/xengage
    #[command(verbatim_doc_comment)]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Request(args) => cmd::request::run(&args),
        Command::Collect(args) => cmd::collect::run(&args),
        Command::Parse(args) => cmd::parse::run(&args),
        Command::Emulate(args) => cmd::emulate::run(&args),
        Command::Demo(args) => cmd::demo::run(&args),
        Command::Proxy(args) => cmd::proxy::run(&args),
        Command::Oauth1(c) => cmd::oauth1::run(&c),
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics when its writer fails (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "xengage", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)
                .map(|()| Outcome::Ok)
                .map_err(error::CliError::Output)
        }
    };
    match result {
        Ok(code) => code.into(),
        // The reader closed the pipe (`xengage ... | head`): it has what it wanted.
        Err(error::CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            // The server's words can be in it: shown, never acted on by the terminal.
            eprintln!("error: {}", output::printable(&e.to_string()));
            for hint in e.hints() {
                eprintln!("hint: {hint}");
            }
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
    Partial,
    /// Stopped by Ctrl-C: what was answered is written, the rest is in the ledger (exit 130,
    /// as shells report an interrupt).
    Interrupted,
}

impl From<Outcome> for std::process::ExitCode {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Ok => std::process::ExitCode::SUCCESS,
            Outcome::Partial => std::process::ExitCode::from(3),
            Outcome::Interrupted => std::process::ExitCode::from(130),
        }
    }
}

/// A tokio runtime for the commands that do network IO.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, error::CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(error::CliError::Serve)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    /// Every secret flag is held in the core's `Secret`, so even a `{:?}` of the parsed command
    /// line (a `dbg!`, a log line) does not show it.
    #[test]
    fn the_parsed_command_line_does_not_show_secrets() {
        let secrets = [
            "--bearer-token=secret-1",
            "--user-token=secret-2",
            "--consumer-key=ck",
            "--consumer-secret=secret-3",
            "--access-token=at",
            "--access-token-secret=secret-4",
        ];
        let mut lines = Vec::new();
        for command in [
            &["request", "totals", "--ids", "1", "--metrics", "favorites"][..],
            &["collect", "totals", "--ids", "1", "--metrics", "favorites"][..],
            &["proxy", "--allow-origin", "https://app.example.com"][..],
        ] {
            let args = ["xengage"].iter().chain(command).chain(&secrets);
            lines.push(format!("{:?}", Cli::try_parse_from(args).unwrap()));
        }
        let sign = [
            "xengage",
            "oauth1",
            "sign",
            "--method=GET",
            "--url=https://api.example.com/",
            "--consumer-key=ck",
            "--consumer-secret=secret-5",
            "--token=at",
            "--token-secret=secret-6",
            "--nonce=n",
            "--timestamp=1",
        ];
        lines.push(format!("{:?}", Cli::try_parse_from(sign).unwrap()));
        for line in lines {
            assert!(line.contains("ck"), "{line}");
            assert!(!line.contains("secret-"), "{line}");
        }
    }
}
