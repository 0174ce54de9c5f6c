// Figures the reliability suites measure (requests fuzzed, faults survived, writes checked, soak
// numbers). Each suite records its own; `npm run test:resilience` collects them into the README's
// "Reliability" section. Outside that run (RELIABILITY_FIGURES unset) recording does nothing.
import { appendFileSync } from 'node:fs';

export interface Figure {
  /** Which suite, e.g. "fuzz: gateway HTTP". */
  suite: string;
  /** What was measured, e.g. { requests: 5000, '5xx': 0 }. */
  values: Record<string, string | number>;
}

/** Appends one figure (a JSON line) to the file named by RELIABILITY_FIGURES, if set. */
export function recordFigure(suite: string, values: Figure['values']): void {
  const file = process.env.RELIABILITY_FIGURES;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ suite, values, at: new Date().toISOString() })}\n`);
}
