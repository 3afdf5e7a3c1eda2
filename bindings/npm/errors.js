// The error thrown by every xengage function: an Error subclass with a stable `code` and, for
// `invalid_request`, every problem of the request at once.
export class XengageError extends Error {
  constructor(code, message, problems) {
    super(message);
    this.name = 'XengageError';
    this.code = code;
    this.problems = problems ?? [];
  }
}
