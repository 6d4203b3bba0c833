/** k6's fs errors carry a `name` (NotFoundError, ForbiddenError, TypeError, EOFError…) that scripts test. */
export class FsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
