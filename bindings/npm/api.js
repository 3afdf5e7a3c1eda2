// The package's API over the wasm exports, shared by web.js and node.js (which load the wasm
// first): parseResponse and Client wrap the raw exports; outcomes get their `rows` from the
// columns on first use.
import {
  buildRequest as buildRequestRaw,
  checkRequest as checkRequestRaw,
  parseResponseRaw,
  RawClient,
} from './dist/xengage_wasm.js';
import { XengageError } from './errors.js';

export { XengageError };

// Whether the wasm is loaded: at once by node.js and web.js (on import), by init.js after its
// `init()`. A call before that would fail inside the wasm glue with a TypeError.
let ready = false;

/** Called by the entry that loaded the wasm. */
export function markReady() {
  ready = true;
}

function needReady() {
  if (!ready) {
    throw new XengageError(
      'not_initialized',
      "the wasm is not loaded yet: with 'xengage/init', call `await init()` once before any other function",
    );
  }
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
  needReady();
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
  const checked = checkSpec(spec);
  checkJsonable(options, 'options', 'invalid_options');
  return buildRequestRaw(checked, options);
}

/** Every problem of `spec`, without throwing for them. */
export function checkRequest(spec, options) {
  const checked = checkSpec(spec);
  checkJsonable(options, 'options', 'invalid_options');
  return checkRequestRaw(checked, options);
}

const pad2 = (n) => String(n).padStart(2, '0');

/** Rows as objects, built from the columns. */
export function toRows(columns) {
  const { length, groupings, grouping, postIds, post, metrics, metric, bucketKinds, bucket, time, hourOfDay, value } = columns;
  const rows = new Array(length);
  for (let i = 0; i < length; i++) {
    const kind = bucketKinds[bucket[i]];
    let text = null;
    if (kind === 'hour') text = new Date(time[i]).toISOString().slice(0, 19) + 'Z';
    else if (kind === 'day' || kind === 'week') text = new Date(time[i]).toISOString().slice(0, 10);
    else if (kind === 'hour_of_day') text = pad2(hourOfDay[i]);
    rows[i] = {
      grouping: groupings[grouping[i]],
      postId: post[i] < 0 ? null : postIds[post[i]],
      metric: metric[i] < 0 ? null : metrics[metric[i]],
      bucket: kind,
      time: text,
      value: value[i],
    };
  }
  return rows;
}

function wrapOutcome(raw) {
  const result = JSON.parse(raw.meta);
  result.columns = raw.columns;
  if (raw.summary) result.summary = JSON.parse(raw.summary);
  Object.defineProperty(result, 'rows', {
    enumerable: true,
    configurable: true,
    get() {
      const rows = toRows(raw.columns);
      Object.defineProperty(result, 'rows', { value: rows, enumerable: true });
      return rows;
    },
  });
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
  const checked = checkSpec(spec);
  checkJsonable(options, 'options', 'invalid_options');
  if (answer == null || !Number.isInteger(answer.status) || answer.status < 100 || answer.status > 599) {
    throw new XengageError('invalid_response', 'answer must be { status, headers, body } with an HTTP status (an integer, 100 to 599)');
  }
  return wrapOutcome(parseResponseRaw(checked, options, answer.status, headersJson(answer.headers), bodyBytes(answer.body)));
}

/** Sends requests (any number of posts, any range) with pacing and retries, merging the batches. */
export class Client {
  #raw;

  constructor(options = {}) {
    needReady();
    checkJsonable(options, 'options', 'invalid_options');
    this.#raw = new RawClient(JSON.stringify(options ?? {}));
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
    const callback = typeof onProgress === 'function' ? (text) => onProgress(JSON.parse(text)) : undefined;
    const checked = checkSpec(spec);
    return wrapOutcome(await this.#raw.collect(JSON.stringify(checked), callback));
  }
}
