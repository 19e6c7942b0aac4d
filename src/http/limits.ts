import type { ValidationRule } from 'graphql';
import type { Config } from '../config.js';
import type { Principal } from './auth.js';

/** SCAFFOLD (filled by the limits work): depth, cost and alias limits as validation rules. */
export function validationRules(_config: Config): ValidationRule[] {
  return [];
}

/** SCAFFOLD (filled by the limits work): per-key rate limit; throws when a key is over its rate. */
export function createRateLimiter(_config: Config): { take(principal: Principal): void } {
  return { take: () => undefined };
}
