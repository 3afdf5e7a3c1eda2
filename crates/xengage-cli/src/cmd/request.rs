//! `xengage request`: build one request and, with `--dry-run`, print it as JSON.

use serde_json::value::RawValue;
use xengage_core::{BaseUrls, Endpoint, GroupingSpec, RequestSpec, ValidationOptions, notice_json};

use crate::Outcome;
use crate::error::CliError;
use crate::input;

/// Build one request to an endpoint.
///
/// Example:
///   xengage request totals --ids 1070059276213702656,1021817816134156288 \
///     --metrics favorites,retweets --group-by by-post=tweet.id,engagement.type --dry-run
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// totals, 28hr, historical, insights-28hr or insights-historical.
    #[arg(value_parser = parse_endpoint)]
    pub(crate) endpoint: Endpoint,
    /// Post ids, comma-separated, or @FILE with one id a line.
    #[arg(long)]
    pub(crate) ids: String,
    /// Metrics, comma-separated, in either spelling (favorites or Likes).
    #[arg(long)]
    pub(crate) metrics: String,
    /// A v1 grouping NAME=DIM,DIM,... (repeatable; dims: tweet.id, engagement.type,
    /// engagement.day, engagement.hour). Default: by-post=tweet.id,engagement.type.
    #[arg(long = "group-by", value_name = "NAME=DIMS")]
    pub(crate) group_by: Vec<String>,
    /// Window start (historical): 2015-08-01 or 2015-07-01T12:24:00Z.
    #[arg(long)]
    pub(crate) start: Option<String>,
    /// Window end (historical): 2015-08-15 or 2015-08-15T08:37:00Z.
    #[arg(long)]
    pub(crate) end: Option<String>,
    /// v2 granularity: Daily, Hourly, Weekly or Total.
    #[arg(long)]
    pub(crate) granularity: Option<String>,
    /// v2 engagement.fields, comma-separated: errors, measurement.
    #[arg(long)]
    pub(crate) fields: Option<String>,
    /// Send to this base URL instead of the documented hosts (an emulator or a proxy).
    #[arg(long)]
    pub(crate) base_url: Option<String>,
    /// Fix the clock (a date or an RFC 3339 time) for reproducible output.
    #[arg(long)]
    pub(crate) now: Option<String>,
    /// Do not refuse historical windows starting more than 365 days ago.
    #[arg(long)]
    pub(crate) no_lookback_check: bool,
    /// Print the request as JSON instead of sending it.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    Endpoint::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Endpoint::ALL.iter().map(|e| e.name()).collect();
        format!("unknown endpoint `{s}`; use one of {}", names.join(", "))
    })
}

/// Parses `NAME=DIM,DIM` into a grouping spec.
pub(crate) fn parse_group_by(s: &str) -> Result<GroupingSpec, CliError> {
    let (name, dims) = s.split_once('=').ok_or_else(|| {
        CliError::Usage(format!(
            "--group-by `{s}`: write NAME=DIM,DIM (for example by-post=tweet.id,engagement.type)"
        ))
    })?;
    Ok(GroupingSpec {
        name: name.trim().to_owned(),
        group_by: dims
            .split(',')
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect(),
    })
}

/// Builds the unchecked spec from the flags.
pub(crate) fn spec(args: &Args) -> Result<RequestSpec, CliError> {
    let mut spec = RequestSpec::new(args.endpoint);
    spec.post_ids = input::list(&args.ids)?;
    spec.metrics = input::list(&args.metrics)?;
    spec.groupings = args
        .group_by
        .iter()
        .map(|g| parse_group_by(g))
        .collect::<Result<_, _>>()?;
    spec.start.clone_from(&args.start);
    spec.end.clone_from(&args.end);
    spec.granularity.clone_from(&args.granularity);
    if let Some(f) = &args.fields {
        spec.fields = input::list(f)?;
    }
    Ok(spec)
}

pub(crate) fn run(args: &Args) -> Result<Outcome, CliError> {
    let now = input::now(args.now.as_deref())?;
    let options = ValidationOptions {
        enforce_lookback: !args.no_lookback_check,
        ..Default::default()
    };
    let request = spec(args)?.validate(now, &options)?;
    let base = match &args.base_url {
        Some(url) => BaseUrls::single(url)?,
        None => BaseUrls::default(),
    };
    let prepared = request.prepare(&base);
    if !args.dry_run {
        return Err(CliError::Usage(
            "sending needs the native transport, which this build does not have yet; add --dry-run to print the request".to_owned(),
        ));
    }
    let headers: serde_json::Map<String, serde_json::Value> = prepared
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").into()))
        .collect();
    let body = prepared
        .body_text()
        .map(|b| RawValue::from_string(b.to_owned()))
        .transpose()
        .map_err(|e| CliError::Usage(format!("internal: body is not JSON: {e}")))?;
    let out = DryRun {
        method: prepared.method.as_str(),
        url: &prepared.url,
        headers,
        body,
        notices: request.notices().iter().map(notice_json).collect(),
    };
    println!("{}", serde_json::to_string(&out).unwrap_or_default());
    Ok(Outcome::Ok)
}

#[derive(serde::Serialize)]
struct DryRun<'a> {
    method: &'a str,
    url: &'a str,
    headers: serde_json::Map<String, serde_json::Value>,
    body: Option<Box<RawValue>>,
    notices: Vec<serde_json::Value>,
}
