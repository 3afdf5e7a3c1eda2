//! `xengage parse`: a saved response, read with the request that produced it, into rows.

use std::path::{Path, PathBuf};

use serde_json::Value;
use xengage_core::response::{ParseOptions, parse_response};
use xengage_core::{Generation, RequestSpec, ValidationOptions};

use crate::Outcome as ExitOutcome;
use crate::error::CliError;
use crate::input;
use crate::output::{OutputArgs, RowWriter, print_outcome};

/// Parse a saved response into rows, with the request that produced it.
///
/// REQUEST.json is what `xengage request --dry-run` printed, a request spec
/// ({"endpoint": ..., "post_ids": [...], ...}), or a v1 request body with --endpoint.
/// Rows go to stdout; the ledger and notices to stderr.
///
/// Example:
///   xengage request 28hr --ids 123456789 --metrics impressions \
///     --group-by h=tweet.id,engagement.type,engagement.day,engagement.hour --dry-run > req.json
///   xengage parse --request req.json --response answer.json --format csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// The request: dry-run output, a request spec, or a v1 body (with --endpoint).
    #[arg(long, value_name = "REQUEST.json")]
    pub(crate) request: PathBuf,
    /// The response body (decompressed).
    #[arg(long, value_name = "RESPONSE.json")]
    pub(crate) response: PathBuf,
    /// The HTTP status the response came with.
    #[arg(long, default_value_t = 200)]
    pub(crate) status: u16,
    /// The endpoint, when REQUEST.json is a bare v1 body.
    #[arg(long)]
    pub(crate) endpoint: Option<String>,
    /// The time the request was sent (default: now), for its covered window.
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::ReadFile {
        path: path.display().to_string(),
        source,
    })
}

fn request_spec(args: &Args, bytes: &[u8]) -> Result<RequestSpec, CliError> {
    let bad = |why: String| CliError::Usage(format!("{}: {why}", args.request.display()));
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    if let (Some(method), Some(url)) = (
        value.get("method").and_then(Value::as_str),
        value.get("url").and_then(Value::as_str),
    ) {
        let body = value
            .get("body")
            .filter(|b| !b.is_null())
            .map(std::string::ToString::to_string);
        return RequestSpec::from_http(method, url, body.as_deref().map(str::as_bytes))
            .map_err(|e| bad(e.to_string()));
    }
    if value.get("endpoint").is_some() {
        return serde_json::from_value(value).map_err(|e| bad(format!("not a request spec: {e}")));
    }
    let Some(name) = &args.endpoint else {
        return Err(bad(
            "a bare request body needs --endpoint (totals, 28hr or historical)".to_owned(),
        ));
    };
    let endpoint = crate::cmd::request::parse_endpoint(name).map_err(bad)?;
    if endpoint.generation() != Generation::Enterprise {
        // A v2 request has no body: its query is in the URL, which a dry run's output holds.
        return Err(bad(format!(
            "--endpoint {name}: a bare request body is a v1 request; give totals, 28hr or historical, or for v2 the dry run's output (it holds the URL)"
        )));
    }
    RequestSpec::from_http(endpoint.facts().method, endpoint.facts().path, Some(bytes))
        .map_err(|e| bad(e.to_string()))
}

pub(crate) fn run(args: &Args) -> Result<ExitOutcome, CliError> {
    let spec = request_spec(args, &read(&args.request)?)?;
    let now = input::now(args.now.as_deref())?;
    // A saved answer may be old: its request is read without the lookback rule.
    let options = ValidationOptions::default().enforce_lookback(false);
    let request = spec.validate(now, &options)?;
    let body = read(&args.response)?;
    let outcome = parse_response(
        &request,
        args.status,
        &http::HeaderMap::new(),
        &body,
        &ParseOptions::default(),
    )
    .map_err(|error| CliError::Api { error, retries: 0 })?;
    print_outcome(&outcome, RowWriter::new(&args.output)?)
}
