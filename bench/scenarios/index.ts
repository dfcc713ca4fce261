import { pgStream } from './pg-stream.ts';
import type { Scenario } from './scenario.ts';

// Every comparison scenario, by name. A new one is a file in this folder plus a line here.
export const scenarios: readonly Scenario[] = [pgStream];
