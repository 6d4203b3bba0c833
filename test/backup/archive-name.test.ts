// [fleet] An archive's name maps back to its tenant for every id, the empty one included: `tenant--<UTC>.tnt` (id
// '') was not taken for an archive at all, so outside a run index it was never listed, pruned or restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { archiveFileName, parseArchiveFileName } from '../../src/backup/index.ts';

test('archive names round-trip every id, the empty one and ids of dashes and stamps too', () => {
  const at = new Date('2025-03-01T02:00:00Z');
  for (const id of ['', '-', '--', 'x-20250101T000000Z', '-20250101T000000Z', 'a/b', ' ', '7']) {
    const name = archiveFileName(id, at);
    const back = parseArchiveFileName(name);
    assert.ok(back, `${JSON.stringify(id)}: ${name} is an archive name`);
    assert.equal(back.tenant, id, name);
    assert.equal(back.at.toISOString(), at.toISOString(), name);
  }
  assert.equal(parseArchiveFileName('tenant-20250101T000000Z.tnt'), null, 'no separator before the stamp');
});
