/**
 * The tags a script passes to `metric.add(v, tags)`, `check(v, sets, tags)` or a request's `params.tags`, as
 * k6's common.ApplyCustomUserTags (js/common/tags.go) reads them: null or undefined is no tags, anything else
 * is taken as an object, and each value must be a string, a boolean or a number (stringified). Any other value
 * (an object, an array, null) is refused with k6's message, which the caller prefixes, instead of being sent as
 * a tag `[object Object]`.
 */
export function customUserTags(value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (value === null || value === undefined) return tags;
  const object = Object(value) as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const v = object[key];
    const primitive =
      typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number'
        ? v
        : v instanceof String || v instanceof Number || v instanceof Boolean
          ? v.valueOf()
          : undefined;
    if (primitive === undefined)
      throw new Error(
        `invalid value for metric tag '${key}': only String, Boolean and Number types are accepted as a metric tag values`,
      );
    tags[key] = String(primitive);
  }
  return tags;
}
