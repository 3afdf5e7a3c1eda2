// TypeScript declarations of 'xengage/testing'.
import type { BuildOptions, RequestSpec } from './index.js';
import { XengageError } from './index.js';

/** An answer as the API sends it: what a mocked `fetch` returns to the code under test. */
export interface SampleAnswer {
  /** The HTTP status: 200 mostly; 400, 403, 429 or 503 for some seeds (429 or 503 only, on 'analytics' and 'media-analytics', whose 200s name the posts or media not served). */
  status: number;
  /** Header names (lower case) to values: `content-type`, and the quota headers most times. */
  headers: Record<string, string>;
  /** The body, JSON text. */
  body: string;
}

/**
 * The answer the API would send to the request `spec` stands for (any endpoint, post and media
 * analytics included), validated as `buildRequest`
 * validates it (at `options.now`, or now); the same for the same spec, seed and `now`. Throws
 * XengageError for an invalid spec, or a seed that is not a whole number from 0 to 2^53 - 1.
 */
export function sampleAnswer(spec: RequestSpec, seed: number, options?: BuildOptions): SampleAnswer;

export { XengageError };
