export { ruleNodes } from '../../src/lab/rule-nodes.ts';
