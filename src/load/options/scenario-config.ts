/** A scenario after defaults are applied; every duration is in milliseconds. */
export interface ScenarioBase {
  name: string;
  startTime: number;
  gracefulStop: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
}

export interface Stage {
  duration: number;
  target: number;
}

export type ScenarioConfig =
  | (ScenarioBase & { executor: 'shared-iterations'; vus: number; iterations: number; maxDuration: number })
  | (ScenarioBase & { executor: 'per-vu-iterations'; vus: number; iterations: number; maxDuration: number })
  | (ScenarioBase & { executor: 'constant-vus'; vus: number; duration: number })
  | (ScenarioBase & { executor: 'ramping-vus'; startVUs: number; stages: Stage[]; gracefulRampDown: number })
  | (ScenarioBase & {
      executor: 'constant-arrival-rate';
      rate: number;
      timeUnit: number;
      duration: number;
      preAllocatedVUs: number;
      maxVUs: number;
    })
  | (ScenarioBase & {
      executor: 'ramping-arrival-rate';
      startRate: number;
      timeUnit: number;
      stages: Stage[];
      preAllocatedVUs: number;
      maxVUs: number;
    });

export type ExecutorName = ScenarioConfig['executor'];
