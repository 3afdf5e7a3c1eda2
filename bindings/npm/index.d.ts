// TypeScript declarations of the xengage package, declared once for web.js and node.js.

/** An endpoint: the three Enterprise (v1) endpoints and the two v2 insights endpoints. */
export type Endpoint = 'totals' | '28hr' | 'historical' | 'insights-28hr' | 'insights-historical';

/** The credential a request will be sent with; validation refuses what it cannot reach. */
export type CredentialKind = 'app_only' | 'o_auth2_user' | 'o_auth1_user';

/** A v1 grouping: a caller-chosen name and dimension names, outermost first. */
export interface Grouping {
  name: string;
  groupBy: string[];
}

/** A request as a user writes it, unchecked. */
export interface RequestSpec {
  endpoint: Endpoint;
  /** Post ids as decimal strings (numbers above 2^53 lose digits, so strings only). */
  postIds?: string[];
  /** Metric names, in either generation's spelling. */
  metrics?: string[];
  /** v1 groupings; when empty on v1, one grouping by post and metric is added. */
  groupings?: Grouping[];
  /** Window start (historical endpoints): a date, an RFC 3339 time, a Date or milliseconds since 1970. */
  start?: string | Date | number;
  /** Window end (historical endpoints): a date, an RFC 3339 time, a Date or milliseconds since 1970. */
  end?: string | Date | number;
  /** v2 granularity: 'Daily', 'Hourly', 'Weekly' or 'Total'. */
  granularity?: 'Daily' | 'Hourly' | 'Weekly' | 'Total';
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

/** Something worth knowing about a request that does not stop it from being sent. */
export interface Notice {
  /** A stable code such as 'duplicate_post_ids_removed' or 'window_rounded'. */
  code: string;
  /** A sentence for people. */
  message: string;
  [detail: string]: unknown;
}

/** One thing wrong with a request. */
export interface Problem {
  /** The field in the vocabulary of the request body: 'tweet_ids[3]', 'engagement_types', ... */
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
 * memory (split it).
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
  | 'job_too_large';

/** More about an error of an answer. */
export interface ErrorDetails {
  status?: number | null;
  retryable?: boolean;
  postIds?: string[];
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
}

/** Validates spec and builds the HTTP request; throws XengageError when it is invalid. */
export function buildRequest(spec: RequestSpec, options?: BuildOptions): BuiltRequest;

/** Checks spec as the user types: problems are returned, not thrown. */
export function checkRequest(spec: RequestSpec, options?: BuildOptions): CheckResult;

/** An answer of the API as fetched: `fetch`'s Headers, pairs or a plain object; the body as text or bytes. */
export interface Answer {
  status: number;
  /** fetch's `Headers`, a `Map`, `[name, value]` pairs, or a plain object. */
  headers?: { entries(): Iterable<[string, string]> } | Iterable<[string, string]> | Record<string, string>;
  body: string | Uint8Array | ArrayBuffer | ArrayBufferView;
}

/** The kind of time a count covers. */
export type BucketKind = 'total' | 'day' | 'week' | 'hour' | 'hour_of_day';

/** One count: a post's metric in a bucket. */
export interface Row {
  /** The grouping it belongs to (v2 answers: 'metrics_total' or 'metrics_time_series'). */
  grouping: string;
  /** The post, or null where the grouping sums over posts. */
  postId: string | null;
  /** The metric in v1 spelling where v1 has one, or null where the grouping sums over metrics. */
  metric: string | null;
  bucket: BucketKind;
  /** A date ('2026-11-20'), an RFC 3339 UTC hour ('2026-11-20T17:00:00Z'), an hour of the day ('17'), or null for totals. */
  time: string | null;
  value: number;
}

/** The same rows as columns: one entry per count in each typed array, for charts and large answers. */
export interface Columns {
  length: number;
  /** Grouping names, indexed by `grouping`. */
  groupings: string[];
  grouping: Uint8Array;
  /** Distinct post ids, indexed by `post` (-1: summed over posts). */
  postIds: string[];
  post: Int32Array;
  /** Distinct metric names, indexed by `metric` (-1: summed over metrics). */
  metrics: string[];
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
  metric: string;
  max_days: number;
  source: 'plan' | 'answer';
}

/** The account of one post asked about. */
export interface LedgerEntry {
  post_id: string;
  status: PostStatus;
  answers: number;
  unavailable: boolean;
  forbidden: boolean;
  unsupported: Unsupported[];
  missing_from: string[];
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
  code: string;
  message: string;
  [detail: string]: unknown;
}

/** A parsed answer, or the merged answers of a job. */
export interface Outcome {
  endpoint: Endpoint;
  groupings: Array<{ name: string; groupBy: string[]; rows: number }>;
  /** Every post asked about, with values or the reason it has none. */
  ledger: LedgerEntry[];
  counts: LedgerCounts;
  notices: ResponseNotice[];
  windows: Array<{ start: string; end: string }>;
  /** `errors` strings of a successful answer. */
  errors: string[];
  /** v2 problem details of a successful answer. */
  problems: Array<Record<string, unknown>>;
  /** Top-level keys the SDK does not know, kept. */
  extra: Record<string, unknown>;
  /** Parts the SDK could not read as counts (unknown metrics), kept as JSON. */
  unknown: Array<{ path: string; value: unknown }>;
  rateLimit: { limit: number; remaining: number } | null;
  columns: Columns;
  /** The rows as objects, built from `columns` on first use. */
  readonly rows: Row[];
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
  | { kind: 'batch_done'; index: number; postIds: string[]; rows: number; progress: Progress }
  | { kind: 'batch_narrowed'; index: number; removed: string[]; askedAgain: string[]; message: string; progress: Progress }
  | { kind: 'retrying'; index: number; attempt: number; failure: FailureKind; message: string; afterMs: number; progress: Progress }
  /** `status`: the HTTP status of the last answer (401: the credentials), null when none came (a timeout, a failed connection). */
  | { kind: 'batch_failed'; index: number; postIds: string[]; failure: FailureKind; message: string; status: number | null; progress: Progress }
  | { kind: 'other'; progress: Progress };

/** The end of a job. */
export interface Summary {
  progress: Progress;
  counts: LedgerCounts;
  pacing: { reserved: number; rate_limited: number; waited: number };
  /** What planning said about the spec: duplicates removed, the default window or grouping, posts too old for a metric. */
  notices: Notice[];
}

/** The merged outcome of a job and its summary. */
export interface Collected extends Outcome {
  summary: Summary;
}

/** Credentials: exactly one kind. In a browser, give none and send through a proxy that holds them. */
export type Credentials =
  | { bearerToken: string }
  | { userToken: string }
  | { consumerKey: string; consumerSecret: string; accessToken?: string; accessTokenSecret?: string };

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
}

/** A request spec without its endpoint, for the endpoint methods. */
export type Query = Omit<RequestSpec, 'endpoint'>;

/** Options of `collect`. */
export interface CollectOptions {
  /** Called with every event as it happens. */
  onProgress?: (event: ProgressEvent) => void;
}

/** Parses an answer of the API to the request `spec` stands for; throws XengageError for an error status or a broken body. */
export function parseResponse(spec: RequestSpec, answer: Answer, options?: BuildOptions): Outcome;

/** Rows as objects from columns. */
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
  collect(spec: RequestSpec, options?: CollectOptions): Promise<Collected>;
}
