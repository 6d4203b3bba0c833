import { LoadError } from '../load/load-error.ts';

/**
 * K6_TAGS as k6 reads it (lib/options.go `tags`, a map[string]string that envconfig fills): `name:value` pairs
 * joined by commas, each split at its colons into exactly two parts (a value with a colon in it is refused, as
 * in k6: `invalid map item`). Unlike --tag, whose form is `name=value`.
 */
export function envTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (text.trim() === '') return tags;
  for (const pair of text.split(',')) {
    const parts = pair.split(':');
    if (parts.length !== 2)
      throw new LoadError('TENANTOPS_E_LOAD_OPTIONS', `K6_TAGS: invalid map item: "${pair}" (expected name:value)`);
    tags[parts[0]] = parts[1];
  }
  return tags;
}
