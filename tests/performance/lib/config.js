/**
 * Configuration from the environment, read in the init context (k6 needs thresholds, and so the tenant set, before
 * setup() runs). Only k6 APIs and plain ES2022 here: the scripts must run unchanged on k6 and on `tenantops load`.
 */

/**
 * @typedef {object} LoadConfig
 * @property {string} baseUrl Where the platform listens, without a trailing slash.
 * @property {string[]} tenantLabels Tag values of the tenants: t1…tN. Thresholds are keyed by these; setup() maps them to real tenant ids.
 * @property {string} adminToken Admin token used by setup() to provision tenants (and by teardown() to remove them).
 * @property {string[]} tenantKeys Existing tenants' API keys, one per label, when given instead of an admin token.
 * @property {string} reportDir Where handleSummary() writes its JSON file (k6 resolves it against the working directory).
 * @property {boolean} cleanup CLEANUP=1: teardown() removes what setup() created.
 */

/**
 * @param {string} name
 * @returns {string | undefined}
 */
function env(name) {
  const v = __ENV[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * A positive integer from the environment, or the default; anything else stops the script in its init context.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envInt(name, fallback, max = 1000) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new Error(`${name} must be an integer from 1 to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * One of the allowed values, or the default.
 * @template {string} T
 * @param {string} name
 * @param {readonly T[]} allowed
 * @param {T} fallback
 * @returns {T}
 */
export function envChoice(name, allowed, fallback) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  if (!(/** @type {readonly string[]} */ (allowed).includes(raw))) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return /** @type {T} */ (raw);
}

/**
 * A comma-separated list (empty items dropped).
 * @param {string} name
 * @returns {string[]}
 */
export function envList(name) {
  return (env(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * BASE_URL, defaulting to the local platform. A load test is a small denial of service: anything but loopback
 * needs ALLOW_REMOTE=1, so that a stray BASE_URL cannot point the breakpoint ramp at a shared environment.
 * @returns {string}
 */
export function baseUrlFromEnv() {
  const raw = (env('BASE_URL') ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const m = /^https?:\/\/(\[[^\]]+\]|[^/:]+)(:\d+)?(\/.*)?$/i.exec(raw);
  if (!m) throw new Error(`BASE_URL must be an http(s) URL, got "${raw}"`);
  if (!LOOPBACK.test(/** @type {string} */ (m[1])) && env('ALLOW_REMOTE') !== '1') {
    throw new Error(`BASE_URL ${raw} is not a loopback address; set ALLOW_REMOTE=1 to load-test another host`);
  }
  return raw;
}

/**
 * The tenant set. With TENANT_KEYS (comma-separated API keys of existing tenants) the count defaults to the number
 * of keys; otherwise TENANTS (default `defaultTenants`) tenants are provisioned through the admin API.
 * @returns {LoadConfig}
 */
export function loadConfig(defaultTenants = 5, defaultReportDir = '.') {
  const tenantKeys = envList('TENANT_KEYS');
  const count = envInt('TENANTS', tenantKeys.length || defaultTenants);
  if (tenantKeys.length && tenantKeys.length !== count) {
    throw new Error(`TENANT_KEYS has ${tenantKeys.length} keys but TENANTS=${count}; give one key per tenant`);
  }
  const adminToken = env('ADMIN_TOKEN') ?? '';
  if (!tenantKeys.length && !adminToken) {
    throw new Error(
      'set ADMIN_TOKEN (the platform’s TENANTOPS_ADMIN_TOKEN) so setup() can provision tenants, or TENANT_KEYS',
    );
  }
  /** @type {string[]} */
  const tenantLabels = [];
  for (let i = 1; i <= count; i++) tenantLabels.push(`t${i}`);
  return {
    baseUrl: baseUrlFromEnv(),
    tenantLabels,
    adminToken,
    tenantKeys,
    reportDir: (env('REPORT_DIR') ?? defaultReportDir).replace(/\/+$/, ''),
    cleanup: env('CLEANUP') === '1',
  };
}
