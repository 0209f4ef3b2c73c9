// Heat is the judge: every template set of the test corpus gets the same verdict from Heater's
// validator as from Heat 19's own code (test/heat/oracle/heat_oracle.py, run here, offline).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateTree } from '../../src/registry/validate/validate-tree';
import { formatProblem, isError, isRegistryRule } from '../../src/registry/validate/problem';
import { loadCorpus } from '../registry/hot-corpus/load';

interface TemplateSet {
  readonly id: string;
  readonly entry: string;
  readonly files: Record<string, string | { base64: string }>;
}
interface HeatVerdict { readonly id: string; readonly verdict: 'valid' | 'invalid' | 'oracle-error'; readonly stage: string; readonly message: string }

const HERE = __dirname;
const readSets = (file: string): TemplateSet[] => readFileSync(path.join(HERE, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TemplateSet);

/** The hand-made validation corpus as template sets: each case whose entrypoint is a Heat template. */
function hotCorpusSets(): TemplateSet[] {
  return loadCorpus().flatMap((c) => {
    const manifest = c.files['heater.yaml'];
    const entry = /^entrypoint:\s*(\S+)/m.exec(manifest ?? '')?.[1] ?? 'template.yaml';
    const text = c.files[entry];
    return text !== undefined && /^heat_template_version\s*:/m.test(text) ? [{ id: `hot-corpus:${c.name}`, entry, files: c.files }] : [];
  });
}

// 130 real templates, 20 broken ones and 64 pair sides from OpenStack repositories (test/heat/corpus/README.md),
// the cases written for Heater (cases.jsonl), and the validator's own corpus
const sets: TemplateSet[] = [...readSets('corpus/sets.jsonl'), ...readSets('cases.jsonl'), ...hotCorpusSets()];
const verdicts = new Map<string, HeatVerdict>();

beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heater-oracle-'));
  try {
    const input = path.join(dir, 'sets.jsonl');
    writeFileSync(input, sets.map((s) => JSON.stringify(s)).join('\n'));
    const run = spawnSync('/usr/bin/python3', [path.join(HERE, 'oracle/heat_oracle.py'), input, '--jobs', '2'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    if (run.status !== 0) throw new Error(`Heat's oracle failed (is python3-heat installed? apt-get install python3-heat): ${run.error?.message ?? run.stderr.slice(-2000)}`);
    for (const line of run.stdout.split('\n').filter(Boolean)) {
      const v = JSON.parse(line) as HeatVerdict;
      verdicts.set(v.id, v);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

/**
 * Heater's verdict on a set, as a push or publish of exactly those files with that entrypoint
 * would get it: `registry` when only the registry's own rules refuse it (a file outside the
 * version, the manifest), which Heat does not judge.
 */
function heaterVerdict(s: TemplateSet): { verdict: 'valid' | 'invalid' | 'registry'; errors: string[] } {
  const texts = new Map<string, string>();
  for (const [p, body] of Object.entries(s.files)) if (typeof body === 'string') texts.set(p, body);
  const { problems } = validateTree({ paths: new Set(Object.keys(s.files)), texts }, { entrypoint: s.entry });
  const errors = problems.filter(isError);
  const heat = errors.filter((p) => !isRegistryRule(p.rule));
  return { verdict: heat.length > 0 ? 'invalid' : errors.length > 0 ? 'registry' : 'valid', errors: errors.map(formatProblem) };
}

test('the corpus is big enough to mean something, and Heat judged every set', () => {
  expect(sets.length).toBeGreaterThanOrEqual(350);
  expect(sets.filter((s) => s.id.startsWith('templates:')).length).toBe(130);
  const judged = sets.map((s) => verdicts.get(s.id)?.verdict);
  expect(judged.filter((v) => v !== undefined).length).toBe(sets.length);
  // both verdicts are well represented, so agreement is not agreement with a constant
  expect(judged.filter((v) => v === 'invalid').length).toBeGreaterThanOrEqual(60);
});

test.each(sets.map((s) => [s.id, s] as const))('%s: Heater agrees with Heat', (_id, s) => {
  const heat = verdicts.get(s.id);
  const heater = heaterVerdict(s);
  // on a disagreement the diff shows the verdicts, with both sides' reasons beside them
  const shown = (verdict: string | undefined) => ({ verdict, heat: `${heat?.stage ?? ''} ${heat?.message ?? ''}`.trim().slice(0, 300), heater: heater.errors.slice(0, 3) });
  if (heater.verdict === 'registry') {
    // refused for the registry's own rules: Heat may accept it, or cannot judge it offline (a URL it would fetch)
    expect(heater.errors.length).toBeGreaterThan(0);
    return;
  }
  if (heat?.verdict === 'oracle-error') {
    // Heat could not judge it offline (a URL it would fetch): the registry refuses such a version by its own rules
    expect(heater.errors.some((e) => /\[registry-/.test(e))).toBe(true);
    return;
  }
  expect(shown(heater.verdict)).toEqual(shown(heat?.verdict));
});
