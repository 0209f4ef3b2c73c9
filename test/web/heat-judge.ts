// What the web tests are judged on and by: the corpus of HOT templates, and Heat's own code
// (test/web/heat_judge.py through Debian's python3-heat) run on a batch of cases.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadHeatYaml } from '../../src/heat/yaml';

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

/** Every distinct HOT text with resources in the Heat corpus, the changelog pairs and test/registry/hot-corpus, parsed. */
export function corpusTemplates(): { name: string; text: string; value: unknown }[] {
  const texts = new Map<string, string>();
  const corpus = fs.readFileSync(path.join(__dirname, '../heat/corpus/sets.jsonl'), 'utf8');
  for (const line of corpus.split('\n').filter(Boolean)) {
    const set = JSON.parse(line) as { id: string; files: Record<string, unknown> };
    for (const [file, body] of Object.entries(set.files)) if (typeof body === 'string') texts.set(body, `${set.id}:${file}`);
  }
  for (const dir of ['../catalog/changelog-pairs', '../registry/hot-corpus']) {
    const root = path.join(__dirname, dir);
    for (const file of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (/\.ya?ml$/.test(file)) texts.set(fs.readFileSync(path.join(root, file), 'utf8'), `${dir}/${file}`);
    }
  }
  return [...texts].flatMap(([text, name]) => {
    const r = loadHeatYaml(text);
    const v = r.ok ? (r.value as { heat_template_version?: unknown; resources?: unknown } | null) : null;
    return v && v.heat_template_version !== undefined && typeof v.resources === 'object' && v.resources !== null ? [{ name, text, value: v }] : [];
  });
}
