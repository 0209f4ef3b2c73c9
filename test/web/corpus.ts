// The HOT templates the web tests run on: the Heat corpus, the changelog pairs and the validator's own corpus.
import fs from 'node:fs';
import path from 'node:path';
import { loadHeatYaml } from '../../src/heat/yaml';

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
