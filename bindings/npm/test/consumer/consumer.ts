// Type-checked by `tsc --noEmit` against the installed package: uses every export with its
// declared types, so a declaration that drifts to `any` or loses a member fails here.
import {
  buildRequest,
  checkRequest,
  parseResponse,
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
const columns: Columns = outcome.columns;
const values: Float64Array = columns.value;
const kinds: BucketKind[] = columns.bucketKinds;
const rows: Row[] = toRows(columns);
const firstValue: number | undefined = outcome.rows[0]?.value;
const entry: LedgerEntry | undefined = outcome.ledger[0];
const status: PostStatus | undefined = entry?.status;
const unsupported: Unsupported[] = entry?.unsupported ?? [];
const counts: LedgerCounts = outcome.counts;
const responseNotices: ResponseNotice[] = outcome.notices;
const credentials: Credentials = { consumerKey: 'k', consumerSecret: 's', accessToken: 't', accessTokenSecret: 'ts' };
const clientOptions: ClientOptions = { baseUrl: 'http://127.0.0.1:8787', signingBaseUrl: 'https://data-api.x.com', credentials, timeoutMs: 10_000, quotaWindowMs: 60_000, maxBodyBytes: 64 << 20, maxRetries: 4, maxRateLimitedRetries: 8 };
const client = new Client(clientOptions);
const query: Query = { postIds: ['1855000000000000000'], metrics: ['impressions'] };
const collectOptions: CollectOptions = {
  onProgress: (e: ProgressEvent) => {
    const p: Progress = e.progress;
    if (e.kind === 'batch_done') console.log(e.rows, p.requestsDone);
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
  const summary: Summary = f.summary;
  return a.rows.length + b.rows.length + c.rows.length + d.rows.length + e.rows.length + g.rows.length + h.rows.length + summary.progress.requestsDone;
}
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
  await lazy.init(wasm);
  await lazy.init(new URL('https://cdn.example.com/xengage_wasm_bg.wasm'));
  const code: ErrorCode = 'not_initialized';
  return lazy.buildRequest({ endpoint: 'totals', postIds: ['1'], metrics: ['favorites'] }).method + code;
}
