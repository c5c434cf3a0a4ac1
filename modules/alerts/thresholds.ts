import type { Rule } from './contract.js';

const breachTests: Record<Rule['op'], (value: number, threshold: number) => boolean> = {
  gt: (value, threshold) => value > threshold,
  gte: (value, threshold) => value >= threshold,
  lt: (value, threshold) => value < threshold,
  lte: (value, threshold) => value <= threshold,
};

/** True when `value` is out of the rule's bounds. */
export const breaches = (rule: Pick<Rule, 'op' | 'threshold'>, value: number): boolean => breachTests[rule.op](value, rule.threshold);
