/** JSON schemas shared by the route plugins. Bodies and query strings reject unknown fields. */

export const MAX_ID = Number.MAX_SAFE_INTEGER;
export const id = { type: 'integer', minimum: 1, maximum: MAX_ID } as const;
export const nullableId = { type: ['integer', 'null'], minimum: 1, maximum: MAX_ID } as const;
export const text = (max: number, min = 0) => ({ type: 'string', minLength: min, maxLength: max }) as const;
export const nullableText = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const;
export const date = { type: ['string', 'null'], pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
export const dateTime = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?Z?$',
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id },
} as const;

export const paginationProps = {
  page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
} as const;

export const pagination = { type: 'object', additionalProperties: false, properties: paginationProps } as const;

export interface Page {
  page: number;
  limit: number;
}

export interface IdParams {
  id: number;
}

/** "2025-01-31 10:00:00.123" in UTC: accepted by DATETIME(6) and TIMESTAMP(6) alike, bound as a value. */
export function nowText(at: Date = new Date()): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

export function dateTimeText(v: string): string {
  return v.replace('T', ' ').replace('Z', '');
}
