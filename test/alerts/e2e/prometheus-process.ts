export { startPrometheus, type ActiveAlert, type PrometheusProcess } from '../../../src/lab/prometheus-process.ts';
