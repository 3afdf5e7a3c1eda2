//! A bulk job's saved state, so that a stopped job resumes where it stopped: the format, its
//! version and its validation, as bytes in and bytes out (the transport writes, syncs and reads
//! the file).
//!
//! A checkpoint is a text line, `xengage-checkpoint 1`, then frames: first a header (the job's
//! [`JobIdentity`]: endpoint, ids, metrics, window, groupings, the credentials' account, when it
//! was planned; never a secret), then one record per answer that settled a request (its place
//! in the plan, the request as sent, the status and the body as received). Each frame is
//! self-delimiting and checksummed: its length, a CRC-32 of the length, a CRC-32 of the payload,
//! the payload.
//!
//! The records keep the answers themselves, not rows taken from them: a resumed
//! [`Collector`](crate::collect::Collector) reads them again with the same parser, so what it
//! hands out (rows, notices, the ledger, refusals that narrowed a batch) is what the first run
//! handed out, and the format does not follow every change of the row types.
//!
//! Reading is strict: a last record cut short (or garbled) by a kill is dropped, and its request
//! asked again; anything else damaged, a missing header, another format version or a file that
//! is not a checkpoint is a typed [`CheckpointError`] saying what to do, never half-read.
//!
//! ```
//! use std::time::Duration;
//! use time::macros::datetime;
//! use xengage_core::checkpoint::{Account, Checkpoint};
//! use xengage_core::collect::{Action, CollectOptions, Collector, Event};
//! use xengage_core::plan::{Plan, PlanOptions};
//! use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
//!
//! let now = datetime!(2026-11-22 12:00 UTC);
//! let spec = RequestSpec::new(Endpoint::Totals)
//!     .post_ids(["1990000000000000001"])
//!     .metrics(["favorites"]);
//! let plan = Plan::new(&spec, now, &ValidationOptions::default(), &PlanOptions::default())?;
//! let account = Account::unknown();
//! let (mut collector, mut saved) = Collector::saving(plan.clone(), CollectOptions::default(), &account);
//! let Action::Send(out) = collector.poll(Duration::ZERO) else { unreachable!() };
//! collector.on_answer(out.id, Duration::from_millis(80), 200, &http::HeaderMap::new(),
//!     br#"{"grouping":{"1990000000000000001":{"favorites":"7"}}}"#, 0.5);
//! while let Some(event) = collector.next_event() {
//!     if let Event::Save { record, .. } = event {
//!         saved.extend_from_slice(&record); // a transport appends and syncs
//!     }
//! }
//! // Later, maybe in another process: nothing is left to send.
//! let checkpoint = Checkpoint::read(&saved)?;
//! let mut resumed = Collector::resume(plan, CollectOptions::default(), checkpoint, &account)?;
//! assert_eq!(resumed.poll(Duration::ZERO), Action::Done);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::Credentials;
use crate::id::PostId;
use crate::metric::Metric;
use crate::pace::QuotaKind;
use crate::plan::Plan;
use crate::request::{CredentialKind, Request};
use crate::response::RateLimit;
use crate::window::{TimeWindow, format_time, parse_rfc3339};

/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first bytes of every checkpoint, before the version.
const MAGIC: &[u8] = b"xengage-checkpoint ";

/// A frame's head: the payload's length, a CRC-32 of those 4 bytes, a CRC-32 of the payload.
const FRAME_HEAD: usize = 12;

/// Whom a job's credentials act for, without any secret: a checkpoint belongs to one account.
///
/// OAuth 1.0a: the app's consumer key and the user of the access token (the digits before its
/// `-`, the user id in X's tokens; the whole token otherwise: both are sent in every signed
/// request, neither is a secret). Bearer and OAuth 2.0 user tokens are secrets and name no
/// account readable without asking the API, so only their kind is kept: a renewed token (after
/// a 401) resumes the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    kind: Option<CredentialKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
}

impl Account {
    /// The account `credentials` act for.
    pub fn of(credentials: &Credentials) -> Account {
        let (app, user) = match credentials {
            Credentials::OAuth1User(c) => {
                let user = match c.token.split_once('-') {
                    Some((id, _)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
                        id.to_owned()
                    }
                    _ => c.token.clone(),
                };
                // An app-only signature (no token) names no user.
                let user = (!c.token.is_empty()).then_some(user);
                (Some(c.consumer_key.clone()), user)
            }
            Credentials::AppOnly { .. } | Credentials::OAuth2User { .. } => (None, None),
        };
        Account {
            kind: Some(credentials.kind()),
            app,
            user,
        }
    }

    /// No credentials known (a transport that signs elsewhere, a test): matches only itself.
    pub fn unknown() -> Account {
        Account {
            kind: None,
            app: None,
            user: None,
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            None => f.write_str("no credentials named")?,
            Some(kind) => write!(f, "{kind}")?,
        }
        if let Some(user) = &self.user {
            write!(f, " of user {user}")?;
        }
        if let Some(app) = &self.app {
            write!(f, " (app key {app})")?;
        }
        Ok(())
    }
}

/// What makes a job this job: a checkpoint is resumed only by the job that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobIdentity {
    endpoint: String,
    post_ids: Vec<PostId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    media_keys: Vec<String>,
    metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window: Option<[String; 2]>,
    groupings: Vec<(String, Vec<String>)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    granularity: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<String>,
    requests: usize,
    account: Account,
    planned_at: String,
}

impl JobIdentity {
    /// The identity of `plan`, collected with the credentials of `account`.
    pub fn of(plan: &Plan, account: &Account) -> JobIdentity {
        let template = plan.template();
        JobIdentity {
            endpoint: plan.endpoint().name().to_owned(),
            post_ids: plan.post_ids().to_vec(),
            media_keys: plan.media_keys().iter().map(ToString::to_string).collect(),
            metrics: plan.metrics().to_vec(),
            window: plan
                .range()
                .map(|w| [format_time(w.start()), format_time(w.end())]),
            groupings: plan
                .groupings()
                .iter()
                .map(|g| {
                    let dims = g.group_by.iter().map(|d| d.name().to_owned()).collect();
                    (g.name.clone(), dims)
                })
                .collect(),
            granularity: template.granularity().map(|g| g.name().to_owned()),
            fields: template
                .fields()
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
            requests: plan.len(),
            account: account.clone(),
            planned_at: format_time(plan.planned_at()),
        }
    }

    /// The `now` the job was planned against: a resumed job is planned against it again, so
    /// that its requests (windows, posts too old for a metric) are the first run's.
    pub fn planned_at(&self) -> Option<OffsetDateTime> {
        parse_rfc3339(&self.planned_at)
    }

    /// The number of requests the job plans.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// The bytes a new checkpoint starts with: the format's line and this header.
    pub fn header(&self) -> Vec<u8> {
        let mut out = format!("xengage-checkpoint {FORMAT_VERSION}\n").into_bytes();
        // Serializing strings, ids and names cannot fail.
        let payload = serde_json::to_vec(self).unwrap_or_default();
        frame(&mut out, &payload);
        out
    }

    /// What differs between the job that wrote a checkpoint (`self`) and `given`: empty when
    /// they are the same job.
    pub fn differences(&self, given: &JobIdentity) -> Vec<Difference> {
        let mut out = Vec::new();
        let mut differ = |what: &'static str, saved: String, now: String| {
            out.push(Difference {
                what,
                saved,
                given: now,
            });
        };
        if self.endpoint != given.endpoint {
            differ("endpoint", self.endpoint.clone(), given.endpoint.clone());
        }
        if self.post_ids != given.post_ids {
            let (saved, now) = id_differences(&self.post_ids, &given.post_ids);
            differ("post ids", saved, now);
        }
        if self.media_keys != given.media_keys {
            differ(
                "media keys",
                self.media_keys.join(","),
                given.media_keys.join(","),
            );
        }
        if self.metrics != given.metrics {
            let names = |m: &[Metric]| m.iter().map(|m| m.name()).collect::<Vec<_>>().join(",");
            differ("metrics", names(&self.metrics), names(&given.metrics));
        }
        if self.window != given.window {
            let text = |w: &Option<[String; 2]>| match w {
                Some([s, e]) => format!("{s}..{e}"),
                None => "none".to_owned(),
            };
            differ("window", text(&self.window), text(&given.window));
        }
        if self.groupings != given.groupings {
            let text = |g: &[(String, Vec<String>)]| {
                g.iter()
                    .map(|(name, dims)| format!("{name}={}", dims.join(",")))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            differ("groupings", text(&self.groupings), text(&given.groupings));
        }
        if self.granularity != given.granularity {
            let text = |g: &Option<String>| g.clone().unwrap_or_else(|| "none".to_owned());
            differ(
                "granularity",
                text(&self.granularity),
                text(&given.granularity),
            );
        }
        if self.fields != given.fields {
            differ("fields", self.fields.join(","), given.fields.join(","));
        }
        if self.account != given.account {
            differ(
                "credentials' account",
                self.account.to_string(),
                given.account.to_string(),
            );
        }
        // Same ids, metrics and window in other batches: another batch size or age split.
        let same_so_far = self.endpoint == given.endpoint
            && self.post_ids == given.post_ids
            && self.media_keys == given.media_keys
            && self.metrics == given.metrics
            && self.window == given.window
            && self.groupings == given.groupings
            && self.granularity == given.granularity
            && self.fields == given.fields
            && self.account == given.account;
        if same_so_far && self.requests != given.requests {
            differ(
                "requests planned (batch size)",
                self.requests.to_string(),
                given.requests.to_string(),
            );
        }
        out
    }
}

/// Up to three ids of each list that the other lacks, and the counts.
fn id_differences(saved: &[PostId], given: &[PostId]) -> (String, String) {
    let only = |a: &[PostId], b: &[PostId]| {
        let b: std::collections::HashSet<&PostId> = b.iter().collect();
        let missing: Vec<&PostId> = a.iter().filter(|id| !b.contains(id)).collect();
        let shown: Vec<&str> = missing.iter().take(3).map(|id| id.as_str()).collect();
        let more = missing.len().saturating_sub(shown.len());
        let count = a.len();
        match (shown.is_empty(), more) {
            (true, _) => format!("{count} ids, in another order"),
            (false, 0) => format!("{count} ids; not in the other: {}", shown.join(", ")),
            (false, more) => format!(
                "{count} ids; not in the other: {} and {more} more",
                shown.join(", ")
            ),
        }
    };
    (only(saved, given), only(given, saved))
}

/// One way a checkpoint's job differs from the job given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Difference {
    /// What differs: `endpoint`, `post ids`, `metrics`, `window`, `groupings`, ...
    pub what: &'static str,
    /// As the checkpoint says.
    pub saved: String,
    /// As the job given says.
    pub given: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} in the checkpoint, {} now",
            self.what, self.saved, self.given
        )
    }
}

/// A checkpoint that cannot be resumed. Each variant says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The bytes are not a checkpoint at all.
    #[error(
        "not an xengage checkpoint (it does not start with `xengage-checkpoint`): give the checkpoint this job wrote, or a path where none exists to start one"
    )]
    NotACheckpoint,
    /// The checkpoint stops before its header ends (empty, or cut while it was being made).
    #[error(
        "the checkpoint has no whole header (it is empty or was cut while being made): remove it to start the job over"
    )]
    MissingHeader,
    /// The checkpoint is of another format version.
    #[error(
        "the checkpoint is of format version {found}; this version of xengage reads version {supported}: resume it with the xengage that wrote it, or remove it to start the job over"
    )]
    OtherVersion {
        /// The version the checkpoint says.
        found: String,
        /// The version this crate reads.
        supported: u32,
    },
    /// A frame before the last is damaged (edited or corrupted): the checkpoint is not read.
    #[error(
        "the checkpoint is damaged at byte {offset} ({what} of frame {frame}), before its last record, so it was edited or corrupted, not cut by a stop: remove it to start the job over"
    )]
    Damaged {
        /// Where the damaged frame starts.
        offset: usize,
        /// Its number: 0 is the header, 1 the first record.
        frame: usize,
        /// What is wrong with it.
        what: &'static str,
    },
    /// The checkpoint was written by another job.
    #[error(
        "the checkpoint was written for another job ({}): run the command that started it, or give another checkpoint path",
        .differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    OtherJob {
        /// What differs.
        differences: Vec<Difference>,
    },
}

/// One answer kept in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SavedAnswer {
    pub(crate) index: usize,
    pub(crate) post_ids: Vec<PostId>,
    pub(crate) media_keys: Vec<String>,
    pub(crate) metrics: Vec<Metric>,
    pub(crate) window: Option<TimeWindow>,
    pub(crate) status: u16,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) body: Vec<u8>,
}

/// A record's description of its answer; the body follows it.
#[derive(Serialize, Deserialize)]
struct RecordMeta {
    index: usize,
    post_ids: Vec<PostId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    media_keys: Vec<String>,
    metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window: Option<[String; 2]>,
    status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_limit: Option<[u32; 2]>,
    /// The v2 window's reset (Unix seconds), when the answer reported the v2 quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_limit_reset: Option<u64>,
    /// Whether the quota was the v2 window's (`x-rate-limit-*`) rather than the per-minute one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    rate_limit_window: bool,
}

impl SavedAnswer {
    /// Whether this answers `request` (the same posts, metrics and window).
    pub(crate) fn answers(&self, index: usize, request: &Request) -> bool {
        self.index == index
            && self.post_ids == request.post_ids()
            && self.media_keys.len() == request.media_keys().len()
            && self
                .media_keys
                .iter()
                .zip(request.media_keys())
                .all(|(saved, key)| *saved == key.to_string())
            && self.metrics == request.metrics()
            && self.window == request.window()
    }

    /// The headers the parser reads from the answer: the quota's.
    pub(crate) fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(rl) = self.rate_limit {
            if rl.quota == QuotaKind::Window {
                let [limit, remaining, reset] = crate::facts::limits::V2_RATE_LIMIT_HEADERS;
                headers.insert(limit, rl.limit.into());
                headers.insert(remaining, rl.remaining.into());
                if let Some(at) = rl.reset {
                    headers.insert(reset, at.into());
                }
            } else {
                let [limit, remaining] = crate::facts::limits::ENTERPRISE_RATE_LIMIT_HEADERS;
                headers.insert(limit, rl.limit.into());
                headers.insert(remaining, rl.remaining.into());
            }
        }
        headers
    }

    /// The record's bytes, to append to a checkpoint.
    pub(crate) fn record(
        index: usize,
        request: &Request,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<u8> {
        let rate_limit = RateLimit::for_endpoint(request.endpoint(), headers);
        let meta = RecordMeta {
            index,
            post_ids: request.post_ids().to_vec(),
            media_keys: request
                .media_keys()
                .iter()
                .map(ToString::to_string)
                .collect(),
            metrics: request.metrics().to_vec(),
            window: request
                .window()
                .map(|w| [format_time(w.start()), format_time(w.end())]),
            status,
            rate_limit: rate_limit.map(|rl| [rl.limit, rl.remaining]),
            rate_limit_reset: rate_limit.and_then(|rl| rl.reset),
            rate_limit_window: rate_limit.is_some_and(|rl| rl.quota == QuotaKind::Window),
        };
        // Serializing ids, names and numbers cannot fail.
        let meta = serde_json::to_vec(&meta).unwrap_or_default();
        let mut payload = Vec::with_capacity(4 + meta.len() + body.len());
        payload.extend_from_slice(&len_u32(meta.len()).to_le_bytes());
        payload.extend_from_slice(&meta);
        payload.extend_from_slice(body);
        let mut out = Vec::with_capacity(FRAME_HEAD + payload.len());
        frame(&mut out, &payload);
        out
    }

    fn from_payload(payload: &[u8]) -> Option<SavedAnswer> {
        let (len, rest) = payload.split_at_checked(4)?;
        let len = usize::try_from(u32::from_le_bytes(len.try_into().ok()?)).ok()?;
        let (meta, body) = rest.split_at_checked(len)?;
        let meta: RecordMeta = serde_json::from_slice(meta).ok()?;
        let window = match meta.window {
            Some([s, e]) => Some(TimeWindow::new(parse_rfc3339(&s)?, parse_rfc3339(&e)?).ok()?),
            None => None,
        };
        Some(SavedAnswer {
            index: meta.index,
            post_ids: meta.post_ids,
            media_keys: meta.media_keys,
            metrics: meta.metrics,
            window,
            status: meta.status,
            rate_limit: meta.rate_limit.map(|[limit, remaining]| RateLimit {
                limit,
                remaining,
                reset: meta.rate_limit_reset,
                quota: if meta.rate_limit_window {
                    QuotaKind::Window
                } else {
                    QuotaKind::PerMinute
                },
            }),
            body: body.to_vec(),
        })
    }
}

/// A length as the 4 bytes of a frame (payloads beyond 4 GiB are cut to the limit, which the
/// parser's body limit keeps far away).
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Appends `payload` to `out` as a frame.
fn frame(out: &mut Vec<u8>, payload: &[u8]) {
    let len = len_u32(payload.len()).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&crc32fast::hash(&len).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// What the next frame of a checkpoint holds.
enum Next<'a> {
    /// A whole frame and its payload, and where the next starts.
    Frame(&'a [u8], usize),
    /// The bytes end inside the frame (or its checksum fails and it is the last): a record cut
    /// by a stop.
    Torn,
    /// The frame is damaged.
    Damaged(&'static str),
}

fn next_frame(bytes: &[u8], at: usize) -> Next<'_> {
    let Some(head) = bytes.get(at..at + FRAME_HEAD) else {
        return Next::Torn;
    };
    let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    if crc32fast::hash(&head[..4]) != word(4) {
        return Next::Damaged("its length fails its checksum");
    }
    let Ok(len) = usize::try_from(word(0)) else {
        return Next::Damaged("its length is beyond this machine");
    };
    let start = at + FRAME_HEAD;
    let Some(payload) = start.checked_add(len).and_then(|end| bytes.get(start..end)) else {
        return Next::Torn;
    };
    let end = start + len;
    if crc32fast::hash(payload) != word(8) {
        // A stop cuts; it does not garble. But a crash of the machine can leave the last
        // block of a file garbled, so a bad last frame is a cut one.
        if end == bytes.len() {
            return Next::Torn;
        }
        return Next::Damaged("its contents fail their checksum");
    }
    Next::Frame(payload, end)
}

/// A checkpoint, read and checked: the job it belongs to and the answers it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    identity: JobIdentity,
    pub(crate) answers: Vec<SavedAnswer>,
    valid_len: usize,
}

impl Checkpoint {
    /// Reads a checkpoint. A last record cut short is dropped (see [`Self::valid_len`]);
    /// anything else wrong is an error, and nothing of the checkpoint is used.
    pub fn read(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let Some(after_magic) = bytes.strip_prefix(MAGIC) else {
            return Err(if MAGIC.starts_with(bytes) {
                CheckpointError::MissingHeader
            } else {
                CheckpointError::NotACheckpoint
            });
        };
        let Some(line_end) = after_magic.iter().take(32).position(|&b| b == b'\n') else {
            return Err(if after_magic.len() < 32 {
                CheckpointError::MissingHeader
            } else {
                CheckpointError::NotACheckpoint
            });
        };
        let version = String::from_utf8_lossy(&after_magic[..line_end]).into_owned();
        if version != FORMAT_VERSION.to_string() {
            return Err(CheckpointError::OtherVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let mut at = MAGIC.len() + line_end + 1;
        let identity = match next_frame(bytes, at) {
            Next::Frame(payload, end) => {
                at = end;
                serde_json::from_slice::<JobIdentity>(payload).map_err(|_| {
                    CheckpointError::Damaged {
                        offset: MAGIC.len() + line_end + 1,
                        frame: 0,
                        what: "the header is not one this version writes",
                    }
                })?
            }
            Next::Torn => return Err(CheckpointError::MissingHeader),
            Next::Damaged(what) => {
                return Err(CheckpointError::Damaged {
                    offset: at,
                    frame: 0,
                    what,
                });
            }
        };
        let mut answers = Vec::new();
        while at < bytes.len() {
            let frame = answers.len() + 1;
            match next_frame(bytes, at) {
                Next::Frame(payload, end) => {
                    let Some(answer) = SavedAnswer::from_payload(payload) else {
                        return Err(CheckpointError::Damaged {
                            offset: at,
                            frame,
                            what: "the record is not one this version writes",
                        });
                    };
                    answers.push(answer);
                    at = end;
                }
                Next::Torn => break,
                Next::Damaged(what) => {
                    return Err(CheckpointError::Damaged {
                        offset: at,
                        frame,
                        what,
                    });
                }
            }
        }
        Ok(Checkpoint {
            identity,
            answers,
            valid_len: at,
        })
    }

    /// The job the checkpoint belongs to.
    pub fn identity(&self) -> &JobIdentity {
        &self.identity
    }

    /// The answers it keeps (whole records).
    pub fn answers(&self) -> usize {
        self.answers.len()
    }

    /// The bytes that hold its header and whole records. When the bytes read were longer, their
    /// last record was cut by a stop: cut the file to this length before appending to it.
    pub fn valid_len(&self) -> usize {
        self.valid_len
    }

    /// Checks that the checkpoint belongs to `plan` collected as `account`.
    pub fn check(&self, plan: &Plan, account: &Account) -> Result<(), CheckpointError> {
        let differences = self.identity.differences(&JobIdentity::of(plan, account));
        if differences.is_empty() {
            Ok(())
        } else {
            Err(CheckpointError::OtherJob { differences })
        }
    }
}
