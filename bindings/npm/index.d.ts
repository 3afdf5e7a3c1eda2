// TypeScript declarations of the xengage package, declared once for web.js and node.js.

/** An endpoint: the three Enterprise (v1) endpoints, post and media analytics (v2), and the two v2 insights endpoints X removed from its spec at 2.167. */
export type Endpoint =
  | 'totals'
  | '28hr'
  | 'historical'
  | 'insights-28hr'
  | 'insights-historical'
  | 'analytics'
  | 'media-analytics';

/** The credential a request will be sent with; validation refuses what it cannot reach. */
export type CredentialKind = 'app_only' | 'o_auth2_user' | 'o_auth1_user';

/**
 * A metric, in any spelling (v1 `favorites`, v2 insights `Likes`, analytics `likes`). Rows name a
 * metric by its v1 spelling where v1 has one (`favorites`, `user_follows`), else by its v2
 * insights one (`LinkClicks`), else by its analytics one (`bookmarks`), whichever spelling was
 * asked.
 */
export type MetricName =
  | 'impressions'
  | 'Impressions'
  | 'engagements'
  | 'Engagements'
  | 'favorites'
  | 'Likes'
  | 'retweets'
  | 'Retweets'
  | 'replies'
  | 'Replies'
  | 'quote_tweets'
  | 'QuoteTweets'
  | 'video_views'
  | 'VideoViews'
  | 'media_views'
  | 'MediaViews'
  | 'media_engagements'
  | 'MediaEngagements'
  | 'url_clicks'
  | 'UrlClicks'
  | 'hashtag_clicks'
  | 'HashtagClicks'
  | 'detail_expands'
  | 'DetailExpands'
  | 'permalink_clicks'
  | 'PermalinkClicks'
  | 'app_install_attempts'
  | 'AppInstallAttempts'
  | 'app_opens'
  | 'AppOpens'
  | 'email_tweet'
  | 'EmailTweet'
  | 'user_follows'
  | 'Follows'
  | 'user_profile_clicks'
  | 'UserProfileClicks'
  | 'LinkClicks'
  | 'ProfileVisits'
  | 'UniqueVideoViews'
  | 'VideoCompletions'
  | 'VideoPlayed25Percent'
  | 'VideoPlayed50Percent'
  | 'VideoPlayed75Percent'
  | 'VideoStarts'
  | 'likes'
  | 'follows'
  | 'link_clicks'
  | 'profile_visits'
  | 'bookmarks'
  | 'shares'
  | 'unfollows'
  | 'unlikes'
  | 'playback25'
  | 'playback50'
  | 'playback75'
  | 'playback_complete'
  | 'playback_start'
  | 'cta_url_clicks'
  | 'cta_watch_clicks'
  | 'play_from_tap'
  | 'watch_time_ms';

/** A v1 dimension, for `groupBy`. */
export type Dimension = 'tweet.id' | 'engagement.type' | 'engagement.day' | 'engagement.hour';

/** A v1 grouping: a caller-chosen name and dimension names, outermost first. */
export interface Grouping {
  name: string;
  groupBy: Dimension[];
}

/** A request as a user writes it, unchecked. */
export interface RequestSpec {
  endpoint: Endpoint;
  /** Post ids as decimal strings (numbers above 2^53 lose digits, so strings only). */
  postIds?: string[];
  /** Media keys (`<type>_<id>`, 'media-analytics' only). */
  mediaKeys?: string[];
  /** Metric names, in either generation's spelling. */
  metrics?: MetricName[];
  /** v1 groupings; when empty on v1, one grouping by post and metric is added. */
  groupings?: Grouping[];
  /** Window start (historical endpoints): a date, an RFC 3339 time, a Date or milliseconds since 1970. */
  start?: string | Date | number;
  /** Window end (historical endpoints): a date, an RFC 3339 time, a Date or milliseconds since 1970. */
  end?: string | Date | number;
  /** v2 granularity: 'Daily', 'Hourly', 'Weekly' or 'Total', in any case (sent lower case to 'analytics' and 'media-analytics', which default to total and daily). */
  granularity?: 'Daily' | 'Hourly' | 'Weekly' | 'Total' | 'daily' | 'hourly' | 'weekly' | 'total';
  /** v2 engagement.fields. */
  fields?: Array<'errors' | 'measurement'>;
}

/** Options of buildRequest and checkRequest. */
export interface BuildOptions {
  /** The time the request is made: a Date, an RFC 3339 string or milliseconds; default now. */
  now?: Date | string | number;
  /** One base URL for both generations (the CLI's proxy or the emulator); default the API's. */
  baseUrl?: string;
  /** The credential the request will be sent with, if known. */
  credential?: CredentialKind;
  /** Refuse windows starting more than 365 days ago (default true). */
  enforceLookback?: boolean;
  /** Apply the 90-day limit of impressions and engagements on 28hr and historical too, not on totals only (default false; the vendor's documents disagree). */
  ninetyDaysOnEveryEndpoint?: boolean;
}

/** The code of a notice about a request. */
export type NoticeCode =
  | 'duplicate_post_ids_removed'
  | 'duplicate_metrics_removed'
  | 'default_grouping'
  | 'window_rounded'
  | 'default_window'
  | 'window_ends_now'
  | 'post_too_old_for_metric'
  | 'post_before_historical_data';

/** The code of a notice about an answer. */
export type ResponseNoticeCode =
  | 'metric_not_requested'
  | 'post_not_requested'
  | 'levels_reordered'
  | 'day_level_added'
  | 'hour_of_day_buckets'
  | 'end_not_on_hour'
  | 'grouping_missing'
  | 'unknown_metric'
  | 'unknown_key'
  | 'errors_in_answer';

/** Something worth knowing about a request that does not stop it from being sent. */
export interface Notice {
  /** A stable code such as 'duplicate_post_ids_removed' or 'window_rounded'. */
  code: NoticeCode;
  /** A sentence for people. */
  message: string;
  [detail: string]: unknown;
}

/** One thing wrong with a request. */
export interface Problem {
  /** The field in the vocabulary of the request body: 'tweet_ids[3]', 'engagement_types', ...; 'spec' or 'options' when the object given does not have the shape of one (checkRequest). */
  field: string;
  /** The offending value as given, where one value is at fault. */
  value: string | null;
  /** The documented rule the value breaks, saying what to change. */
  rule: string;
}

/** The HTTP request to send, unchanged. */
export interface BuiltRequest {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** The JSON body (v1), or null (v2). */
  body: string | null;
  notices: Notice[];
}

/** The result of checkRequest. */
export interface CheckResult {
  ok: boolean;
  problems: Problem[];
  notices: Notice[];
}

/**
 * The codes of XengageError: the request ('invalid_request', 'invalid_spec', 'invalid_options'),
 * the answer given to parseResponse ('invalid_response'), and what the answer says
 * ('api_error': an error status; 'malformed_response', 'response_too_large',
 * 'response_too_deep', 'compressed_response', 'response_error'), 'merge_failed' when the
 * batches of a job cannot be merged, 'not_initialized' for a call through 'xengage/init'
 * before `await init()`, and 'job_too_large' for a collect whose answers could not fit in wasm
 * memory (split it). A collect rejects with 'aborted' when its signal aborts, with
 * 'network_error' at once when its first request gets no answer at all (CORS or a wrong
 * baseUrl, most often), and, when no request of the job was answered, with the code of its
 * first failure: 'api_error' (with `status`), 'timeout', 'network_error', 'broken_body' or
 * 'request_failed'; `error.result` then holds what was collected, ledger included.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_spec'
  | 'invalid_options'
  | 'invalid_response'
  | 'api_error'
  | 'malformed_response'
  | 'response_too_large'
  | 'response_too_deep'
  | 'compressed_response'
  | 'response_error'
  | 'merge_failed'
  | 'not_initialized'
  | 'job_too_large'
  | 'aborted'
  | 'network_error'
  | 'timeout'
  | 'broken_body'
  | 'request_failed';

/** More about an error of an answer. */
export interface ErrorDetails {
  status?: number | null;
  retryable?: boolean;
  postIds?: string[];
  url?: string | null;
  result?: Collected | null;
  cause?: unknown;
}

/** The error every function of this package throws. */
export class XengageError extends Error {
  constructor(code: ErrorCode, message: string, problems?: Problem[], details?: ErrorDetails);
  readonly name: 'XengageError';
  /** What went wrong; see ErrorCode. */
  readonly code: ErrorCode;
  /** Every problem of the request at once (empty unless code is 'invalid_request'). */
  readonly problems: Problem[];
  /** The HTTP status of an answer that failed, else null. */
  readonly status: number | null;
  /** Whether sending the same request again can help (429, 5xx, a body cut short). */
  readonly retryable: boolean;
  /** Posts of the request the answer refused by name, for something the request asks ("Forbidden to access tweets: ...", unavailable, too old for an asked metric). */
  readonly postIds: string[];
  /** The URL that got no answer ('network_error' of a first attempt), else null. */
  readonly url: string | null;
  /** What a collect that rejected did collect, its ledger saying why each post has no values ('cancelled' after an abort); else null. */
  readonly result: Collected | null;
}

/** Where a wasm module is: a URL, a Response, its bytes, or a compiled module. */
export type WasmSource = URL | string | Response | BufferSource | WebAssembly.Module;

/** Options of init. */
export interface InitOptions {
  /** Load the full module (Client, signRequest) rather than the lean one (check, build, parse). */
  client?: boolean;
  /** Where the module is; default next to the package. */
  wasm?: WasmSource;
}

/**
 * Loads a wasm module once (later calls return the same promise). Importing the package loads
 * nothing: in a browser, call `await init()` before checkRequest, buildRequest or parseResponse
 * (the lean module, without Client, transport or signing), or `init({ client: true })` for
 * everything; a Client loads the full module on its first job. In Node, the first call loads
 * what it needs synchronously. A source alone loads the full module from it.
 */
export function init(options?: InitOptions | WasmSource): Promise<void>;

/** Validates spec and builds the HTTP request; throws XengageError when it is invalid. */
export function buildRequest(spec: RequestSpec, options?: BuildOptions): BuiltRequest;

/** Checks spec as the user types: problems are returned, never thrown, for anything a form can hold (an unknown endpoint or an id as a number is a problem on field 'spec'). */
export function checkRequest(spec: RequestSpec, options?: BuildOptions): CheckResult;

/** Options of signRequest. */
export interface SignOptions {
  /** The URL the OAuth 1.0a signature covers, when the request goes to a proxy that forwards it unchanged (default: the request's URL). */
  signingUrl?: string;
  /** A fixed nonce (tests, reproducible output); default a fresh one from crypto.getRandomValues. */
  nonce?: string;
  /** A fixed timestamp in seconds; default the clock's. */
  timestamp?: number;
}

/**
 * `request` with its `authorization` header: an OAuth 1.0a signature, or the bearer token. For
 * Node and workers that send what buildRequest made themselves; in a page, leave credentials to
 * a proxy.
 */
export function signRequest(request: BuiltRequest, credentials: Credentials, options?: SignOptions): BuiltRequest;

/** An answer of the API as fetched: `fetch`'s Headers, pairs or a plain object; the body as text or bytes. */
export interface Answer {
  status: number;
  /** fetch's `Headers`, a `Map`, `[name, value]` pairs, or a plain object. */
  headers?: { entries(): Iterable<[string, string]> } | Iterable<[string, string]> | Record<string, string>;
  body: string | Uint8Array | ArrayBuffer | ArrayBufferView;
}

/** The kind of time a count covers. */
export type BucketKind = 'total' | 'day' | 'week' | 'hour' | 'hour_of_day';

/** One count: a post's (or, on 'media-analytics', a media's) metric in a bucket. */
export interface Row {
  /** The post, or null where the grouping sums over posts and on 'media-analytics'. */
  postId: string | null;
  /** The media (`<type>_<id>`) on 'media-analytics'; null on every other endpoint. */
  mediaKey: string | null;
  /** The metric in v1 spelling where v1 has one (`favorites` even when `Likes` was asked), or null where the grouping sums over metrics. */
  metric: MetricName | null;
  bucket: BucketKind;
  /** A date ('2026-11-20'), an RFC 3339 UTC hour ('2026-11-20T17:00:00Z'), an hour of the day ('17'), or null for totals. */
  time: string | null;
  value: number;
}

/** One grouping's rows as columns: one entry per count in each typed array, for charts and large answers. */
export interface Columns {
  length: number;
  /** Distinct post ids, indexed by `post` (-1: summed over posts). */
  postIds: string[];
  post: Int32Array;
  /** Distinct media keys ('media-analytics'), indexed by `media` (-1: not a media's row, as on every other endpoint). */
  mediaKeys: string[];
  media: Int32Array;
  /** Distinct metric names, indexed by `metric` (-1: summed over metrics). */
  metrics: MetricName[];
  metric: Int32Array;
  /** Bucket kinds, indexed by `bucket`. */
  bucketKinds: BucketKind[];
  bucket: Uint8Array;
  /** The bucket's start in milliseconds since 1970 (UTC), NaN for totals and hours of the day. */
  time: Float64Array;
  /** The hour of the day 0..23 for 'hour_of_day' buckets, 255 otherwise. */
  hourOfDay: Uint8Array;
  /** The counts. */
  value: Float64Array;
}

/** Where a post stands: served, partly served, or why not. */
export type PostStatus = 'served' | 'partial' | 'unavailable' | 'unsupported' | 'forbidden' | 'failed' | 'cancelled' | 'pending';

/** A metric the API does not serve for a post because of its age. */
export interface Unsupported {
  metric: MetricName;
  maxDays: number;
  source: 'plan' | 'answer';
}

/** The account of one post (or, on 'media-analytics', one media) asked about. */
export interface LedgerEntry {
  /** The post; null for a media's entry. */
  postId: string | null;
  /** The media key ('media-analytics'); null for a post's entry. */
  mediaKey: string | null;
  status: PostStatus;
  answers: number;
  unavailable: boolean;
  forbidden: boolean;
  unsupported: Unsupported[];
  /** Groupings the answers left this post out of. */
  missingFrom: string[];
  /** Why requests for it failed ('cancelled' when the job was aborted first). */
  failures: string[];
}

/** How many posts stand where. */
export interface LedgerCounts {
  served: number;
  partial: number;
  unavailable: number;
  unsupported: number;
  forbidden: number;
  failed: number;
  /** Not answered: the job was aborted. */
  cancelled: number;
  pending: number;
}

/** A notice about an answer (kept counts of things not asked, reordered levels, ...). */
export interface ResponseNotice {
  code: ResponseNoticeCode;
  message: string;
  [detail: string]: unknown;
}

/**
 * One grouping's result, or a v2 answer's totals: a table whose rows never count an hour
 * twice, so summing its rows is safe.
 */
export interface GroupingTable {
  /** The grouping's name (v2: 'metrics_time_series', or 'metrics_total' for `totals`). */
  name: string;
  groupBy: Dimension[];
  rowCount: number;
  columns: Columns;
  /** The rows as objects, built from `columns` on first use. */
  readonly rows: Row[];
}

/** A parsed answer, or the merged answers of a job. */
export interface Outcome {
  endpoint: Endpoint;
  /**
   * One table per grouping, by name, in the request's order (`result.groupings.hourly.rows`;
   * v2: `metrics_time_series`). Two groupings count the same engagements: sum within one.
   */
  groupings: Record<string, GroupingTable>;
  /** A v2 answer's totals ('metrics_total'), apart from its time series; null on v1. */
  totals: GroupingTable | null;
  /** Every post (or media) asked about, with values or the reason it has none. */
  ledger: LedgerEntry[];
  counts: LedgerCounts;
  notices: ResponseNotice[];
  windows: Array<{ start: string; end: string }>;
  /** `errors` strings of a successful answer. */
  errors: string[];
  /** v2 problem details of a successful answer (keys in camelCase). */
  problems: Array<Record<string, unknown>>;
  /** Top-level keys the SDK does not know, kept as the answer had them. */
  extra: Record<string, unknown>;
  /** Parts the SDK could not read as counts (unknown metrics), kept as JSON. */
  unknown: Array<{ path: string; value: unknown }>;
  /** The answer's quota headers: v1's per-minute ones (`reset` null) or v2's window ones (`reset` in Unix seconds, null when left out). */
  rateLimit: { limit: number; remaining: number; reset: number | null; quota: 'per_minute' | 'window' } | null;
}

/** How far a job is. */
export interface Progress {
  requestsPlanned: number;
  requestsDone: number;
  requestsFailed: number;
  attempts: number;
  retries: number;
  rateLimited: number;
  narrowed: number;
}

/** Why an attempt failed. */
export type FailureKind = 'rate_limited' | 'server' | 'timeout' | 'connection' | 'broken_body' | 'permanent';

/** Something that happened in a job, with the progress after it. */
export type ProgressEvent =
  | { kind: 'sent'; index: number; attempt: number; afterMs: number; progress: Progress }
  /** `postIds` or, on media analytics, `mediaKeys`: what the batch asked (the other is empty). */
  | { kind: 'batch_done'; index: number; postIds: string[]; mediaKeys: string[]; rows: number; progress: Progress }
  | { kind: 'batch_narrowed'; index: number; removed: string[]; askedAgain: string[]; message: string; progress: Progress }
  /** `afterMs`: how long until the retry may go (the backoff, or after a 429 the wait for the quota's window: a countdown's start). */
  | { kind: 'retrying'; index: number; attempt: number; failure: FailureKind; message: string; afterMs: number; progress: Progress }
  /** `status`: the HTTP status of the last answer (401: the credentials), null when none came (a timeout, a failed connection). */
  | { kind: 'batch_failed'; index: number; postIds: string[]; mediaKeys: string[]; failure: FailureKind; message: string; status: number | null; progress: Progress }
  | { kind: 'other'; progress: Progress };

/** The end of a job. */
export interface Summary {
  progress: Progress;
  counts: LedgerCounts;
  pacing: { reserved: number; rateLimited: number; waited: number };
  /** What planning said about the spec: duplicates removed, the default window or grouping, posts too old for a metric. */
  notices: Notice[];
}

/** The merged outcome of a job and its summary. */
export interface Collected extends Outcome {
  summary: Summary;
}

/** App-only credentials: totals of public posts. */
export interface BearerCredentials {
  bearerToken: string;
  userToken?: never;
  consumerKey?: never;
  consumerSecret?: never;
  accessToken?: never;
  accessTokenSecret?: never;
}

/** An OAuth 2.0 user token: the v2 endpoints. */
export interface UserTokenCredentials {
  userToken: string;
  bearerToken?: never;
  consumerKey?: never;
  consumerSecret?: never;
  accessToken?: never;
  accessTokenSecret?: never;
}

/** OAuth 1.0a user context: every endpoint. The access token and its secret go together. */
export type OAuth1Credentials = {
  consumerKey: string;
  consumerSecret: string;
  bearerToken?: never;
  userToken?: never;
} & ({ accessToken: string; accessTokenSecret: string } | { accessToken?: never; accessTokenSecret?: never });

/** Credentials: exactly one kind (a union whose members exclude each other's keys). In a browser, give none and send through a proxy that holds them. */
export type Credentials = BearerCredentials | UserTokenCredentials | OAuth1Credentials;

/** Options of `new Client(options)`. */
export interface ClientOptions {
  /** Where requests are sent: the API (default), the CLI's proxy, or the emulator. */
  baseUrl?: string;
  /** The base URL OAuth 1.0a signatures cover (default the API's), when baseUrl is a proxy that forwards unchanged. */
  signingBaseUrl?: string;
  credentials?: Credentials;
  /** Per-request timeout (default 30000). */
  timeoutMs?: number;
  /** A fixed now (tests, an emulator with a fixed clock); default the clock at each call. */
  now?: Date | string | number;
  /** Refuse windows starting more than 365 days ago (default true). */
  enforceLookback?: boolean;
  /** Apply the 90-day limit of impressions and engagements on 28hr and historical too, not on totals only (default false; the vendor's documents disagree). */
  ninetyDaysOnEveryEndpoint?: boolean;
  /** Retries after 5xx, timeouts and dropped connections (default 4). */
  maxRetries?: number;
  /** Retries after 429s, each after waiting for the quota's window, not a backoff (default 8). */
  maxRateLimitedRetries?: number;
  /** The first retry's backoff (default 500; doubles each time). */
  retryBaseDelayMs?: number;
  /** The length of the quota's window (default 60000; shorter against an emulator). */
  quotaWindowMs?: number;
  /** The largest answer body read, in bytes as fetch decoded them (default 268435456, 256 MiB): reading stops past it and the batch fails, not retried. */
  maxBodyBytes?: number;
  /** Called instead of the global fetch (instrumentation, cookies: `(req) => fetch(req, { credentials: 'include' })`). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers added to every request (a CSRF header for the page's own backend); Authorization only without credentials. */
  headers?: Record<string, string> | Iterable<[string, string]>;
}

/** A request spec without its endpoint, for the endpoint methods. */
export type Query = Omit<RequestSpec, 'endpoint'>;

/** Options of `collect` and the endpoint methods. */
export interface CollectOptions {
  /** Called with every event as it happens. */
  onProgress?: (event: ProgressEvent) => void;
  /** Aborts the job: the request in flight is aborted, waits end, nothing more is sent, and the call rejects with XengageError 'aborted' (its `result` holds what was answered, the rest `cancelled` in the ledger). */
  signal?: AbortSignal;
}

/** Parses an answer of the API to the request `spec` stands for; throws XengageError for an error status or a broken body. */
export function parseResponse(spec: RequestSpec, answer: Answer, options?: BuildOptions): Outcome;

/** Rows as objects from one grouping's columns. */
export function toRows(columns: Columns): Row[];

/**
 * Collects from the API (or a proxy, or the emulator): any number of posts and, on the
 * historical endpoints, any range, in batches and windows the API accepts, one request at a
 * time, paced by the quota headers, with bounded retries. Every post asked about ends in the
 * ledger.
 */
export class Client {
  constructor(options?: ClientOptions);
  totals(query: Query, options?: CollectOptions): Promise<Collected>;
  last28Hours(query: Query, options?: CollectOptions): Promise<Collected>;
  historical(query: Query, options?: CollectOptions): Promise<Collected>;
  insights28Hours(query: Query, options?: CollectOptions): Promise<Collected>;
  insightsHistorical(query: Query, options?: CollectOptions): Promise<Collected>;
  /** Post analytics (GET /2/tweets/analytics): up to 100 posts a request, any number in all. */
  analytics(query: Query, options?: CollectOptions): Promise<Collected>;
  /** Media analytics (GET /2/media/analytics), by `mediaKeys`. */
  mediaAnalytics(query: Query, options?: CollectOptions): Promise<Collected>;
  collect(spec: RequestSpec, options?: CollectOptions): Promise<Collected>;
}
