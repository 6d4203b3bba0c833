import type { Tags } from './protocol.ts';
import type { VuState } from './vu-state.ts';

/**
 * The tags of a WebSocket session's samples, as k6 sets them on ws_* metrics: the VU's tags, `url`, then the
 * script's own; `status` and `subproto` are added once the handshake answers.
 */
export function wsSessionTags(state: VuState, url: string, extra: Record<string, unknown> = {}): Tags {
  const tags: Tags = { ...state.tags(), url };
  for (const [k, v] of Object.entries(extra)) tags[k] = String(v);
  return tags;
}
