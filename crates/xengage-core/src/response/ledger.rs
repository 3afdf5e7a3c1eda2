//! The ledger: an account of every post (and every media, on media analytics) asked about. Each ends with values, or with the reason
//! it has none: unavailable (deleted or protected), unsupported for some metrics (too old),
//! forbidden (not the credential's own), missing from the answer, or failed with an error.

use std::collections::{HashMap, HashSet};

use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;
use crate::plan::Plan;
use crate::request::Request;

use super::error::{ApiError, ResponseError};
use crate::pace::Failure;

/// The metrics an answer's `unsupported_for_impressions_engagements_tweet_ids` refuses.
pub(crate) const UNSUPPORTED_IMPRESSIONS: &[Metric] = &[Metric::Impressions, Metric::Engagements];
/// The metrics an answer's `unsupported_for_video_views_tweet_ids` refuses.
pub(crate) const UNSUPPORTED_VIDEO_VIEWS: &[Metric] = &[Metric::VideoViews];

/// Where the ledger learnt that a metric is unsupported for a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnsupportedSource {
    /// The plan did not ask: the post's snowflake id shows it is too old.
    Plan,
    /// The answer listed the post in an `unsupported_*` key.
    Answer,
}

/// A metric the API does not serve for a post, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub struct Unsupported {
    /// The metric.
    pub metric: Metric,
    /// The documented age limit, in days: 90 for impressions and engagements on totals, 1800
    /// for video views.
    pub max_days: i64,
    /// Who said so.
    pub source: UnsupportedSource,
}

/// What is known about one post.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct PostEntry {
    /// Answers (batches, windows) that served values for the post.
    pub answers: u32,
    /// Listed in `unavailable_tweet_ids` (deleted, or protected: never served, even to the
    /// owner).
    pub unavailable: bool,
    /// Named in "Forbidden to access tweets: ..." (not owned by the credential's user).
    pub forbidden: bool,
    /// Metrics not served for the post.
    pub unsupported: Vec<Unsupported>,
    /// Groupings by `tweet.id` of an answer that did not mention the post although nothing
    /// explained why.
    pub missing_from: Vec<String>,
    /// Failures of requests that would have served the post (after every retry), distinct.
    /// Serialized as their messages, as before they were typed.
    #[serde(serialize_with = "failure_messages")]
    pub failures: Vec<PostFailure>,
}

/// `failures` as a list of their messages.
fn failure_messages<S: serde::Serializer>(
    failures: &[PostFailure],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(failures.iter().map(|f| f.message.as_str()))
}

/// What kind of failure kept a post from being served. Match on it (and on
/// [`PostFailure::status`]) rather than on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// The API answered with an error status ([`PostFailure::status`] says which), after
    /// every retry the policy allows.
    Api,
    /// The answer's body is not what the API sends.
    Malformed,
    /// The answer could not be used as it came: over the size limit, nested too deep, still
    /// compressed, or in a coding never asked for; or the request could not be signed.
    Unusable,
    /// No answer within the timeout.
    Timeout,
    /// The connection failed or dropped.
    Connection,
    /// The answer's body was cut short or could not be decoded.
    BrokenBody,
    /// The answer gave no values for the post and said why in an error of its own (the
    /// per-post `errors` of a v2 answer, or its problems).
    PostError,
    /// The job was cancelled before the post was answered.
    Cancelled,
}

impl FailureKind {
    /// The kind of a failure without an answer, as a transport classifies it.
    pub fn of_failure(failure: Failure) -> FailureKind {
        match failure {
            Failure::Timeout => FailureKind::Timeout,
            Failure::Connection => FailureKind::Connection,
            Failure::BrokenBody => FailureKind::BrokenBody,
            Failure::RateLimited | Failure::Server => FailureKind::Api,
            Failure::Permanent => FailureKind::Unusable,
        }
    }

    /// The kind of an answer's error.
    pub fn of_error(error: &ResponseError) -> FailureKind {
        match error {
            ResponseError::Api(_) => FailureKind::Api,
            ResponseError::Malformed(_) => FailureKind::Malformed,
            _ => FailureKind::Unusable,
        }
    }

    /// The name, as serialized.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Api => "api",
            FailureKind::Malformed => "malformed",
            FailureKind::Unusable => "unusable",
            FailureKind::Timeout => "timeout",
            FailureKind::Connection => "connection",
            FailureKind::BrokenBody => "broken_body",
            FailureKind::PostError => "post_error",
            FailureKind::Cancelled => "cancelled",
        }
    }
}

/// Why a request that would have served a post failed: its kind, the status of the answer
/// where one came, and the message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub struct PostFailure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The HTTP status of the answer, where the API answered with an error status.
    pub status: Option<u16>,
    /// What went wrong, in words (never the only way to tell failures apart).
    pub message: String,
}

impl PostFailure {
    /// A failure of `kind` with `message` and no status.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> PostFailure {
        PostFailure {
            kind,
            status: None,
            message: message.into(),
        }
    }

    /// The failure an answer's `error` stands for.
    pub fn of_error(error: &ResponseError) -> PostFailure {
        PostFailure {
            kind: FailureKind::of_error(error),
            status: match error {
                ResponseError::Api(e) => Some(e.status),
                _ => None,
            },
            message: error.to_string(),
        }
    }

    /// The job was cancelled.
    pub fn cancelled() -> PostFailure {
        PostFailure::new(FailureKind::Cancelled, "cancelled")
    }
}

impl std::fmt::Display for PostFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The one-word state of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PostStatus {
    /// Values for everything asked.
    Served,
    /// Values, but not for every metric or window asked (see the entry).
    Partial,
    /// Deleted or protected.
    Unavailable,
    /// Too old for every metric asked.
    Unsupported,
    /// Not the credential's own.
    Forbidden,
    /// Every request that would have served it failed.
    Failed,
    /// The job was cancelled before it was answered.
    Cancelled,
    /// Not answered yet.
    Pending,
}

impl PostStatus {
    /// The name, as serialized.
    pub fn name(self) -> &'static str {
        match self {
            PostStatus::Served => "served",
            PostStatus::Partial => "partial",
            PostStatus::Unavailable => "unavailable",
            PostStatus::Unsupported => "unsupported",
            PostStatus::Forbidden => "forbidden",
            PostStatus::Failed => "failed",
            PostStatus::Cancelled => "cancelled",
            PostStatus::Pending => "pending",
        }
    }
}

impl PostEntry {
    /// The entry's state.
    pub fn status(&self) -> PostStatus {
        // Values from some answer make a post served or partial, whatever another answer said
        // (a post deleted between two windows keeps the first window's values).
        let shortfall = !self.unsupported.is_empty()
            || !self.failures.is_empty()
            || !self.missing_from.is_empty()
            || self.unavailable
            || self.forbidden;
        if self.answers > 0 {
            return if shortfall {
                PostStatus::Partial
            } else {
                PostStatus::Served
            };
        }
        if self.unavailable {
            PostStatus::Unavailable
        } else if self.forbidden {
            PostStatus::Forbidden
        } else if self.missing_from.is_empty()
            && !self.failures.is_empty()
            && self
                .failures
                .iter()
                .all(|f| f.kind == FailureKind::Cancelled)
        {
            PostStatus::Cancelled
        } else if !self.failures.is_empty() || !self.missing_from.is_empty() {
            PostStatus::Failed
        } else if !self.unsupported.is_empty() {
            PostStatus::Unsupported
        } else {
            PostStatus::Pending
        }
    }

    fn absorb(&mut self, other: &PostEntry) {
        self.answers += other.answers;
        self.unavailable |= other.unavailable;
        self.forbidden |= other.forbidden;
        for u in &other.unsupported {
            if !self.unsupported.iter().any(|x| x.metric == u.metric) {
                self.unsupported.push(*u);
            }
        }
        for g in &other.missing_from {
            if !self.missing_from.contains(g) {
                self.missing_from.push(g.clone());
            }
        }
        let mut listed: HashSet<&PostFailure> = self.failures.iter().collect();
        let new: Vec<PostFailure> = other
            .failures
            .iter()
            .filter(|f| listed.insert(f))
            .cloned()
            .collect();
        self.failures.extend(new);
    }
}

/// How many posts are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct LedgerCounts {
    /// Values for everything asked.
    pub served: usize,
    /// Values, with a shortfall.
    pub partial: usize,
    /// Deleted or protected.
    pub unavailable: usize,
    /// Too old for everything asked.
    pub unsupported: usize,
    /// Not the credential's own.
    pub forbidden: usize,
    /// Failed.
    pub failed: usize,
    /// Not answered: the job was cancelled.
    pub cancelled: usize,
    /// Not answered.
    pub pending: usize,
}

impl LedgerCounts {
    /// Posts with no values at all.
    pub fn not_served(&self) -> usize {
        self.unavailable
            + self.unsupported
            + self.forbidden
            + self.failed
            + self.cancelled
            + self.pending
    }
}

/// Every post asked about, in the order first asked, with what is known about it; and, on
/// media analytics, every media key the same way (a second section, with the same
/// [`PostEntry`] and [`PostStatus`]: a media is served, unavailable, forbidden or failed just as
/// a post is). [`Ledger::counts`], [`Ledger::len`] and [`Ledger::failure_messages`] cover both
/// sections; [`Ledger::iter`] and [`Ledger::status`] the posts, [`Ledger::media_iter`] and
/// [`Ledger::media_status`] the media.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ledger {
    entries: Vec<(PostId, PostEntry)>,
    index: HashMap<PostId, usize>,
    media: Vec<(MediaKey, PostEntry)>,
    media_index: HashMap<MediaKey, usize>,
}

impl Ledger {
    /// A ledger of `post_ids`, all pending.
    pub fn new<'a>(post_ids: impl IntoIterator<Item = &'a PostId>) -> Ledger {
        let mut ledger = Ledger::default();
        for id in post_ids {
            ledger.entry(*id);
        }
        ledger
    }

    /// A ledger of the posts and media keys of `request`, all pending.
    pub fn of_request(request: &Request) -> Ledger {
        let mut ledger = Ledger::new(request.post_ids());
        for key in request.media_keys() {
            ledger.media_entry(*key);
        }
        ledger
    }

    /// A ledger of a plan's posts, with the metrics it does not ask for posts too old for them.
    pub fn for_plan(plan: &Plan) -> Ledger {
        let mut ledger = Ledger::new(plan.post_ids());
        for key in plan.media_keys() {
            ledger.media_entry(*key);
        }
        for t in plan.too_old() {
            ledger.entry(t.post_id).unsupported.push(Unsupported {
                metric: t.metric,
                max_days: t.max_days,
                source: UnsupportedSource::Plan,
            });
        }
        ledger
    }

    /// Every post of `request` failed with `error`; posts the error names are forbidden,
    /// unavailable or unsupported instead.
    pub fn failed(request: &Request, error: &ResponseError) -> Ledger {
        let mut ledger = Ledger::refused(request, error);
        let failure = PostFailure::of_error(error);
        // A post the error names but for nothing this request asks (unsupported for a metric
        // it does not ask for) has no reason from the error: it failed with the request.
        for id in request.post_ids() {
            if ledger.get(id).is_none() {
                ledger.entry(*id).failures.push(failure.clone());
            }
        }
        for key in request.media_keys() {
            if ledger.media_get(key).is_none() {
                ledger.media_entry(*key).failures.push(failure.clone());
            }
        }
        ledger
    }

    /// Only the posts of `request` that `error` names: forbidden, unavailable or unsupported.
    pub fn refused(request: &Request, error: &ResponseError) -> Ledger {
        let mut ledger = Ledger::of_request(request);
        if let ResponseError::Api(e) = error {
            ledger.note_refusals(e, request);
        }
        ledger.entries.retain(|(_, e)| *e != PostEntry::default());
        ledger.media.retain(|(_, e)| *e != PostEntry::default());
        ledger.reindex();
        ledger
    }

    /// Every post (and media) of `request` failed with `failure` (a timeout, a failed
    /// connection, a cancelled job: no answer came).
    pub fn failed_without_answer(request: &Request, failure: &PostFailure) -> Ledger {
        let mut ledger = Ledger::of_request(request);
        let posts = ledger.entries.iter_mut().map(|(_, e)| e);
        for e in posts.chain(ledger.media.iter_mut().map(|(_, e)| e)) {
            e.failures.push(failure.clone());
        }
        ledger
    }

    pub(crate) fn note_refusals(&mut self, e: &ApiError, request: &Request) {
        for id in &e.forbidden_ids {
            self.entry(*id).forbidden = true;
        }
        for id in &e.unavailable_ids {
            self.entry(*id).unavailable = true;
        }
        self.note_unsupported(
            &e.unsupported_impressions_ids,
            &e.unsupported_video_views_ids,
            request,
        );
    }

    /// Notes the metrics of `request` that an answer's `unsupported_*` lists refuse.
    pub(crate) fn note_unsupported(
        &mut self,
        impressions_ids: &[PostId],
        video_views_ids: &[PostId],
        request: &Request,
    ) {
        for (ids, metrics) in [
            (impressions_ids, UNSUPPORTED_IMPRESSIONS),
            (video_views_ids, UNSUPPORTED_VIDEO_VIEWS),
        ] {
            for id in ids {
                for &metric in metrics {
                    if !request.metrics().contains(&metric) {
                        continue;
                    }
                    let max_days = metric.facts().age_limit.map_or(0, |a| a.max_days);
                    let entry = self.entry(*id);
                    if !entry.unsupported.iter().any(|u| u.metric == metric) {
                        entry.unsupported.push(Unsupported {
                            metric,
                            max_days,
                            source: UnsupportedSource::Answer,
                        });
                    }
                }
            }
        }
    }

    /// The entry of `id`, added (pending) if new.
    pub(crate) fn entry(&mut self, id: PostId) -> &mut PostEntry {
        let i = *self.index.entry(id).or_insert_with(|| {
            self.entries.push((id, PostEntry::default()));
            self.entries.len() - 1
        });
        &mut self.entries[i].1
    }

    /// The entry of media `key`, added (pending) if new.
    pub(crate) fn media_entry(&mut self, key: MediaKey) -> &mut PostEntry {
        let i = *self.media_index.entry(key).or_insert_with(|| {
            self.media.push((key, PostEntry::default()));
            self.media.len() - 1
        });
        &mut self.media[i].1
    }

    fn reindex(&mut self) {
        self.index = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        self.media_index = self
            .media
            .iter()
            .enumerate()
            .map(|(i, (key, _))| (*key, i))
            .collect();
    }

    /// Adds what `other` knows: answers add up, reasons accumulate.
    pub fn absorb(&mut self, other: &Ledger) {
        for (id, e) in &other.entries {
            self.entry(*id).absorb(e);
        }
        for (key, e) in &other.media {
            self.media_entry(*key).absorb(e);
        }
    }

    /// What is known about media `key`.
    pub fn media_get(&self, key: &MediaKey) -> Option<&PostEntry> {
        self.media_index.get(key).map(|&i| &self.media[i].1)
    }

    /// The state of media `key`.
    pub fn media_status(&self, key: &MediaKey) -> Option<PostStatus> {
        self.media_get(key).map(PostEntry::status)
    }

    /// Every media key, in the order first asked.
    pub fn media_iter(&self) -> impl Iterator<Item = (&MediaKey, &PostEntry)> {
        self.media.iter().map(|(key, e)| (key, e))
    }

    /// Every entry, posts then media.
    fn all_entries(&self) -> impl Iterator<Item = &PostEntry> {
        self.entries
            .iter()
            .map(|(_, e)| e)
            .chain(self.media.iter().map(|(_, e)| e))
    }

    /// What is known about `id`.
    pub fn get(&self, id: &PostId) -> Option<&PostEntry> {
        self.index.get(id).map(|&i| &self.entries[i].1)
    }

    /// The state of `id`.
    pub fn status(&self, id: &PostId) -> Option<PostStatus> {
        self.get(id).map(PostEntry::status)
    }

    /// Every post, in the order first asked.
    pub fn iter(&self) -> impl Iterator<Item = (&PostId, &PostEntry)> {
        self.entries.iter().map(|(id, e)| (id, e))
    }

    /// The number of posts and media.
    pub fn len(&self) -> usize {
        self.entries.len() + self.media.len()
    }

    /// Whether no post and no media is in the ledger.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.media.is_empty()
    }

    /// How many posts and media are in each state.
    pub fn counts(&self) -> LedgerCounts {
        let mut c = LedgerCounts::default();
        for e in self.all_entries() {
            match e.status() {
                PostStatus::Served => c.served += 1,
                PostStatus::Partial => c.partial += 1,
                PostStatus::Unavailable => c.unavailable += 1,
                PostStatus::Unsupported => c.unsupported += 1,
                PostStatus::Forbidden => c.forbidden += 1,
                PostStatus::Failed => c.failed += 1,
                PostStatus::Cancelled => c.cancelled += 1,
                PostStatus::Pending => c.pending += 1,
            }
        }
        c
    }

    /// Every distinct failure message, in the order first seen.
    pub fn failure_messages(&self) -> Vec<String> {
        let mut listed = HashSet::new();
        self.failures()
            .into_iter()
            .filter(|f| listed.insert(f.message.as_str()))
            .map(|f| f.message.clone())
            .collect()
    }

    /// Every distinct failure, in the order first seen (posts, then media).
    pub fn failures(&self) -> Vec<&PostFailure> {
        // Told apart by a hash set: a ledger may hold very many failures.
        let mut listed = HashSet::new();
        self.all_entries()
            .flat_map(|e| &e.failures)
            .filter(|f| listed.insert(*f))
            .collect()
    }
}

impl Ledger {
    /// `Ok` when every post got values for everything asked; otherwise an error naming each
    /// post that did not and why, for callers who take anything less as a failure. (Partial
    /// failure stays data: the ledger and the rows are unchanged either way.)
    ///
    /// ```
    /// use xengage_core::PostId;
    /// use xengage_core::response::{Ledger, PostStatus};
    ///
    /// let id: PostId = "1070059276213702656".parse()?;
    /// let ledger = Ledger::new([&id]); // asked, never answered
    /// let err = ledger.ensure_served().unwrap_err();
    /// assert_eq!(err.posts[0].0, id);
    /// assert_eq!(err.posts[0].1.status(), PostStatus::Pending);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ensure_served(&self) -> Result<(), NotServed> {
        let posts: Vec<(PostId, PostEntry)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.status() != PostStatus::Served)
            .cloned()
            .collect();
        let media: Vec<(MediaKey, PostEntry)> = self
            .media
            .iter()
            .filter(|(_, e)| e.status() != PostStatus::Served)
            .cloned()
            .collect();
        if posts.is_empty() && media.is_empty() {
            Ok(())
        } else {
            Err(NotServed {
                posts,
                media,
                asked: self.len(),
            })
        }
    }
}

/// Not every post was served in full: [`Ledger::ensure_served`]'s error. Each post is named
/// with its entry ([`PostEntry::status`] and the reasons).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct NotServed {
    /// Every post without values for everything asked, in the order first asked.
    pub posts: Vec<(PostId, PostEntry)>,
    /// Every media (media analytics) without values for everything asked.
    pub media: Vec<(MediaKey, PostEntry)>,
    /// The number of posts (and media) asked about.
    pub asked: usize,
}

impl NotServed {
    /// How many of the posts are in `status`.
    pub fn count(&self, status: PostStatus) -> usize {
        let posts = self.posts.iter().map(|(_, e)| e);
        posts
            .chain(self.media.iter().map(|(_, e)| e))
            .filter(|e| e.status() == status)
            .count()
    }
}

impl std::fmt::Display for NotServed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// Posts named in full; the rest are counted.
        const SHOWN: usize = 5;
        write!(
            f,
            "{} of {} posts not served in full: ",
            self.posts.len() + self.media.len(),
            self.asked
        )?;
        let named = self.posts.iter().map(|(id, e)| (id.to_string(), e)).chain(
            self.media
                .iter()
                .map(|(key, e)| (format!("media {key}"), e)),
        );
        for (i, (id, entry)) in named.take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{id} ({}", entry.status().name())?;
            let mut reasons: Vec<String> = entry
                .unsupported
                .iter()
                .map(|u| format!("{} older than {} days", u.metric, u.max_days))
                .collect();
            reasons.extend(entry.failures.iter().map(|x| x.message.clone()));
            reasons.extend(
                entry
                    .missing_from
                    .iter()
                    .map(|g| format!("missing from {g}")),
            );
            if !reasons.is_empty() {
                write!(f, ": {}", reasons.join(", "))?;
            }
            f.write_str(")")?;
        }
        let all = self.posts.len() + self.media.len();
        if all > SHOWN {
            write!(f, "; and {} more", all - SHOWN)?;
        }
        Ok(())
    }
}

/// Serializes as a list of `{"post_id", "status", ...entry}`, then one
/// `{"media_key", "status", ...entry}` per media.
impl serde::Serialize for Ledger {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Line<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            post_id: Option<&'a PostId>,
            #[serde(skip_serializing_if = "Option::is_none")]
            media_key: Option<&'a MediaKey>,
            status: PostStatus,
            #[serde(flatten)]
            entry: &'a PostEntry,
        }
        let posts = self.entries.iter().map(|(post_id, entry)| Line {
            post_id: Some(post_id),
            media_key: None,
            status: entry.status(),
            entry,
        });
        let media = self.media.iter().map(|(key, entry)| Line {
            post_id: None,
            media_key: Some(key),
            status: entry.status(),
            entry,
        });
        serializer.collect_seq(posts.chain(media))
    }
}
