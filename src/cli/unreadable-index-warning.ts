import type { TenantopsError } from '../errors/index.ts';
import type { CliIo } from './command.ts';

/**
 * Prints a run index that was left out because it cannot be parsed, with what that means for the command (`then`):
 * a warning, not an error, so one damaged file does not stop a restore or the nightly run.
 */
export function unreadableIndexWarning(io: CliIo, then: string): (error: TenantopsError) => void {
  return (e) => io.stderr.write(`tenantops: warning: ${e.message} [${e.code}]; left out: ${then}\n`);
}
