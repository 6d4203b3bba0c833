export { freePort } from '../../../src/lab/free-port.ts';
