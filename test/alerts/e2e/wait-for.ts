export { waitFor } from '../../../src/lab/wait-for.ts';
