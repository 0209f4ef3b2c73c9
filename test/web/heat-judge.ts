// Runs test/web/heat_judge.py (Heat's own code, through Debian's python3-heat) on a batch of cases.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** One verdict of Heat's; `values` (repr of each parameter's value) and `edges` by mode. */
export interface HeatVerdict {
  ok: boolean;
  error: string;
  values?: Record<string, string>;
  edges?: [string, string][];
  resources?: string[];
  stack_edges?: [string, string][];
  types?: Record<string, string>;
}

/** Heat's verdict on each case, in order (see heat_judge.py for the modes). */
export function judgeWithHeat(cases: readonly object[]): HeatVerdict[] {
  const input = cases.map((c) => JSON.stringify(c)).join('\n');
  const run = spawnSync('/usr/bin/python3', [path.join(__dirname, 'heat_judge.py')], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`heat_judge.py failed (is python3-heat installed?): ${run.error?.message ?? run.stderr.slice(-2000)}`);
  const out = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as HeatVerdict);
  if (out.length !== cases.length) throw new Error(`heat_judge.py answered ${out.length} of ${cases.length} cases: ${run.stderr.slice(-2000)}`);
  return out;
}
