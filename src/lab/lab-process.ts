import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';

export interface LabProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last output of the process (stdout and stderr, bounded), for error messages. */
  output(): string;
  running(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the process group, as `kill -9` does to a crashed node. */
  kill9(): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  outputLimit?: number;
}

// Every process the lab started and has not seen exit: what an interrupt handler must end.
const live = new Set<LabProcess>();

/**
 * Every lab process carries its owner's pid in this variable, so that processes orphaned by a lab that could not
 * clean up (kill -9, OOM) can be found and ended by the next run (reapOrphanedLabProcesses).
 */
export const LAB_OWNER_ENV = 'TENANTOPS_LAB_OWNER';

/**
 * Starts a command in its own process group (detached), so that Ctrl-C on the terminal reaches only the lab, which
 * then stops its processes in order (a database that gets SIGINT together with the app nodes would make them log
 * connection errors first), and so that a stop also ends whatever the command forked.
 */
export function spawnLabProcess(name: string, command: string, args: string[], o: SpawnOptions = {}): LabProcess {
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: { ...(o.env ?? process.env), [LAB_OWNER_ENV]: String(process.pid) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const limit = o.outputLimit ?? 20_000;
  let out = '';
  const add = (b: Buffer): void => {
    out = (out + b.toString()).slice(-limit);
  };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = once(child, 'exit').then(() => undefined);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  const p: LabProcess = {
    name,
    pid,
    child,
    output: () => out,
    running,
    async stop(graceMs = 10_000) {
      if (running()) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // A forked grandchild may outlive the leader: the group goes too.
      signalGroup('SIGKILL');
    },
    async kill9() {
      signalGroup('SIGKILL');
      await exited;
    },
  };
  live.add(p);
  void exited.then(() => live.delete(p));
  return p;
}

/** Stops every process the lab started that is still running, in reverse start order. */
export async function stopAllLabProcesses(graceMs = 10_000): Promise<void> {
  for (const p of [...live].reverse()) await p.stop(graceMs);
}

/** Synchronous last resort for process exit: SIGKILL to every group still alive. */
export function killAllLabProcessesNow(): void {
  for (const p of live) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * SIGKILLs the process groups of lab processes whose owning lab is gone (found through /proc/<pid>/environ); returns
 * their command lines. Only processes that carry LAB_OWNER_ENV are touched.
 */
export function reapOrphanedLabProcesses(): string[] {
  const reaped: string[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return reaped; // no procfs: nothing to find
  }
  for (const pid of pids) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      const owner = env.find((v) => v.startsWith(`${LAB_OWNER_ENV}=`))?.slice(LAB_OWNER_ENV.length + 1);
      if (!owner || alive(Number(owner))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      process.kill(Number(pid), 'SIGKILL');
      reaped.push(`${pid} ${cmd.slice(0, 100)}`);
    } catch {
      // exited meanwhile, or not readable
    }
  }
  return reaped;
}
