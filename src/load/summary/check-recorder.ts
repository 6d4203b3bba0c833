import { createHash } from 'node:crypto';
import type { Metric } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import type { SummaryGroup } from './summary-data.ts';

const id = (path: string) => createHash('md5').update(path).digest('hex');

/** Builds k6's root_group tree (groups and per-check passes/fails) from check and group samples. */
export class CheckRecorder {
  readonly root: SummaryGroup = { name: '', path: '', id: id(''), groups: [], checks: [] };
  private readonly groups = new Map<string, SummaryGroup>([['', this.root]]);

  listener = (metric: Metric, value: number, tags: Tags): void => {
    if (metric.name === 'checks') {
      const g = this.group(tags.group ?? '');
      const name = tags.check ?? '';
      let c = g.checks.find((x) => x.name === name);
      if (!c) {
        const path = `${g.path}::${name}`;
        c = { name, path, id: id(path), passes: 0, fails: 0 };
        g.checks.push(c);
      }
      if (value) c.passes++;
      else c.fails++;
    } else if (metric.name === 'group_duration' && tags.group) {
      this.group(tags.group);
    }
  };

  private group(path: string): SummaryGroup {
    const known = this.groups.get(path);
    if (known) return known;
    const cut = path.lastIndexOf('::');
    const parent = this.group(cut <= 0 ? '' : path.slice(0, cut));
    const g: SummaryGroup = { name: path.slice(cut + 2), path, id: id(path), groups: [], checks: [] };
    parent.groups.push(g);
    this.groups.set(path, g);
    return g;
  }
}
