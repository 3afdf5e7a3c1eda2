//! `xengage request`: send one request and print its rows, or with `--dry-run` print the
//! request as JSON (its Authorization header included, bearer tokens masked).

use serde_json::value::RawValue;
use xengage_core::auth::{Credentials, FixedNonce};
use xengage_core::plan::PlanOptions;
use xengage_core::{Endpoint, GroupingSpec, RequestSpec, notice_json};

use crate::Outcome as ExitOutcome;
use crate::client::TransportArgs;
use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::input;
use crate::output::{OutputArgs, RowWriter, print_outcome};

/// Send one request to an endpoint and print its rows; with --dry-run, print the request.
///
/// Examples:
///   xengage request totals --ids 1070059276213702656,1021817816134156288 \
///     --metrics favorites,retweets --group-by by-post=tweet.id,engagement.type --dry-run
///   X_BEARER_TOKEN=... xengage request totals --ids @ids.txt --metrics favorites --format csv
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
    /// Print the request as JSON (Authorization included, bearer tokens masked) instead of
    /// sending it; to --output if given. (--format is for rows, which a dry run has none of.)
    #[arg(long, conflicts_with = "format")]
    pub(crate) dry_run: bool,
    /// The OAuth 1.0a nonce of a dry run (default: random), for reproducible output.
    #[arg(long, requires = "dry_run")]
    pub(crate) nonce: Option<String>,
    /// The OAuth 1.0a timestamp of a dry run (default: now).
    #[arg(long, requires = "dry_run")]
    pub(crate) timestamp: Option<u64>,
}

/// An endpoint by its CLI name, or an error listing the names.
pub(crate) fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
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

/// What to ask: the flags of a request that `request` and `collect` share.
#[derive(Debug, clap::Args)]
pub(crate) struct SpecArgs {
    /// totals, 28hr, historical, insights-28hr, insights-historical (both retired by X at spec
    /// 2.167), analytics or media-analytics.
    #[arg(value_parser = parse_endpoint)]
    pub(crate) endpoint: Endpoint,
    /// Post ids, comma-separated, or @FILE with one id a line (every endpoint but
    /// media-analytics).
    #[arg(long, required_unless_present = "media_keys")]
    pub(crate) ids: Option<String>,
    /// Media keys (media-analytics), comma-separated, or @FILE with one key a line:
    /// 3_1346889436626259968.
    #[arg(long, conflicts_with = "ids")]
    pub(crate) media_keys: Option<String>,
    /// Metrics, comma-separated, in any spelling (favorites, Likes or likes).
    #[arg(long)]
    pub(crate) metrics: String,
    /// A v1 grouping NAME=DIM,DIM,... (repeatable; dims: tweet.id, engagement.type,
    /// engagement.day, engagement.hour). Default: by-post=tweet.id,engagement.type.
    #[arg(long = "group-by", value_name = "NAME=DIMS")]
    pub(crate) group_by: Vec<String>,
    /// Start (historical, analytics): 2015-08-01 or 2015-07-01T12:24:00Z. One historical
    /// request takes at most 4 weeks; `collect` takes any range, split into 4-week windows.
    /// Analytics documents no longest window: the range is sent whole.
    #[arg(long)]
    pub(crate) start: Option<String>,
    /// End (historical, analytics): 2015-08-15 or 2015-08-15T08:37:00Z.
    #[arg(long)]
    pub(crate) end: Option<String>,
    /// v2 granularity: Daily, Hourly, Weekly or Total (any case; analytics defaults to total,
    /// media-analytics to daily and has no weekly).
    #[arg(long)]
    pub(crate) granularity: Option<String>,
    /// v2 engagement.fields, comma-separated: errors, measurement.
    #[arg(long)]
    pub(crate) fields: Option<String>,
}

impl SpecArgs {
    /// Builds the unchecked spec from the flags.
    pub(crate) fn spec(&self) -> Result<RequestSpec, CliError> {
        let mut spec = RequestSpec::new(self.endpoint);
        if let Some(ids) = &self.ids {
            spec.post_ids = input::list(ids)?;
        }
        if let Some(keys) = &self.media_keys {
            spec.media_keys = input::list(keys)?;
        }
        spec.metrics = input::list(&self.metrics)?;
        spec.groupings = self
            .group_by
            .iter()
            .map(|g| parse_group_by(g))
            .collect::<Result<_, _>>()?;
        spec.start.clone_from(&self.start);
        spec.end.clone_from(&self.end);
        spec.granularity.clone_from(&self.granularity);
        if let Some(f) = &self.fields {
            spec.fields = input::list(f)?;
        }
        Ok(spec)
    }
}

pub(crate) fn run(args: &Args) -> Result<ExitOutcome, CliError> {
    let spec = args.what.spec()?;
    if args.dry_run {
        return dry_run(args, &spec);
    }
    let credentials = args.credentials.for_endpoint(args.what.endpoint)?;
    let used = credentials.kind();
    // Once per run: X removed the endpoint from its spec (a dry run lists it with the others).
    let endpoint = args.what.endpoint;
    if let Some((spec_version, successor)) = endpoint.facts().retired {
        let notice = xengage_core::Notice::EndpointRetired {
            endpoint,
            spec_version,
            successor,
        };
        eprintln!("notice: {notice}");
    }
    // One request, the one --dry-run shows: posts too old for some metrics stay in it, and the
    // API answers them as unsupported (`collect` asks them apart instead).
    let plan = PlanOptions::default().separate_by_age(false);
    let client = args.transport.client_with(credentials, plan)?;
    // Before sending: an unusable --output is found without spending a request, and an
    // earlier file there stays as it was unless this one is written whole.
    let writer = RowWriter::new(&args.output)?;
    let outcome = crate::runtime()?.block_on(client.send(&spec))?.outcome;
    let exit = print_outcome(&outcome, writer)?;
    let forbidden = outcome.ledger.counts().forbidden;
    if let Some(hint) = args
        .credentials
        .forbidden_hint(args.what.endpoint, used, forbidden)
    {
        eprintln!("note: {hint}");
    }
    Ok(exit)
}

fn dry_run(args: &Args, spec: &RequestSpec) -> Result<ExitOutcome, CliError> {
    let now = args.transport.now()?;
    // Credentials are optional for a dry run; when given, the request shows their header and
    // is validated for their kind.
    let credentials = args.credentials.for_endpoint_if_given(args.what.endpoint)?;
    let options = args
        .transport
        .validation()
        .credential(credentials.as_ref().map(Credentials::kind));
    let request = spec.validate(now, &options)?;
    let (send_to, sign_for) = args.transport.base_urls()?;
    let prepared = match &credentials {
        Some(c) => {
            let mut nonces = FixedNonce {
                nonce: args.nonce.clone().unwrap_or_else(random_nonce),
                timestamp: args
                    .timestamp
                    .unwrap_or_else(|| u64::try_from(now.unix_timestamp()).unwrap_or(0)),
            };
            request
                .prepare_authorized(&send_to, &sign_for, c, &mut nonces)
                .map_err(|e| CliError::Usage(xengage_native::error_chain(&e)))?
        }
        None => request.prepare(&send_to),
    };
    let headers: serde_json::Map<String, serde_json::Value> = prepared
        .redacted_headers()
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    let body = prepared
        .body_text()
        .map(|b| RawValue::from_string(b.to_owned()))
        .transpose()
        .map_err(|e| CliError::Usage(format!("internal: body is not JSON: {e}")))?;
    let out = DryRun {
        method: prepared.method.as_str(),
        url: &prepared.url,
        credential: credentials.as_ref().map(|c| c.kind().to_string()),
        headers,
        body,
        notices: request.notices().iter().map(notice_json).collect(),
    };
    let text = serde_json::to_string(&out).unwrap_or_default();
    match &args.output.output {
        Some(path) => {
            std::fs::write(path, format!("{text}\n")).map_err(|source| CliError::WriteFile {
                path: path.display().to_string(),
                source,
            })?;
        }
        None => println!("{text}"),
    }
    Ok(ExitOutcome::Ok)
}

fn random_nonce() -> String {
    (0..32).map(|_| fastrand::alphanumeric()).collect()
}

#[derive(serde::Serialize)]
struct DryRun<'a> {
    method: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<String>,
    headers: serde_json::Map<String, serde_json::Value>,
    body: Option<Box<RawValue>>,
    notices: Vec<serde_json::Value>,
}
