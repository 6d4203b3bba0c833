import { isMap, isSeq, type Document, type YAMLMap } from 'yaml';

/** Every rule of a parsed rule file as an editable YAML node, so a test can rewrite rules and keep the rest intact. */
export function* ruleNodes(doc: Document): Generator<YAMLMap> {
  const groups = doc.get('groups');
  if (!isSeq(groups)) throw new Error('rule file has no groups');
  for (const g of groups.items) {
    const rules = isMap(g) ? g.get('rules') : null;
    if (!isSeq(rules)) continue;
    for (const r of rules.items) if (isMap(r)) yield r;
  }
}
