import type { MetricType, ValueKind } from './metric-types.ts';

/** k6's built-in metrics with their k6 types, so thresholds and summaries read the same. */
export const BUILTIN_METRICS: readonly (readonly [string, MetricType, ValueKind])[] = [
  ['vus', 'gauge', 'default'],
  ['vus_max', 'gauge', 'default'],
  ['iterations', 'counter', 'default'],
  ['iteration_duration', 'trend', 'time'],
  ['dropped_iterations', 'counter', 'default'],
  ['data_received', 'counter', 'data'],
  ['data_sent', 'counter', 'data'],
  ['checks', 'rate', 'default'],
  ['group_duration', 'trend', 'time'],
  ['http_reqs', 'counter', 'default'],
  ['http_req_duration', 'trend', 'time'],
  ['http_req_blocked', 'trend', 'time'],
  ['http_req_connecting', 'trend', 'time'],
  ['http_req_tls_handshaking', 'trend', 'time'],
  ['http_req_sending', 'trend', 'time'],
  ['http_req_waiting', 'trend', 'time'],
  ['http_req_receiving', 'trend', 'time'],
  ['http_req_failed', 'rate', 'default'],
  // k6/ws and k6/websockets: https://grafana.com/docs/k6/latest/using-k6/metrics/reference/#websockets
  ['ws_connecting', 'trend', 'time'],
  ['ws_session_duration', 'trend', 'time'],
  ['ws_ping', 'trend', 'time'],
  ['ws_msgs_sent', 'counter', 'default'],
  ['ws_msgs_received', 'counter', 'default'],
  ['ws_sessions', 'counter', 'default'],
];
