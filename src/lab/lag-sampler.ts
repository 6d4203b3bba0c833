import type { MariadbPair } from './mariadb-pair.ts';

/** Samples the replica's heartbeat lag every `everyMs` until stopped; returns the max and the samples' count. */
export function sampleReplicaLag(
  pair: MariadbPair,
  everyMs = 200,
): { stop(): Promise<{ maxS: number; samples: number }> } {
  let maxS = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const lag = await pair.replicaLagSeconds().catch(() => null);
      if (lag !== null) {
        maxS = Math.max(maxS, lag);
        samples++;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { maxS: Math.round(maxS * 100) / 100, samples };
    },
  };
}
