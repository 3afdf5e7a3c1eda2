// Type-checked by `tsc --noEmit` against the installed package: uses every export with its
// declared types, so a declaration that drifts to `any` or loses a member fails here.
import {
  buildRequest,
  checkRequest,
  XengageError,
  type BuildOptions,
  type BuiltRequest,
  type CheckResult,
  type Endpoint,
  type ErrorCode,
  type Notice,
  type Problem,
  type RequestSpec,
} from 'xengage';

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
