// Type-checked by `tsc --noEmit` against the installed package: uses every export with its
// declared types, so a declaration that drifts to `any` or loses a member fails here.
import {
  init,
  buildRequest,
  checkRequest,
  parseResponse,
  signRequest,
  toRows,
  Client,
  XengageError,
  type Answer,
  type BucketKind,
  type ClientOptions,
  type Collected,
  type CollectOptions,
  type Columns,
  type Credentials,
  type ErrorDetails,
  type LedgerCounts,
  type LedgerEntry,
  type Outcome,
  type PostStatus,
  type Progress,
  type ProgressEvent,
  type Query,
  type ResponseNotice,
  type Row,
  type Summary,
  type Unsupported,
  type BuildOptions,
  type BuiltRequest,
  type CheckResult,
  type Endpoint,
  type ErrorCode,
  type Notice,
  type Problem,
  type RequestSpec,
  type MetricName,
  type Dimension,
  type NoticeCode,
  type GroupingTable,
  type SignOptions,
} from 'xengage';
import * as lazy from 'xengage/init';

const endpoint: Endpoint = 'historical';
const spec: RequestSpec = {
  endpoint,
  postIds: ['1855000000000000000'],
  metrics: ['impressions'],
  groupings: [{ name: 'hourly', groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] }],
  start: new Date('2026-11-01T00:00:00Z'),
  end: '2026-11-08',
};
const options: BuildOptions = { now: new Date(), baseUrl: 'http://127.0.0.1:8080', credential: 'o_auth1_user' };
const built: BuiltRequest = buildRequest(spec, options);
const method: 'GET' | 'POST' = built.method;
const body: string | null = built.body;
const headers: Record<string, string> = built.headers;
const notices: Notice[] = built.notices;
const checked: CheckResult = checkRequest({ endpoint: 'totals', postIds: ['x'] });
const firstProblem: Problem | undefined = checked.problems[0];
try {
  buildRequest({ endpoint: 'totals' });
} catch (e) {
  if (e instanceof XengageError) {
    const code: ErrorCode = e.code;
    const fields: string[] = e.problems.map((p: Problem) => p.field);
    console.log(code, fields, e.message);
  }
}
console.log(method, body, headers, notices, firstProblem?.rule.length, new XengageError('invalid_spec', 'x').code);

const answer: Answer = { status: 200, headers: new Map([['x-per-minute-limit', '60']]), body: '{}' };
const outcome: Outcome = parseResponse(spec, answer, { now: 0 });
const hourly: GroupingTable | undefined = outcome.groupings['hourly'];
const columns: Columns | undefined = hourly?.columns;
const values: Float64Array | undefined = columns?.value;
const kinds: BucketKind[] | undefined = columns?.bucketKinds;
const rows: Row[] = columns ? toRows(columns) : [];
const firstValue: number | undefined = hourly?.rows[0]?.value;
const totals: GroupingTable | null = outcome.totals;
const postId: string | null | undefined = outcome.ledger[0]?.postId;
const missing: string[] | undefined = outcome.ledger[0]?.missingFrom;
const rowMetric: MetricName | null | undefined = rows[0]?.metric;
const signOptions: SignOptions = { nonce: 'n', timestamp: 1 };
const signed: BuiltRequest = signRequest(built, { bearerToken: 't' }, signOptions);
console.log(totals?.rowCount, postId, missing, rowMetric, signed.headers['authorization']);
const entry: LedgerEntry | undefined = outcome.ledger[0];
const status: PostStatus | undefined = entry?.status;
const unsupported: Unsupported[] = entry?.unsupported ?? [];
const counts: LedgerCounts = outcome.counts;
const responseNotices: ResponseNotice[] = outcome.notices;
const credentials: Credentials = { consumerKey: 'k', consumerSecret: 's', accessToken: 't', accessTokenSecret: 'ts' };
const clientOptions: ClientOptions = {
  baseUrl: 'http://127.0.0.1:8787',
  signingBaseUrl: 'https://data-api.x.com',
  credentials,
  timeoutMs: 10_000,
  quotaWindowMs: 60_000,
  maxBodyBytes: 64 << 20,
  maxRetries: 4,
  maxRateLimitedRetries: 8,
  fetch: (request: Request) => fetch(request, { credentials: 'include' }),
  headers: { 'x-csrf-token': 'abc' },
};
const client = new Client(clientOptions);
const query: Query = { postIds: ['1855000000000000000'], metrics: ['impressions'] };
const controller = new AbortController();
const collectOptions: CollectOptions = {
  signal: controller.signal,
  onProgress: (e: ProgressEvent) => {
    const p: Progress = e.progress;
    if (e.kind === 'batch_done') console.log(e.rows, p.requestsDone);
    if (e.kind === 'retrying') console.log(`retrying in ${Math.ceil(e.afterMs / 1000)} s`);
  },
};
async function jobs(): Promise<number> {
  const a: Collected = await client.totals(query);
  const b: Collected = await client.last28Hours(query, collectOptions);
  const c: Collected = await client.historical({ ...query, start: '2026-11-01', end: '2026-11-08' });
  const d: Collected = await client.insights28Hours({ ...query, granularity: 'Hourly' });
  const e: Collected = await client.insightsHistorical({ ...query, granularity: 'Daily', start: '2026-11-01', end: '2026-11-08' });
  const f: Collected = await client.collect({ ...query, endpoint: 'totals' }, collectOptions);
  const g: Collected = await client.analytics({ ...query, granularity: 'hourly', start: '2026-11-01', end: '2026-11-08' });
  const h: Collected = await client.mediaAnalytics({ mediaKeys: ['3_1346889436626259968'], metrics: ['video_views'], start: '2026-11-01', end: '2026-11-08' });
  const mediaKey: string | null = h.groupings.timestamped_metrics.rows[0].mediaKey;
  const mediaColumn: Int32Array = h.groupings.timestamped_metrics.columns.media;
  const mediaKeys: string[] = h.totals?.columns.mediaKeys ?? [];
  const ledgerKey: string | null = h.ledger[0].mediaKey ?? h.ledger[0].postId;
  const summary: Summary = f.summary;
  const dTotals: number = d.totals?.rows.reduce((sum, r) => sum + r.value, 0) ?? 0;
  const cancelled: number = f.counts.cancelled + summary.pacing.rateLimited;
  return (mediaKey ?? '').length + mediaColumn.length + mediaKeys.length + (ledgerKey ?? '').length + g.ledger.length + h.ledger.length + a.ledger.length + b.ledger.length + c.ledger.length + dTotals + e.ledger.length + cancelled + summary.progress.requestsDone;
}

// Typos that must not compile.
// @ts-expect-error a misspelt metric
const typoMetric: MetricName = 'impresions';
// @ts-expect-error a misspelt dimension
const typoDimension: Dimension = 'tweet.ids';
// @ts-expect-error a misspelt endpoint
const typoEndpoint: Endpoint = 'insights_28hr';
// @ts-expect-error a misspelt notice code
const typoNotice: NoticeCode = 'window_round';
// @ts-expect-error a misspelt error code
const typoError: ErrorCode = 'abort';
// @ts-expect-error a misspelt metric inside a spec
const typoSpec: RequestSpec = { endpoint: 'totals', metrics: ['favourites'] };
// @ts-expect-error two kinds of credentials at once
const twoKinds: Credentials = { bearerToken: 'a', userToken: 'b' };
// @ts-expect-error an access token without its secret
const halfOAuth1: Credentials = { consumerKey: 'k', consumerSecret: 's', accessToken: 't' };
// @ts-expect-error rows are per grouping, not on the outcome
const flatRows = outcome.rows;
console.log(typoMetric, typoDimension, typoEndpoint, typoNotice, typoError, typoSpec, twoKinds, halfOAuth1, flatRows);
try {
  parseResponse(spec, { status: 503, body: new Uint8Array() });
} catch (e) {
  if (e instanceof XengageError) {
    const details: ErrorDetails = { status: e.status, retryable: e.retryable, postIds: e.postIds };
    console.log(details);
  }
}
console.log(values.length, kinds, rows.length, firstValue, status, unsupported, counts.served, responseNotices, jobs);

// 'xengage/init': the same functions, and init() taking where the wasm is.
export async function loadLazily(wasm: Uint8Array): Promise<string> {
  await init();
  await init({ client: true, wasm: new URL('https://cdn.example.com/xengage_wasm_bg.wasm') });
  await lazy.init(wasm);
  await lazy.init(new URL('https://cdn.example.com/xengage_wasm_bg.wasm'));
  const code: ErrorCode = 'not_initialized';
  return lazy.buildRequest({ endpoint: 'totals', postIds: ['1'], metrics: ['favorites'] }).method + code;
}
