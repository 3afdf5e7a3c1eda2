// The error thrown by every xengage function: an Error subclass with a stable `code`; for
// `invalid_request`, every problem of the request at once; for errors of an answer, its HTTP
// `status`, whether retrying can help, and the posts it refused by name; for a `collect` that
// was aborted or got no answer, what it did collect (`result`, with its ledger).
export class XengageError extends Error {
  constructor(code, message, problems, details) {
    super(message, details?.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'XengageError';
    this.code = code;
    this.problems = problems ?? [];
    this.status = details?.status ?? null;
    this.retryable = details?.retryable ?? false;
    this.postIds = details?.postIds ?? [];
    this.url = details?.url ?? null;
    this.result = details?.result ?? null;
  }
}
