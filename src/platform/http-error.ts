/** An error whose message is safe to show to an API client as-is. Anything else becomes a generic 500. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.headers = headers;
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, `${what} not found`);
