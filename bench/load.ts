// npm run bench:load [-- --repeat N] [--seconds S] [--modes isolated,shared,shared:2] [--only throughput|latency]
// Runs the same constant-vus load against a trivial local server from tenantops load,
// autocannon and wrk, one after another, then the latency overhead on a fixed-latency
// endpoint. Prints req/s, ratios, and medians when repeated. No assertions: figures only.
// `--only latency` runs the second part alone (the runner's modes and wrk on the 20 ms endpoint).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { Agent } from 'undici';
import { runLoad, type VuMode } from '../src/load/index.ts';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
}
// autocannon ships no types; this is the slice of its API the benchmark uses.
const autocannon = createRequire(import.meta.url)('autocannon') as (o: {
  url: string;
  connections: number;
  duration: number;
}) => Promise<CannonResult>;

const argValue = (flag: string): string | undefined => {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
};
const SECONDS = Number(argValue('--seconds')) || 10;
const VUS = 50;
const LATENCY_VUS = 100;
const FIXED_MS = 20;
const repeat = Number(argValue('--repeat')) || 1;
const only = argValue('--only');
if (only !== undefined && only !== 'throughput' && only !== 'latency') throw new Error(`unknown --only ${only}`);
const doThroughput = only !== 'latency';
const doLatency = only !== 'throughput';

const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ ok: true });
const s = http.createServer((req, res) => {
  const send = () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); };
  if (req.url === '/delay') setTimeout(send, ${FIXED_MS}); else send();
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

const SCRIPT = `
import http from 'k6/http';
export const options = {
  vus: Number(__ENV.VUS),
  duration: __ENV.DURATION,
  summaryTrendStats: ['avg', 'med', 'p(99)'],
};
export default function () {
  http.get(__ENV.URL);
}
`;

function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve({ child, base: `http://127.0.0.1:${d.toString().trim()}` }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const sink = new Writable({ write: (_c, _e, done) => done() });

async function runner(url: string, vus: number, dir: string, config: { mode: VuMode; threads?: number }) {
  const script = join(dir, 'bench.js');
  writeFileSync(script, SCRIPT);
  // CPU of the whole process (main thread and VU threads), per request: less sensitive than req/s
  // to what else runs on the machine. It includes starting the VUs.
  const cpu = process.cpuUsage();
  const r = await runLoad({
    script,
    env: { URL: url, VUS: String(vus), DURATION: `${SECONDS}s` },
    quiet: true,
    stdout: sink,
    stderr: process.stderr,
    vuMode: config.mode,
    vuThreads: config.threads,
  });
  const used = process.cpuUsage(cpu);
  const m = r.summary.metrics;
  return {
    cpuUsPerReq: (used.user + used.system) / m.http_reqs.values.count,
    rps: m.http_reqs.values.rate,
    p50: m.iteration_duration.values.med,
    p99: m.iteration_duration.values['p(99)'],
    reqP50: m.http_req_duration.values.med,
    reqP99: m.http_req_duration.values['p(99)'],
  };
}

async function cannon(url: string, connections: number) {
  const r = await autocannon({ url, connections, duration: SECONDS });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** wrk's own summary: Requests/sec, and with --latency the 50% and 99% lines. */
function wrk(url: string, connections: number) {
  const out = spawnSync('/usr/bin/wrk', ['-t2', `-c${connections}`, `-d${SECONDS}s`, '--latency', url], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out.stdout);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]), p50: ms('50%'), p99: ms('99%') };
}

/** The HTTP client alone, in one thread, without VUs: the ceiling the runner's design can reach here. */
async function undiciAlone(url: string, concurrency: number) {
  const agent = new Agent({ keepAliveTimeout: 60_000, pipelining: 1 });
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const res = await agent.request({ origin: url, path: '/', method: 'GET' });
        await res.body.dump();
        n++;
      }
    }),
  );
  await agent.close();
  return { rps: n / SECONDS };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

/** The runner's configurations to compare: `--modes isolated,shared:1,shared:2` (mode[:threads]). */
const modes = (argValue('--modes') ?? 'isolated,shared').split(',').map((spec) => {
  const [mode, threads] = spec.split(':');
  if (mode !== 'isolated' && mode !== 'shared' && mode !== 'auto') throw new Error(`unknown mode ${spec}`);
  return { label: spec, mode: mode as VuMode, threads: threads ? Number(threads) : undefined };
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const { child, base } = await startServer();
  const runs: Record<string, number>[] = [];
  // The full bench warms the server with its throughput part; the latency part alone warms it with wrk.
  if (!doThroughput) spawnSync('/usr/bin/wrk', ['-t2', `-c${LATENCY_VUS}`, '-d2s', `${base}/`]);
  try {
    for (let i = 0; i < repeat; i++) {
      const row: Record<string, number> = {};
      if (doThroughput) await throughputRun(i, base, dir, row);
      if (doLatency) await latencyRun(i, base, dir, row);
      runs.push(row);
      console.log(
        `run ${i + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v.toFixed(3))])))}`,
      );
    }
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  printMedians(runs);
}

async function throughputRun(i: number, base: string, dir: string, row: Record<string, number>): Promise<void> {
  process.stderr.write(`run ${i + 1}/${repeat}: throughput at ${VUS} VUs, ${SECONDS}s each…\n`);
  for (const m of modes) {
    const ours = await runner(`${base}/`, VUS, dir, m);
    row[`${m.label}.rps`] = ours.rps;
    row[`${m.label}.cpuUs`] = ours.cpuUsPerReq;
  }
  const ac = await cannon(`${base}/`, VUS);
  const w = wrk(`${base}/`, VUS);
  const alone = await undiciAlone(base, VUS);
  Object.assign(row, { autocannonRps: ac.rps, wrkRps: w.rps, undiciRps: alone.rps });
  for (const m of modes) {
    row[`${m.label}.vsWrk`] = row[`${m.label}.rps`] / w.rps;
    row[`${m.label}.vsAutocannon`] = row[`${m.label}.rps`] / ac.rps;
  }
}

async function latencyRun(i: number, base: string, dir: string, row: Record<string, number>): Promise<void> {
  process.stderr.write(`run ${i + 1}/${repeat}: latency on /delay (${FIXED_MS} ms) at ${LATENCY_VUS} VUs…\n`);
  for (const m of modes) {
    const lat = await runner(`${base}/delay`, LATENCY_VUS, dir, m);
    Object.assign(row, {
      [`${m.label}.p50`]: lat.p50,
      [`${m.label}.p99`]: lat.p99,
      [`${m.label}.reqP50`]: lat.reqP50,
      [`${m.label}.reqP99`]: lat.reqP99,
    });
  }
  const wLat = wrk(`${base}/delay`, LATENCY_VUS);
  Object.assign(row, { wrkP50: wLat.p50, wrkP99: wLat.p99 });
}

function printMedians(runs: Record<string, number>[]): void {
  const m = (k: string) => median(runs.map((r) => r[k]));
  const cpu = cpus();
  console.log('');
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}; ${repeat} run(s), medians shown`,
  );
  if (doThroughput) printThroughput(m);
  if (doLatency) printLatency(m);
}

function printThroughput(m: (k: string) => number): void {
  console.log(
    `throughput, constant ${VUS} VUs/connections for ${SECONDS}s against GET / (trivial handler, child process):`,
  );
  for (const { label } of modes) {
    console.log(
      `  tenantops load ${label.padEnd(10)} ${f1(m(`${label}.rps`)).padStart(9)} req/s  runner/wrk ${f2(m(`${label}.vsWrk`))}  runner/autocannon ${f2(m(`${label}.vsAutocannon`))}  CPU ${f1(m(`${label}.cpuUs`))} µs/req`,
    );
  }
  console.log(`  autocannon                ${f1(m('autocannonRps')).padStart(9)} req/s`);
  console.log(`  wrk                       ${f1(m('wrkRps')).padStart(9)} req/s`);
  console.log(
    `  undici alone              ${f1(m('undiciRps')).padStart(9)} req/s  (one thread, ${VUS} loops, no VUs: the HTTP client's ceiling here)`,
  );
  console.log(`  (aim: runner/wrk >= 0.3, moonshot 0.5)`);
}

function printLatency(m: (k: string) => number): void {
  console.log(`latency on a fixed ${FIXED_MS} ms endpoint at ${LATENCY_VUS} VUs/connections:`);
  for (const { label } of modes) {
    console.log(
      `  ${label.padEnd(10)} iteration_duration p50 ${f2(m(`${label}.p50`))} ms  p99 ${f2(m(`${label}.p99`))} ms;  http_req_duration p50 ${f2(m(`${label}.reqP50`))} ms  p99 ${f2(m(`${label}.reqP99`))} ms;  added vs wrk: p50 ${f2(m(`${label}.p50`) - m('wrkP50'))} ms, p99 ${f2(m(`${label}.p99`) - m('wrkP99'))} ms`,
    );
  }
  console.log(`  wrk        p50 ${f2(m('wrkP50'))} ms  p99 ${f2(m('wrkP99'))} ms`);
  console.log(`  (aim: < 5 ms added at p99, moonshot 1 ms)`);
}

await main();
