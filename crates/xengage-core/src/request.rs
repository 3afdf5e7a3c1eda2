//! Requests: an unchecked [`RequestSpec`] as users write it (strings everywhere, so every problem
//! can be reported at once), and the validated [`Request`] that can be built and sent.

use std::collections::HashSet;

use time::{Duration, OffsetDateTime};

use crate::facts::{Endpoint, Generation, TimeRange, V2Shape, limits};
use crate::grouping::{Dimension, FOUR_DIMENSION_ORDERS, Grouping};
use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;
use crate::notice::Notice;
use crate::problem::{InvalidRequest, Problem, Rule};
use crate::window::{TimeInput, TimeWindow, ceil_hour, floor_hour, format_time};

/// The kind of credential a request will be sent with; validation refuses what it cannot reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialKind {
    /// An OAuth 2.0 app-only bearer token: v1 totals, public metrics only.
    AppOnly,
    /// An OAuth 2.0 user token: the v2 endpoints (insights, post and media analytics).
    OAuth2User,
    /// OAuth 1.0a user context (consumer key and secret, access token and secret): everything,
    /// for posts the user owns.
    OAuth1User,
}

impl std::fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CredentialKind::AppOnly => "an app-only bearer token",
            CredentialKind::OAuth2User => "an OAuth 2.0 user token",
            CredentialKind::OAuth1User => "OAuth 1.0a user context",
        })
    }
}

/// The granularity of a v2 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Granularity {
    /// One value per day.
    Daily,
    /// One value per hour.
    Hourly,
    /// One value per week.
    Weekly,
    /// One total per post and metric.
    Total,
}

impl Granularity {
    /// Every granularity.
    pub const ALL: [Granularity; 4] = [
        Granularity::Daily,
        Granularity::Hourly,
        Granularity::Weekly,
        Granularity::Total,
    ];

    /// The name the API uses.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Daily => "Daily",
            Granularity::Hourly => "Hourly",
            Granularity::Weekly => "Weekly",
            Granularity::Total => "Total",
        }
    }

    /// The value sent on `endpoint`: `Daily` on v2 insights, `daily` (lower case) on post and
    /// media analytics.
    pub fn query_value(self, endpoint: Endpoint) -> String {
        if endpoint.is_analytics() {
            self.name().to_ascii_lowercase()
        } else {
            self.name().to_owned()
        }
    }

    /// Parses a granularity, ignoring ASCII case.
    pub fn parse(s: &str) -> Option<Granularity> {
        Granularity::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s))
    }
}

/// A field of the v2 engagement object (`engagement.fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum EngagementField {
    /// Per-post errors.
    Errors,
    /// The measurement (time series and totals).
    Measurement,
}

impl EngagementField {
    /// The name the API uses.
    pub fn name(self) -> &'static str {
        match self {
            EngagementField::Errors => "errors",
            EngagementField::Measurement => "measurement",
        }
    }

    /// Parses a field name, ignoring ASCII case.
    pub fn parse(s: &str) -> Option<EngagementField> {
        [EngagementField::Errors, EngagementField::Measurement]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
    }
}

/// A grouping as written by a user: a name and dimension names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupingSpec {
    /// The caller-chosen name.
    pub name: String,
    /// The dimension names, outermost first.
    pub group_by: Vec<String>,
}

/// A request as a user writes it, unchecked. [`RequestSpec::validate`] turns it into a
/// [`Request`] or reports every problem at once.
///
/// ```
/// use time::macros::datetime;
/// use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
///
/// let request = RequestSpec::new(Endpoint::Totals)
///     .post_ids(["1070059276213702656", "1021817816134156288"])
///     .metrics(["favorites", "retweets"])
///     .validate(datetime!(2026-11-22 12:00 UTC), &ValidationOptions::default())
///     .unwrap();
/// assert_eq!(request.post_ids().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RequestSpec {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Post ids, as decimal strings.
    #[serde(default)]
    pub post_ids: Vec<String>,
    /// Media keys (`<type>_<id>`), on media analytics only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_keys: Vec<String>,
    /// Metric names, in either generation's spelling.
    #[serde(default)]
    pub metrics: Vec<String>,
    /// v1 groupings; when empty on v1, one grouping by post and metric is added.
    #[serde(default)]
    pub groupings: Vec<GroupingSpec>,
    /// Window start (historical and analytics endpoints): a date or an RFC 3339 time.
    #[serde(default)]
    pub start: Option<String>,
    /// Window end (historical endpoints): a date or an RFC 3339 time.
    #[serde(default)]
    pub end: Option<String>,
    /// v2 granularity: `Daily`, `Hourly`, `Weekly` or `Total`, in any case (required on v2
    /// insights; on post analytics `total` and on media analytics `daily` when not given).
    #[serde(default)]
    pub granularity: Option<String>,
    /// v2 insights `engagement.fields`: `errors`, `measurement`.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Options of validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationOptions {
    /// The credential the request will be sent with, if known; `None` skips the checks that
    /// depend on it.
    pub credential: Option<CredentialKind>,
    /// Refuse historical windows starting more than 365 days before `now` (the overview's
    /// lookback). On by default; the reference itself only documents the 2014-09-01 floor.
    pub enforce_lookback: bool,
    /// Apply the 90-day limit of impressions and engagements on every Enterprise endpoint, not
    /// on totals only. The reference's metric table says "only for posts of the last 90 days"
    /// on a row marked for every endpoint, while its error list and the totals documentation
    /// say `/totals`; the documents disagree, so this is a setting. Off by default (totals
    /// only, as the error the API documents says). It decides the notices of too-old posts
    /// and which posts bulk collection asks apart.
    pub ninety_days_on_every_endpoint: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            credential: None,
            enforce_lookback: true,
            ninety_days_on_every_endpoint: false,
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `ValidationOptions::default().credential(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl ValidationOptions {
    /// Sets [`ValidationOptions::credential`].
    #[must_use]
    pub fn credential(mut self, credential: Option<CredentialKind>) -> Self {
        self.credential = credential;
        self
    }

    /// Sets [`ValidationOptions::enforce_lookback`].
    #[must_use]
    pub fn enforce_lookback(mut self, enforce_lookback: bool) -> Self {
        self.enforce_lookback = enforce_lookback;
        self
    }

    /// Sets [`ValidationOptions::ninety_days_on_every_endpoint`].
    #[must_use]
    pub fn ninety_days_on_every_endpoint(mut self, ninety_days_on_every_endpoint: bool) -> Self {
        self.ninety_days_on_every_endpoint = ninety_days_on_every_endpoint;
        self
    }
}

/// A validated request: every documented rule holds. Build it into HTTP with
/// [`Request::prepare`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    endpoint: Endpoint,
    post_ids: Vec<PostId>,
    media_keys: Vec<MediaKey>,
    metrics: Vec<Metric>,
    groupings: Vec<Grouping>,
    window: Option<TimeWindow>,
    granularity: Option<Granularity>,
    fields: Vec<EngagementField>,
    requested_at: OffsetDateTime,
    /// The options of validation, kept so that a changed request is checked by the same rules.
    validation: ValidationOptions,
    notices: Vec<Notice>,
}

impl From<Granularity> for String {
    fn from(granularity: Granularity) -> String {
        granularity.name().to_owned()
    }
}

impl RequestSpec {
    /// An empty spec for `endpoint`.
    pub fn new(endpoint: Endpoint) -> RequestSpec {
        RequestSpec {
            endpoint,
            post_ids: Vec::new(),
            media_keys: Vec::new(),
            metrics: Vec::new(),
            groupings: Vec::new(),
            start: None,
            end: None,
            granularity: None,
            fields: Vec::new(),
        }
    }

    /// Adds post ids: decimal strings, or [`PostId`](crate::PostId)s.
    #[must_use]
    pub fn post_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.post_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Adds media keys (media analytics).
    #[must_use]
    pub fn media_keys<I: IntoIterator<Item = S>, S: Into<String>>(mut self, keys: I) -> Self {
        self.media_keys.extend(keys.into_iter().map(Into::into));
        self
    }

    /// Adds metrics: names in any spelling (`favorites`, `Likes` or `likes`), or
    /// [`Metric`](crate::Metric)s, which are typed and never misspelt.
    ///
    /// ```
    /// use time::macros::datetime;
    /// use xengage_core::{Dimension, Endpoint, Granularity, Metric, RequestSpec, ValidationOptions};
    ///
    /// let now = datetime!(2026-11-22 12:00 UTC);
    /// let v1 = RequestSpec::new(Endpoint::Historical)
    ///     .post_ids(["1855000000000000000"])
    ///     .metrics([Metric::Impressions, Metric::Favorites])
    ///     .grouping("daily", [Dimension::TweetId, Dimension::EngagementType, Dimension::EngagementDay])
    ///     .window_times(datetime!(2026-11-01 00:00 UTC), datetime!(2026-11-08 00:00 UTC))
    ///     .validate(now, &ValidationOptions::default())?;
    /// assert_eq!(v1.metrics(), [Metric::Impressions, Metric::Favorites]);
    /// let v2 = RequestSpec::new(Endpoint::Insights28Hours)
    ///     .post_ids(["1855000000000000000"])
    ///     .metrics([Metric::Favorites]) // sent as `Likes`
    ///     .granularity(Granularity::Hourly)
    ///     .validate(now, &ValidationOptions::default())?;
    /// assert_eq!(v2.granularity(), Some(Granularity::Hourly));
    /// # Ok::<(), xengage_core::InvalidRequest>(())
    /// ```
    #[must_use]
    pub fn metrics<I: IntoIterator<Item = S>, S: Into<String>>(mut self, metrics: I) -> Self {
        self.metrics.extend(metrics.into_iter().map(Into::into));
        self
    }

    /// Adds a grouping: its name, and its dimensions outermost first, by name
    /// (`tweet.id`) or as [`Dimension`](crate::Dimension)s.
    #[must_use]
    pub fn grouping<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        name: impl Into<String>,
        group_by: I,
    ) -> Self {
        self.groupings.push(GroupingSpec {
            name: name.into(),
            group_by: group_by.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Sets the window (historical endpoints): a date (`2026-11-01`) or an RFC 3339 time
    /// each. With [`OffsetDateTime`]s, use [`Self::window_times`].
    #[must_use]
    pub fn window(mut self, start: impl Into<String>, end: impl Into<String>) -> Self {
        self.start = Some(start.into());
        self.end = Some(end.into());
        self
    }

    /// Sets the window (historical endpoints) from times, written as RFC 3339 UTC to the
    /// nanosecond, so the API's rounding (start floored, end ceiled to the hour) sees them as
    /// they are.
    #[must_use]
    pub fn window_times(self, start: OffsetDateTime, end: OffsetDateTime) -> Self {
        let text = |t: OffsetDateTime| {
            // Out of range, it is written in its own offset, and validation refuses it.
            t.checked_to_offset(time::UtcOffset::UTC)
                .unwrap_or(t)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| format_time(t))
        };
        self.window(text(start), text(end))
    }

    /// Sets the v2 granularity: `Daily`, `Hourly`, `Weekly` or `Total`, or a
    /// [`Granularity`].
    #[must_use]
    pub fn granularity(mut self, granularity: impl Into<String>) -> Self {
        self.granularity = Some(granularity.into());
        self
    }

    /// Adds v2 engagement fields.
    #[must_use]
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Checks every documented rule against `now` and returns the request, or every problem.
    pub fn validate(
        &self,
        now: OffsetDateTime,
        options: &ValidationOptions,
    ) -> Result<Request, InvalidRequest> {
        self.validate_as(now, options, false)
    }

    /// Validation for bulk collection: every rule except the per-request limits on the number of
    /// post ids and the window length, which the [plan](crate::plan) splits into batches and
    /// windows. The result is a template, not a sendable request.
    pub(crate) fn validate_bulk(
        &self,
        now: OffsetDateTime,
        options: &ValidationOptions,
    ) -> Result<Request, InvalidRequest> {
        self.validate_as(now, options, true)
    }

    fn validate_as(
        &self,
        now: OffsetDateTime,
        options: &ValidationOptions,
        bulk: bool,
    ) -> Result<Request, InvalidRequest> {
        // A `now` outside the years the core computes with would overflow its arithmetic.
        if crate::window::utc_in_range(now).is_none() {
            let text = format_time(now);
            return Err(InvalidRequest {
                problems: vec![Problem {
                    field: "now".into(),
                    value: Some(text.clone()),
                    rule: Rule::Time(crate::window::TimeInputError(text)),
                }],
            });
        }
        let mut v = Validator {
            spec: self,
            now,
            bulk,
            problems: Vec::new(),
            notices: Vec::new(),
        };
        if let Some((spec_version, successor)) = self.endpoint.facts().retired {
            v.notices.push(Notice::EndpointRetired {
                endpoint: self.endpoint,
                spec_version,
                successor,
            });
        }
        let (post_ids, media_keys) = if self.endpoint.is_media() {
            if !self.post_ids.is_empty() {
                v.problem("tweet_ids", None, Rule::PostIdsOnMedia(self.endpoint));
            }
            (Vec::new(), v.media_keys())
        } else {
            if !self.media_keys.is_empty() {
                v.problem("media_keys", None, Rule::MediaKeysOnPosts(self.endpoint));
            }
            (v.post_ids(), Vec::new())
        };
        let metrics = v.metrics();
        let groupings = v.groupings();
        let (granularity, fields) = v.v2_parameters();
        let window = v.window(options);
        if let Some(credential) = options.credential {
            v.credential(credential, &metrics);
        }
        if !v.problems.is_empty() {
            return Err(InvalidRequest {
                problems: v.problems,
            });
        }
        let mut request = Request {
            endpoint: self.endpoint,
            post_ids,
            media_keys,
            metrics,
            groupings,
            window,
            granularity,
            fields,
            requested_at: now,
            validation: *options,
            notices: v.notices,
        };
        request.notices.extend(request.age_notices());
        Ok(request)
    }
}

struct Validator<'a> {
    spec: &'a RequestSpec,
    now: OffsetDateTime,
    /// Bulk collection: the id count and window length are split later, not refused.
    bulk: bool,
    problems: Vec<Problem>,
    notices: Vec<Notice>,
}

impl Validator<'_> {
    fn problem(&mut self, field: impl Into<String>, value: Option<&str>, rule: Rule) {
        self.problems
            .push(Problem::new(field, value.map(str::to_owned), rule));
    }

    fn post_ids(&mut self) -> Vec<PostId> {
        let endpoint = self.spec.endpoint;
        let field = endpoint.facts().ids_parameter;
        let mut ids = Vec::new();
        let mut seen = HashSet::new();
        // Repeated ids in the order first repeated; a set beside, so that a list of any length
        // that repeats itself is read in linear time.
        let (mut repeated, mut repeated_seen) = (Vec::new(), HashSet::new());
        for (i, raw) in self.spec.post_ids.iter().enumerate() {
            match PostId::parse(raw) {
                Ok(id) => {
                    if seen.insert(id) {
                        ids.push(id);
                    } else if repeated_seen.insert(id) {
                        repeated.push(id);
                    }
                }
                Err(e) => self.problem(format!("{field}[{i}]"), Some(raw), Rule::PostId(e)),
            }
        }
        if self.spec.post_ids.is_empty() {
            self.problem(field, None, Rule::NoPostIds);
        }
        let max = endpoint.facts().max_post_ids;
        if ids.len() > max && !self.bulk {
            let given = ids.len();
            self.problem(
                field,
                None,
                Rule::TooManyPostIds {
                    endpoint,
                    max,
                    given,
                },
            );
        }
        if !repeated.is_empty() {
            self.notices
                .push(Notice::DuplicatePostIdsRemoved { post_ids: repeated });
        }
        ids
    }

    /// The media keys of media analytics: parsed, deduplicated (with a notice), at most the
    /// endpoint's limit per request.
    fn media_keys(&mut self) -> Vec<MediaKey> {
        let endpoint = self.spec.endpoint;
        let field = endpoint.facts().ids_parameter;
        let mut keys = Vec::new();
        let mut seen = HashSet::new();
        let mut repeated = Vec::new();
        for (i, raw) in self.spec.media_keys.iter().enumerate() {
            match MediaKey::parse(raw) {
                Ok(key) => {
                    if seen.insert(key) {
                        keys.push(key);
                    } else if !repeated.contains(&key) {
                        repeated.push(key);
                    }
                }
                Err(e) => self.problem(format!("{field}[{i}]"), Some(raw), Rule::MediaKey(e)),
            }
        }
        if self.spec.media_keys.is_empty() {
            self.problem(field, None, Rule::NoMediaKeys);
        }
        let max = endpoint.facts().max_post_ids;
        if keys.len() > max && !self.bulk {
            let given = keys.len();
            self.problem(
                field,
                None,
                Rule::TooManyPostIds {
                    endpoint,
                    max,
                    given,
                },
            );
        }
        if !repeated.is_empty() {
            self.notices.push(Notice::DuplicateMediaKeysRemoved {
                media_keys: repeated,
            });
        }
        keys
    }

    fn metrics(&mut self) -> Vec<Metric> {
        let endpoint = self.spec.endpoint;
        let field = endpoint.facts().metrics_parameter;
        let mut metrics = Vec::new();
        let mut repeated = Vec::new();
        for (i, raw) in self.spec.metrics.iter().enumerate() {
            match Metric::parse(raw.trim()) {
                Ok(m) if !m.available_on(endpoint) => {
                    let available_on = m.facts().endpoints();
                    let rule = Rule::MetricUnavailable {
                        metric: m,
                        endpoint,
                        available_on,
                    };
                    self.problem(format!("{field}[{i}]"), Some(raw), rule);
                }
                Ok(m) if metrics.contains(&m) => {
                    if !repeated.contains(&m) {
                        repeated.push(m);
                    }
                }
                Ok(m) => metrics.push(m),
                Err(e) => self.problem(format!("{field}[{i}]"), Some(raw), Rule::MetricName(e)),
            }
        }
        if self.spec.metrics.is_empty() {
            self.problem(field, None, Rule::NoMetrics);
        }
        if !repeated.is_empty() {
            self.notices
                .push(Notice::DuplicateMetricsRemoved { metrics: repeated });
        }
        metrics
    }

    fn groupings(&mut self) -> Vec<Grouping> {
        let endpoint = self.spec.endpoint;
        if endpoint.generation() == Generation::V2 {
            if !self.spec.groupings.is_empty() {
                self.problem("groupings", None, Rule::GroupingsOnV2(endpoint));
            }
            return Vec::new();
        }
        if self.spec.groupings.is_empty() {
            let g = Grouping::default_for_request();
            self.notices.push(Notice::DefaultGrouping {
                name: g.name.clone(),
            });
            return vec![g];
        }
        if self.spec.groupings.len() > limits::MAX_GROUPINGS {
            self.problem(
                "groupings",
                None,
                Rule::TooManyGroupings(self.spec.groupings.len()),
            );
        }
        let mut out = Vec::new();
        let mut names = HashSet::new();
        let mut four = 0;
        for spec in &self.spec.groupings {
            let field = format!("groupings.{}", spec.name);
            if spec.name.is_empty() {
                self.problem("groupings", Some(""), Rule::GroupingNameEmpty);
            } else if limits::RESERVED_TOP_LEVEL_KEYS.contains(&spec.name.as_str()) {
                self.problem(field.clone(), Some(&spec.name), Rule::GroupingNameReserved);
            }
            if !spec.name.is_empty() && !names.insert(spec.name.as_str()) {
                self.problem(field.clone(), Some(&spec.name), Rule::GroupingNameDuplicate);
            }
            let field = format!("{field}.group_by");
            let mut dims = Vec::new();
            for raw in &spec.group_by {
                match Dimension::from_name(raw.trim()) {
                    None => self.problem(field.clone(), Some(raw), Rule::UnknownDimension),
                    Some(d) if dims.contains(&d) => {
                        self.problem(field.clone(), Some(raw), Rule::DimensionRepeated(d));
                    }
                    Some(d) => {
                        if d.is_time() && !endpoint.facts().time_series {
                            let rule = Rule::TimeDimensionUnavailable {
                                dimension: d,
                                endpoint,
                            };
                            self.problem(field.clone(), Some(raw), rule);
                        }
                        dims.push(d);
                    }
                }
            }
            if spec.group_by.is_empty() {
                self.problem(field.clone(), None, Rule::GroupingEmpty);
            }
            if dims.len() == 4 {
                four += 1;
                if !FOUR_DIMENSION_ORDERS.iter().any(|o| o[..] == dims[..]) {
                    self.problem(field.clone(), None, Rule::FourDimensionOrder);
                }
                if four > limits::MAX_FOUR_DIMENSION_GROUPINGS {
                    self.problem(field, None, Rule::TooManyFourDimensionGroupings);
                }
            }
            out.push(Grouping::new(spec.name.clone(), dims));
        }
        out
    }

    fn v2_parameters(&mut self) -> (Option<Granularity>, Vec<EngagementField>) {
        let endpoint = self.spec.endpoint;
        if endpoint.generation() == Generation::Enterprise {
            if self.spec.granularity.is_some() {
                let value = self.spec.granularity.as_deref();
                self.problem(
                    "granularity",
                    value,
                    Rule::V2ParameterOnEnterprise(endpoint),
                );
            }
            if !self.spec.fields.is_empty() {
                self.problem(
                    "engagement.fields",
                    None,
                    Rule::V2ParameterOnEnterprise(endpoint),
                );
            }
            return (None, Vec::new());
        }
        if endpoint.facts().v2_shape == V2Shape::Analytics {
            return (self.analytics_granularity(), self.analytics_fields());
        }
        let granularity = match self.spec.granularity.as_deref() {
            None => {
                self.problem("granularity", None, Rule::GranularityMissing(endpoint));
                None
            }
            Some(raw) => {
                let g = Granularity::parse(raw.trim());
                if g.is_none() {
                    self.problem("granularity", Some(raw), Rule::UnknownGranularity);
                }
                g
            }
        };
        let mut fields = Vec::new();
        for (i, raw) in self.spec.fields.iter().enumerate() {
            match EngagementField::parse(raw.trim()) {
                Some(f) if fields.contains(&f) => {}
                Some(f) => fields.push(f),
                None => {
                    self.problem(
                        format!("engagement.fields[{i}]"),
                        Some(raw),
                        Rule::UnknownField,
                    );
                }
            }
        }
        (granularity, fields)
    }

    /// The granularity of post or media analytics: optional since spec 2.167, and then filled
    /// in with the documented default, so that it is always sent (spec 2.166 required it).
    fn analytics_granularity(&mut self) -> Option<Granularity> {
        let endpoint = self.spec.endpoint;
        let default = if endpoint.is_media() {
            limits::MEDIA_ANALYTICS_DEFAULT_GRANULARITY
        } else {
            limits::ANALYTICS_DEFAULT_GRANULARITY
        };
        let raw = self.spec.granularity.as_deref().unwrap_or(default);
        let Some(granularity) = Granularity::parse(raw.trim()) else {
            self.problem("granularity", Some(raw), Rule::UnknownGranularity);
            return None;
        };
        if endpoint.is_media() && granularity == Granularity::Weekly {
            self.problem(
                "granularity",
                Some(raw),
                Rule::GranularityUnavailable {
                    granularity,
                    endpoint,
                },
            );
            return None;
        }
        Some(granularity)
    }

    /// Post and media analytics take no `engagement.fields`: their fields are the metrics.
    fn analytics_fields(&mut self) -> Vec<EngagementField> {
        if !self.spec.fields.is_empty() {
            let endpoint = self.spec.endpoint;
            self.problem("engagement.fields", None, Rule::FieldsOnAnalytics(endpoint));
        }
        Vec::new()
    }

    fn time(&mut self, field: &str, raw: Option<&str>) -> Option<OffsetDateTime> {
        let raw = raw?;
        match TimeInput::parse(raw) {
            Ok(t) => Some(t.to_utc()),
            Err(e) => {
                self.problem(field, Some(raw), Rule::Time(e));
                None
            }
        }
    }

    fn window(&mut self, options: &ValidationOptions) -> Option<TimeWindow> {
        let endpoint = self.spec.endpoint;
        let (start_field, end_field) = match endpoint.generation() {
            Generation::Enterprise => ("start", "end"),
            Generation::V2 => ("start_time", "end_time"),
        };
        let (raw_start, raw_end) = (self.spec.start.as_deref(), self.spec.end.as_deref());
        if endpoint.facts().time_range != TimeRange::Window {
            if raw_start.is_some() || raw_end.is_some() {
                let value = raw_start.or(raw_end);
                self.problem(start_field, value, Rule::WindowNotAllowed(endpoint));
            }
            return None;
        }
        let start = self.time(start_field, raw_start);
        let end = self.time(end_field, raw_end);
        let (start, end) = match (raw_start, raw_end) {
            (None, None) if endpoint == Endpoint::Historical => {
                let end = ceil_hour(self.now);
                let start = end - Duration::hours(limits::MAX_WINDOW_HOURS);
                let (start, end) = (format_time(start), format_time(end));
                self.notices.push(Notice::DefaultWindow { start, end });
                return None;
            }
            (None, _) | (_, None) if endpoint.generation() == Generation::V2 => {
                self.problem(start_field, None, Rule::WindowRequired(endpoint));
                return None;
            }
            (None, None) => return None,
            (None, Some(_)) => {
                self.problem(start_field, None, Rule::EndWithoutStart);
                return None;
            }
            (Some(_), None) => {
                let start = start?;
                self.notices.push(Notice::WindowEndsNow {
                    end: format_time(ceil_hour(self.now)),
                });
                (start, self.now)
            }
            (Some(_), Some(_)) => (start?, end?),
        };
        let (rounded_start, rounded_end) = (floor_hour(start), ceil_hour(end));
        let mut ok = true;
        if end > self.now {
            let rule = Rule::EndInFuture {
                now: format_time(self.now),
            };
            self.problem(end_field, raw_end, rule);
            ok = false;
        }
        if rounded_end <= rounded_start {
            let rule = Rule::EndNotAfterStart {
                start: format_time(rounded_start),
                end: format_time(rounded_end),
            };
            self.problem(end_field, raw_end, rule);
            return None;
        }
        let hours = (rounded_end - rounded_start).whole_hours();
        let max_hours = endpoint.facts().max_window_hours;
        if max_hours.is_some_and(|max| hours > max) && !self.bulk {
            self.problem(end_field, raw_end, Rule::WindowTooLong { hours });
            ok = false;
        }
        // The 2014-09-01 floor and the 365-day lookback are documented for the Enterprise
        // and v2 insights endpoints; post and media analytics document no age limit, so the
        // API decides there.
        let analytics = endpoint.is_analytics();
        if rounded_start.date() < limits::EARLIEST_START && !analytics {
            self.problem(start_field, raw_start, Rule::StartTooEarly);
            ok = false;
        }
        let lookback = floor_hour(self.now - Duration::days(limits::LOOKBACK_DAYS));
        if options.enforce_lookback && rounded_start < lookback && !analytics {
            let rule = Rule::StartBeyondLookback {
                earliest: format_time(lookback),
            };
            self.problem(start_field, raw_start, rule);
            ok = false;
        }
        let window = TimeWindow::new(rounded_start, rounded_end)
            .ok()
            .filter(|_| ok)?;
        if (rounded_start, rounded_end) != (start, end) && raw_end.is_some() {
            self.notices.push(Notice::WindowRounded {
                given_start: format_time(start),
                given_end: format_time(end),
                start: format_time(rounded_start),
                end: format_time(rounded_end),
            });
        }
        Some(window)
    }

    fn credential(&mut self, credential: CredentialKind, metrics: &[Metric]) {
        let endpoint = self.spec.endpoint;
        let field = "credential";
        match credential {
            CredentialKind::OAuth1User => {}
            CredentialKind::OAuth2User if endpoint.generation() == Generation::Enterprise => {
                self.problem(
                    field,
                    None,
                    Rule::CredentialNotForEnterprise {
                        endpoint,
                        credential,
                    },
                );
            }
            CredentialKind::OAuth2User => {}
            CredentialKind::AppOnly if !endpoint.facts().app_only_allowed => {
                self.problem(
                    field,
                    None,
                    Rule::EndpointNeedsUserContext {
                        endpoint,
                        credential,
                    },
                );
            }
            CredentialKind::AppOnly => {
                for &metric in metrics {
                    if metric.facts().needs_user_context(endpoint) {
                        let rule = Rule::MetricNeedsUserContext {
                            metric,
                            endpoint,
                            credential,
                        };
                        self.problem(field, Some(metric.name()), rule);
                    }
                }
            }
        }
    }
}

impl Request {
    /// The endpoint.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The distinct post ids, in the order first given (empty on media analytics).
    pub fn post_ids(&self) -> &[PostId] {
        &self.post_ids
    }

    /// The distinct media keys, in the order first given (media analytics; empty elsewhere).
    pub fn media_keys(&self) -> &[MediaKey] {
        &self.media_keys
    }

    /// The distinct metrics, in the order first given.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// The groupings (v1; empty on v2).
    pub fn groupings(&self) -> &[Grouping] {
        &self.groupings
    }

    /// The window sent with the request, rounded to whole hours (historical endpoints with a
    /// start; `None` where the API picks the window).
    pub fn window(&self) -> Option<TimeWindow> {
        self.window
    }

    /// The end the request sends: the window's end, except when that lies after
    /// [`requested_at`](Self::requested_at) (an end in the current hour, ceiled by the API), where
    /// `requested_at` itself is sent, to the second: the API ceils it to the same hour, and an end
    /// after the request would be refused as in the future.
    pub fn sent_end(&self) -> Option<OffsetDateTime> {
        let end = self.window?.end();
        let now = self
            .requested_at
            .replace_nanosecond(0)
            .unwrap_or(self.requested_at);
        Some(end.min(now.max(end - Duration::HOUR + Duration::SECOND)))
    }

    /// The v2 granularity.
    pub fn granularity(&self) -> Option<Granularity> {
        self.granularity
    }

    /// The v2 engagement fields.
    pub fn fields(&self) -> &[EngagementField] {
        &self.fields
    }

    /// The `now` the request was validated against.
    pub fn requested_at(&self) -> OffsetDateTime {
        self.requested_at
    }

    /// The options the request was validated with (for a request of a
    /// [plan](crate::plan::Plan), the plan's).
    pub fn validation_options(&self) -> &ValidationOptions {
        &self.validation
    }

    /// Notices about the request: duplicates removed, window rounded, posts too old for a
    /// metric, ...
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The time the answer covers: the window sent, or the window the API picks for 28hr and
    /// for historical without a window (as far as `requested_at` tells); `None` for totals.
    pub fn covered_window(&self) -> Option<TimeWindow> {
        let end = ceil_hour(self.requested_at);
        match self.endpoint.facts().time_range {
            TimeRange::Lifetime => None,
            TimeRange::Last28Hours => TimeWindow::new(
                floor_hour(self.requested_at - Duration::hours(limits::LAST_HOURS)),
                end,
            )
            .ok(),
            TimeRange::Window => self.window.or_else(|| {
                TimeWindow::new(end - Duration::hours(limits::MAX_WINDOW_HOURS), end).ok()
            }),
        }
    }

    /// The most rows an answer to this request can hold: for each grouping (v1), or for the
    /// granularity (v2), posts × metrics × buckets of the covered window, as far as the
    /// dimensions split them. An upper bound (posts without activity give fewer), to size a
    /// job before it is sent.
    pub fn max_rows(&self) -> u64 {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let subjects = self.post_ids.len() + self.media_keys.len();
        let (posts, metrics) = (count(subjects), count(self.metrics.len()));
        let hours = self
            .covered_window()
            .map_or(1, |w| u64::try_from(w.hours()).unwrap_or(0).max(1));
        // A window not on day boundaries touches one day more than its length.
        let days = hours.div_ceil(24) + 1;
        match self.endpoint.generation() {
            Generation::Enterprise => self
                .groupings
                .iter()
                .map(|g| {
                    let has = |d: Dimension| g.group_by.contains(&d);
                    let time = match (
                        has(Dimension::EngagementDay),
                        has(Dimension::EngagementHour),
                    ) {
                        (true, true) => hours,
                        (true, false) => days,
                        (false, true) => 24,
                        (false, false) => 1,
                    };
                    let posts = if has(Dimension::TweetId) { posts } else { 1 };
                    let metrics = if has(Dimension::EngagementType) {
                        metrics
                    } else {
                        1
                    };
                    posts.saturating_mul(metrics).saturating_mul(time)
                })
                .fold(0, u64::saturating_add),
            Generation::V2 => {
                let buckets = match self.granularity {
                    Some(Granularity::Hourly) => hours,
                    Some(Granularity::Weekly) => days / 7 + 2,
                    Some(Granularity::Total) => 1,
                    Some(Granularity::Daily) | None => days,
                };
                posts.saturating_mul(metrics).saturating_mul(buckets)
            }
        }
    }

    /// The same request for a subset of its posts (bulk collection splits batches this way).
    /// Ids that are not in this request are ignored, so the result stays valid; `None` when
    /// none of `post_ids` is in it (a request needs at least one post).
    #[must_use]
    pub fn with_post_ids(&self, post_ids: &[PostId]) -> Option<Request> {
        let post_ids = kept(&self.post_ids, post_ids)?;
        Some(self.changed(|r| r.post_ids = post_ids))
    }

    /// The same request for a subset of its media keys (media analytics). Keys that are not in
    /// this request are ignored; `None` when none of `media_keys` is in it.
    #[must_use]
    pub fn with_media_keys(&self, media_keys: &[MediaKey]) -> Option<Request> {
        let media_keys = kept(&self.media_keys, media_keys)?;
        Some(self.changed(|r| r.media_keys = media_keys))
    }

    /// The same request for a subset of its metrics (bulk collection asks posts too old for
    /// some metrics again without them). Metrics that are not in this request are ignored, so
    /// the result stays valid; `None` when none of `metrics` is in it.
    #[must_use]
    pub fn with_metrics(&self, metrics: &[Metric]) -> Option<Request> {
        let metrics = kept(&self.metrics, metrics)?;
        Some(self.changed(|r| r.metrics = metrics))
    }

    /// This request changed by `edit`, with the notices about its posts' ages made again.
    fn changed(&self, edit: impl FnOnce(&mut Request)) -> Request {
        let mut r = self.clone();
        edit(&mut r);
        r.notices.clear();
        r.notices.extend(r.age_notices());
        r
    }

    /// The same request for another window of whole hours. Returns `None` unless the request,
    /// as it would be sent with `window`, passes [`RequestSpec::validate`] at
    /// [`requested_at`](Self::requested_at) with the [options](Self::validation_options) this
    /// request was validated with: the endpoint takes a window, `window` is at most 4 weeks long,
    /// starts no earlier than 2014-09-01 and (when the lookback is enforced) within the 365 days
    /// before `requested_at`, and ends no later than the end of the hour of `requested_at` (an
    /// end in that hour is sent as `requested_at`, see [`sent_end`](Self::sent_end)).
    #[must_use]
    pub fn with_window(&self, window: TimeWindow) -> Option<Request> {
        let r = self.changed(|r| r.window = Some(window));
        // The rules are those of validation, run again on the spec the request would send, so
        // that no rule is written twice.
        r.to_spec()
            .validate(self.requested_at, &self.validation)
            .ok()
            .filter(|checked| checked.window == r.window)?;
        Some(r)
    }

    /// The unchecked spec this request was validated from (normalized: deduplicated, window
    /// rounded, names as the endpoint spells them).
    pub fn to_spec(&self) -> RequestSpec {
        RequestSpec {
            endpoint: self.endpoint,
            post_ids: self
                .post_ids
                .iter()
                .map(|id| id.as_str().to_owned())
                .collect(),
            media_keys: self.media_keys.iter().map(ToString::to_string).collect(),
            metrics: self
                .metrics
                .iter()
                .map(|m| m.name_on(self.endpoint).unwrap_or(m.name()).to_owned())
                .collect(),
            groupings: self
                .groupings
                .iter()
                .map(|g| GroupingSpec {
                    name: g.name.clone(),
                    group_by: g.group_by.iter().map(|d| d.name().to_owned()).collect(),
                })
                .collect(),
            start: self.window.map(|w| format_time(w.start())),
            end: self.sent_end().map(format_time),
            granularity: self.granularity.map(|g| g.query_value(self.endpoint)),
            fields: self.fields.iter().map(|f| f.name().to_owned()).collect(),
        }
    }

    /// A request of this template for one batch: `post_ids` (at most the endpoint's limit),
    /// `media_keys` (the same, on media analytics), `metrics` (a subset of this request's) and
    /// `window` (at most the endpoint's longest). Used by the plan.
    pub(crate) fn batch(
        &self,
        post_ids: Vec<PostId>,
        media_keys: Vec<MediaKey>,
        metrics: Vec<Metric>,
        window: Option<TimeWindow>,
    ) -> Request {
        let facts = self.endpoint.facts();
        debug_assert!(post_ids.len() <= facts.max_post_ids);
        debug_assert!(media_keys.len() <= facts.max_post_ids);
        debug_assert!(
            window.is_none_or(|w| facts.max_window_hours.is_none_or(|max| w.hours() <= max))
        );
        let mut r = Request {
            endpoint: self.endpoint,
            post_ids,
            media_keys,
            metrics,
            groupings: self.groupings.clone(),
            window,
            granularity: self.granularity,
            fields: self.fields.clone(),
            requested_at: self.requested_at,
            validation: self.validation,
            notices: Vec::new(),
        };
        r.notices = r.age_notices();
        r
    }

    fn age_notices(&self) -> Vec<Notice> {
        let mut notices = Vec::new();
        if self.endpoint.generation() != Generation::Enterprise {
            return notices;
        }
        for id in &self.post_ids {
            let created = id.created_no_later_than();
            for &metric in &self.metrics {
                if let Some(notice) = too_old(
                    self.endpoint,
                    metric,
                    id,
                    self.requested_at,
                    &self.validation,
                ) {
                    notices.push(notice);
                }
            }
            if self.endpoint == Endpoint::Historical && created.date() < limits::EARLIEST_START {
                notices.push(Notice::PostBeforeHistoricalData { post_id: *id });
            }
        }
        if self.endpoint == Endpoint::Historical {
            let starts_before = self
                .covered_window()
                .is_some_and(|w| w.start().date() < limits::ZERO_BEFORE);
            let metrics: Vec<Metric> = self
                .metrics
                .iter()
                .copied()
                .filter(|m| m.facts().zero_before_2015_09_15)
                .collect();
            if starts_before && !metrics.is_empty() {
                notices.push(Notice::ReadsAsZeroBefore2015_09_15 { metrics });
            }
        }
        notices
    }
}

/// The items of `all` that are in `keep`, in `all`'s order; `None` if none is.
fn kept<T: Copy + PartialEq>(all: &[T], keep: &[T]) -> Option<Vec<T>> {
    let kept: Vec<T> = all.iter().filter(|x| keep.contains(x)).copied().collect();
    (!kept.is_empty()).then_some(kept)
}

/// The notice that `id` is too old for `metric` on `endpoint` at `now`, where the API answers it
/// as unsupported (90 days for impressions and engagements on totals, or on every endpoint with
/// [`ValidationOptions::ninety_days_on_every_endpoint`]; 1800 days for video views).
pub(crate) fn too_old(
    endpoint: Endpoint,
    metric: Metric,
    id: &PostId,
    now: OffsetDateTime,
    options: &ValidationOptions,
) -> Option<Notice> {
    if endpoint.generation() != Generation::Enterprise {
        return None;
    }
    let limit = metric.facts().age_limit?;
    if limit.totals_only && endpoint != Endpoint::Totals && !options.ninety_days_on_every_endpoint {
        return None;
    }
    let age = now - id.created_no_later_than();
    (age > Duration::days(limit.max_days)).then(|| Notice::PostTooOldForMetric {
        post_id: *id,
        metric,
        max_days: limit.max_days,
        age_days: age.whole_days(),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    /// The spec a user would write for `window` at `now`: the window's own start, and its end,
    /// or `now` where the end is after `now` (an end in the current hour).
    fn written(endpoint: Endpoint, window: TimeWindow, now: OffsetDateTime) -> RequestSpec {
        let spec = RequestSpec::new(endpoint)
            .post_ids(["1070059276213702656"])
            .metrics(["impressions"])
            .window(
                format_time(window.start()),
                format_time(window.end().min(now)),
            );
        match endpoint.generation() {
            Generation::Enterprise => spec,
            Generation::V2 => spec.granularity("Daily"),
        }
    }

    proptest! {
        #[test]
        fn another_window_is_accepted_exactly_when_validation_accepts_it(
            now_seconds in 0i64..3 * 3600,
            start_hours in 0i64..(13 * 366 * 24),
            length in 1i64..800,
            enforce_lookback in any::<bool>(),
            endpoint in prop_oneof![Just(Endpoint::Historical), Just(Endpoint::InsightsHistorical)],
        ) {
            let now = datetime!(2026-11-22 09:00 UTC) + Duration::seconds(now_seconds);
            let options = ValidationOptions {
                credential: None,
                enforce_lookback,
                ..ValidationOptions::default()
            };
            let base = TimeWindow::new(datetime!(2026-11-20 00:00 UTC), datetime!(2026-11-21 00:00 UTC)).unwrap();
            let request = written(endpoint, base, now).validate(now, &options).unwrap();
            let start = datetime!(2014-08-25 00:00 UTC) + Duration::hours(start_hours);
            let window = TimeWindow::new(start, start + Duration::hours(length)).unwrap();
            let valid = written(endpoint, window, now)
                .validate(now, &options)
                .is_ok_and(|r| r.window() == Some(window));
            let changed = request.with_window(window);
            prop_assert_eq!(changed.is_some(), valid, "{} at {}", window, format_time(now));
            if let Some(changed) = changed {
                prop_assert_eq!(changed.window(), Some(window));
                prop_assert!(changed.to_spec().validate(now, &options).is_ok());
            }
        }
    }
}
