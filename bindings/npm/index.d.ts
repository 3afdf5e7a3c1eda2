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
  /** Window start (historical endpoints): a date, an RFC 3339 time or a Date. */
  start?: string | Date;
  /** Window end (historical endpoints): a date, an RFC 3339 time or a Date. */
  end?: string | Date;
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

/** The codes of XengageError. */
export type ErrorCode = 'invalid_request' | 'invalid_spec' | 'invalid_options';

/** The error every function of this package throws. */
export class XengageError extends Error {
  constructor(code: ErrorCode, message: string, problems?: Problem[]);
  readonly name: 'XengageError';
  /** 'invalid_request': see problems; 'invalid_spec': not the shape of a spec; 'invalid_options'. */
  readonly code: ErrorCode;
  /** Every problem of the request at once (empty unless code is 'invalid_request'). */
  readonly problems: Problem[];
}

/** Validates spec and builds the HTTP request; throws XengageError when it is invalid. */
export function buildRequest(spec: RequestSpec, options?: BuildOptions): BuiltRequest;

/** Checks spec as the user types: problems are returned, not thrown. */
export function checkRequest(spec: RequestSpec, options?: BuildOptions): CheckResult;
