export { captureOutput, stopChild } from '../../../src/lab/child-process.ts';
