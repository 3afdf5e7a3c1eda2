// The package's API over the wasm exports, shared by web.js and node.js, which say how to load
// the two wasm modules: the lean one (buildRequest, checkRequest, parseResponse) and the full
// one (everything, with Client and signRequest). Nothing is loaded on import: the lean module on
// the first check/build/parse (Node) or `init()`, the full one on a Client's first job or
// `init({ client: true })`. Each grouping of an outcome gets its `rows` from its columns on
// first use.
import { XengageError } from './errors.js';

export { XengageError };

// The loaded modules' exports, and how this platform loads them: `{ lean(source?), full(source?) }`
// (promises), and in Node `leanSync()` and `fullSync()` too.
let lean = null;
let full = null;
let loader = null;
let leanLoading = null;
let fullLoading = null;

/** Called once by the entry (web.js, node.js) with its platform's loader. */
export function setLoader(platform) {
  loader = platform;
}

const notLoaded = (what) =>
  new XengageError(
    'not_initialized',
    `the wasm is not loaded yet: call \`await init()\` once before ${what} (\`await init({ client: true })\` for signRequest); a Client loads what it needs by itself`,
  );

/** The module for checking, building and parsing: the full one if loaded, else the lean one. */
function core(what) {
  if (full) return full;
  if (lean) return lean;
  if (loader?.leanSync) return (lean = loader.leanSync());
  throw notLoaded(what);
}

/** The full module if it is loaded (or, in Node, can be at once), else null. */
function fullNow() {
  if (!full && loader?.fullSync) full = loader.fullSync();
  return full;
}

async function loadFull(source) {
  if (!full) {
    // A failed load (the network, a wrong URL) is not kept: the next call tries again.
    fullLoading ??= loader.full(source).catch((e) => {
      fullLoading = null;
      throw e;
    });
    full = await fullLoading;
  }
  return full;
}

const isSource = (x) => x != null && (typeof x === 'string' || x instanceof URL || (typeof Response !== 'undefined' && x instanceof Response) || ArrayBuffer.isView(x) || x instanceof ArrayBuffer || x instanceof WebAssembly.Module);

/**
 * Loads the wasm once (later calls return the same promise): the lean module (checking,
 * building and parsing), or with `{ client: true }` the full one (everything). `wasm` says
 * where the module is (a URL, a Response, its bytes or a compiled module); by default, next to
 * this package. Given a source alone (as the 0.1 `xengage/init` took it), loads the full module
 * from it.
 */
let fullReady = null;

export function init(options) {
  if (isSource(options) || options?.client) {
    fullReady ??= loadFull(isSource(options) ? options : options.wasm).then(
      () => undefined,
      (e) => {
        fullReady = null;
        throw e;
      },
    );
    return fullReady;
  }
  leanLoading ??=
    full || lean
      ? Promise.resolve()
      : loader.lean(options?.wasm).then(
          (m) => {
            lean = m;
          },
          (e) => {
            leanLoading = null;
            throw e;
          },
        );
  return leanLoading;
}

/**
 * Throws `code` naming the field when `value` holds what JSON cannot carry and would silently
 * turn into `null` (read as "not given"): an invalid Date, NaN or an infinity.
 */
function checkJsonable(value, what, code) {
  JSON.stringify(value ?? null, function (key, v) {
    const original = this[key];
    const field = key === '' ? what : `${what}.${key}`;
    if (original instanceof Date && Number.isNaN(original.getTime())) {
      throw new XengageError(code, `${field} is an invalid Date`);
    }
    if (typeof original === 'number' && !Number.isFinite(original)) {
      throw new XengageError(code, `${field} is ${original}, not a finite number`);
    }
    return v;
  });
}

const LISTS_OF_STRINGS = ['postIds', 'mediaKeys', 'metrics', 'fields'];

/**
 * `spec` as the wasm reads it: checked by checkJsonable, times given in milliseconds made
 * Dates (sent as RFC 3339), and a list item that is not a string refused by its field's name
 * (a post id as a number has already lost its last digits past 2^53).
 */
function checkSpec(spec) {
  checkJsonable(spec, 'spec', 'invalid_spec');
  if (spec == null || typeof spec !== 'object' || Array.isArray(spec)) return spec;
  const out = { ...spec };
  for (const key of ['start', 'end']) {
    if (typeof out[key] === 'number') {
      const date = new Date(out[key]);
      if (Number.isNaN(date.getTime())) {
        throw new XengageError('invalid_spec', `spec.${key} is ${out[key]}, out of the range of a Date`);
      }
      out[key] = date;
    }
  }
  for (const key of LISTS_OF_STRINGS) {
    if (!Array.isArray(out[key])) continue;
    out[key].forEach((item, i) => {
      if (typeof item !== 'string') {
        const why = key === 'postIds' ? ': post ids are strings, for numbers past 2^53 are not exact' : '';
        throw new XengageError('invalid_spec', `spec.${key}[${i}] is a ${typeof item}, not a string${why}`);
      }
    });
  }
  return out;
}

/** Builds and signs nothing: the request `spec` stands for, checked against every rule. */
export function buildRequest(spec, options) {
  const m = core('buildRequest');
  const checked = checkSpec(spec);
  checkJsonable(options, 'options', 'invalid_options');
  return m.buildRequest(checked, options);
}

/**
 * Every problem of `spec`, without throwing for them: a spec of the wrong shape (an unknown
 * endpoint, an id given as a number, an invalid Date) is a problem too, on field `spec...`.
 */
export function checkRequest(spec, options) {
  const m = core('checkRequest');
  let checked;
  try {
    checked = checkSpec(spec);
    checkJsonable(options, 'options', 'invalid_options');
  } catch (e) {
    if (!(e instanceof XengageError)) throw e;
    const field = e.code === 'invalid_options' ? 'options' : 'spec';
    return { ok: false, problems: [{ field, value: null, rule: e.message }], notices: [] };
  }
  return m.checkRequest(checked, options);
}

/**
 * `request` (from buildRequest) with its `authorization` header: an OAuth 1.0a signature (a
 * fresh nonce, the clock's time) or a bearer token. For Node and workers that send requests
 * themselves; a page should leave credentials to a proxy.
 */
export function signRequest(request, credentials, options) {
  const m = fullNow();
  if (!m) throw notLoaded('signRequest');
  checkJsonable(options, 'options', 'invalid_options');
  return m.signRequest(request, credentials, options);
}

const pad2 = (n) => String(n).padStart(2, '0');

/** Rows as objects, built from one grouping's columns. */
export function toRows(columns) {
  const { length, postIds, post, mediaKeys, media, metrics, metric, bucketKinds, bucket, time, hourOfDay, value } = columns;
  const rows = new Array(length);
  for (let i = 0; i < length; i++) {
    const kind = bucketKinds[bucket[i]];
    let text = null;
    if (kind === 'hour') text = new Date(time[i]).toISOString().slice(0, 19) + 'Z';
    else if (kind === 'day' || kind === 'week') text = new Date(time[i]).toISOString().slice(0, 10);
    else if (kind === 'hour_of_day') text = pad2(hourOfDay[i]);
    rows[i] = {
      postId: post[i] < 0 ? null : postIds[post[i]],
      // Columns made by hand before the media column may lack it.
      mediaKey: media == null || media[i] < 0 ? null : mediaKeys[media[i]],
      metric: metric[i] < 0 ? null : metrics[metric[i]],
      bucket: kind,
      time: text,
      value: value[i],
    };
  }
  return rows;
}

/** The typed array of each column the module sent as one value throughout. */
const FILLED = { media: Int32Array, bucket: Uint8Array, hourOfDay: Uint8Array };

/**
 * `columns` with each column the module sent as a number (one value in every row: no media
 * outside media analytics, one kind of bucket) made a typed array of that value when it is
 * first read, so an answer pays for columns it does not use only if they are read.
 */
function filledColumns(columns) {
  for (const [name, Type] of Object.entries(FILLED)) {
    const fill = columns[name];
    if (typeof fill !== 'number') continue;
    Object.defineProperty(columns, name, {
      enumerable: true,
      configurable: true,
      get() {
        const array = new Type(columns.length).fill(fill);
        Object.defineProperty(columns, name, { value: array, enumerable: true, writable: true, configurable: true });
        return array;
      },
    });
  }
  return columns;
}

/** One grouping's result: its name, dimensions, columns, and rows built on first use. */
function table(meta, raw) {
  const columns = filledColumns(raw);
  const t = { name: meta.name, groupBy: meta.groupBy, rowCount: meta.rowCount, columns };
  Object.defineProperty(t, 'rows', {
    enumerable: true,
    configurable: true,
    get() {
      const rows = toRows(columns);
      Object.defineProperty(t, 'rows', { value: rows, enumerable: true });
      return rows;
    },
  });
  return t;
}

function wrapOutcome(raw) {
  const result = JSON.parse(raw.meta);
  // Keyed by the grouping's name, in the request's order; a name such as '__proto__' is an own
  // property like any other.
  const groupings = {};
  result.groupings.forEach((meta, i) => {
    Object.defineProperty(groupings, meta.name, {
      value: table(meta, raw.tables[i]),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  });
  result.groupings = groupings;
  result.totals = result.totals ? table(result.totals, raw.totals) : null;
  if (raw.summary) result.summary = JSON.parse(raw.summary);
  return result;
}

const ABORTED = 'the job was aborted: nothing more is sent; error.result holds what was answered, the rest is in its ledger as cancelled';

function abortError(signal, result) {
  return new XengageError('aborted', ABORTED, [], { result, cause: signal?.reason });
}

/** The origin of the page or worker, for messages (Node has none). */
function origin() {
  return globalThis.location?.origin ?? 'none (not a page or worker)';
}

/** The code of a job's first failure (a `batch_failed` event), for the error of a job that got no answer. */
function failureCode(failure) {
  if (failure?.status != null) return 'api_error';
  switch (failure?.failure) {
    case 'timeout':
      return 'timeout';
    case 'connection':
      return 'network_error';
    case 'broken_body':
      return 'broken_body';
    default:
      return 'request_failed';
  }
}

/**
 * The collected result, or the error of a job that was aborted, reached nobody, or in which no
 * request was answered (with the result, ledger included, as `error.result`).
 */
function settle(raw, signal) {
  const result = wrapOutcome(raw);
  const ending = JSON.parse(raw.ending);
  if (ending.kind === 'aborted') throw abortError(signal, result);
  if (ending.kind === 'unreachable') {
    // Pages and workers have CORS, and hide its refusals as network failures; Node has none.
    const likely = globalThis.location
      ? 'most likely CORS (the server does not allow this origin; with `xengage proxy`, give it --allow-origin) or a wrong baseUrl'
      : 'most likely a wrong baseUrl or a server that is not running';
    throw new XengageError(
      'network_error',
      `no answer at all to the job's first request (${ending.url}, from origin ${origin()}): ${likely}. ${ending.message}`,
      [],
      { result, url: ending.url, retryable: true },
    );
  }
  const { progress } = result.summary;
  if (progress.requestsDone === 0 && progress.requestsFailed > 0) {
    const first = ending.firstFailure;
    throw new XengageError(
      failureCode(first),
      `no request of this job was answered (${progress.requestsFailed} failed); the first failure: ${first?.message ?? 'unknown'}`,
      [],
      { result, status: first?.status ?? null, retryable: first?.failure !== 'permanent' && first?.status == null, postIds: first?.postIds ?? [] },
    );
  }
  return result;
}

function headersJson(headers) {
  const out = {};
  if (headers == null) return '{}';
  // Headers and Map have entries(); arrays, Sets and generators of pairs are iterable; a plain
  // object maps names to values.
  const entries =
    typeof headers.entries === 'function' && !Array.isArray(headers) && !(headers instanceof Set)
      ? headers.entries()
      : typeof headers[Symbol.iterator] === 'function'
        ? headers
        : Object.entries(headers);
  for (const [name, value] of entries) out[String(name).toLowerCase()] = String(value);
  return JSON.stringify(out);
}

const encoder = new TextEncoder();

function bodyBytes(body) {
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new XengageError('invalid_response', 'answer.body must be a string, a Uint8Array or an ArrayBuffer');
}

/** Parses an answer of the API to the request `spec` stands for. */
export function parseResponse(spec, answer, options) {
  const m = core('parseResponse');
  const checked = checkSpec(spec);
  checkJsonable(options, 'options', 'invalid_options');
  if (answer == null || !Number.isInteger(answer.status) || answer.status < 100 || answer.status > 599) {
    throw new XengageError('invalid_response', 'answer must be { status, headers, body } with an HTTP status (an integer, 100 to 599)');
  }
  const headers = headersJson(answer.headers);
  if (typeof answer.body === 'string') {
    // Encoded straight into the module's memory: one pass over the text, no copy of its bytes.
    const text = answer.body;
    let view = m.bodyBuffer(text.length, 0);
    let { read, written } = encoder.encodeInto(text, view);
    if (read < text.length) {
      // Not all ASCII: a UTF-16 unit takes up to 3 bytes of UTF-8.
      view = m.bodyBuffer(written + (text.length - read) * 3, written);
      written += encoder.encodeInto(text.slice(read), view.subarray(written)).written;
    }
    return wrapOutcome(m.parseBufferedResponseRaw(checked, options, answer.status, headers, written));
  }
  return wrapOutcome(m.parseResponseRaw(checked, options, answer.status, headers, bodyBytes(answer.body)));
}

/** Sends requests (any number of posts, any range) with pacing and retries, merging the batches. */
export class Client {
  #raw = null;
  #json;
  #fetch;

  /**
   * Checks the options at once where the full module is loaded (Node, or after
   * `init({ client: true })`); otherwise the first job loads it and rejects with what is wrong.
   */
  constructor(options = {}) {
    const object = options != null && typeof options === 'object' && !Array.isArray(options);
    const { fetch, headers, ...rest } = object ? options : {};
    if (fetch !== undefined && typeof fetch !== 'function') {
      throw new XengageError('invalid_options', 'options.fetch must be a function with the signature of the global fetch');
    }
    checkJsonable(object ? rest : options, 'options', 'invalid_options');
    const json = object ? { ...rest } : options;
    if (object && headers !== undefined) json.headers = JSON.parse(headersJson(headers));
    this.#json = JSON.stringify(json ?? {});
    this.#fetch = fetch;
    const m = fullNow();
    if (m) this.#make(m);
  }

  #make(m) {
    this.#raw = new m.RawClient(this.#json);
    if (this.#fetch) this.#raw.setFetch(this.#fetch);
  }

  totals(query, options) {
    return this.collect({ ...query, endpoint: 'totals' }, options);
  }

  last28Hours(query, options) {
    return this.collect({ ...query, endpoint: '28hr' }, options);
  }

  historical(query, options) {
    return this.collect({ ...query, endpoint: 'historical' }, options);
  }

  insights28Hours(query, options) {
    return this.collect({ ...query, endpoint: 'insights-28hr' }, options);
  }

  insightsHistorical(query, options) {
    return this.collect({ ...query, endpoint: 'insights-historical' }, options);
  }

  analytics(query, options) {
    return this.collect({ ...query, endpoint: 'analytics' }, options);
  }

  mediaAnalytics(query, options) {
    return this.collect({ ...query, endpoint: 'media-analytics' }, options);
  }

  async collect(spec, options = {}) {
    const onProgress = options?.onProgress;
    const signal = options?.signal;
    if (signal != null && (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
      throw new XengageError('invalid_options', 'options.signal must be an AbortSignal');
    }
    const callback = typeof onProgress === 'function' ? (text) => onProgress(JSON.parse(text)) : undefined;
    if (!this.#raw) this.#make(await loadFull());
    const checked = checkSpec(spec);
    if (signal?.aborted) throw abortError(signal, undefined);
    let stop;
    const aborted = signal
      ? new Promise((resolve) => {
          stop = resolve;
          signal.addEventListener('abort', resolve, { once: true });
        })
      : undefined;
    try {
      return settle(await this.#raw.collect(JSON.stringify(checked), callback, aborted), signal);
    } finally {
      if (signal) signal.removeEventListener('abort', stop);
    }
  }
}
