// Reading a push's quarantined objects (pre-receive): the commits its new tags point at.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { CatFilePool } from './catfile-pool';
import { git } from './exec';

const OID = /^[0-9a-f]{40}$/;

/** Type and body of a loose object in `objectDir`, or null when it is not there loose. */
async function readLoose(objectDir: string, oid: string): Promise<{ type: string; body: Buffer } | null> {
  let raw: Buffer;
  try { raw = await readFile(path.join(objectDir, oid.slice(0, 2), oid.slice(2))); } catch { return null; }
  const data = inflateSync(raw);
  const nul = data.indexOf(0);
  const [type = ''] = data.toString('latin1', 0, nul).split(' ');
  return { type, body: data.subarray(nul + 1) };
}

/**
 * Maps each oid to the commit it peels to ('' when it is not a commit or a tag of one). A small push
 * arrives as loose objects in the quarantine (`GIT_OBJECT_DIRECTORY`), read here directly; objects
 * already in the repo come from its cat-file reader; anything else (a push big enough to stay a
 * pack) is asked of a git started with the quarantine environment, the only kind that sees it.
 */
export async function peelToCommits(gitDir: string, oids: readonly string[], quarantineEnv: Readonly<Record<string, string>>,
  pool: CatFilePool): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const rest: string[] = [];
  const objectDir = quarantineEnv.GIT_OBJECT_DIRECTORY;
  for (const oid of oids) {
    if (!OID.test(oid)) { out.set(oid, ''); continue; }
    const peeled = await peelKnown(gitDir, oid, objectDir, pool, 0);
    if (peeled === undefined) rest.push(oid); else out.set(oid, peeled);
  }
  if (rest.length > 0) {
    const lines = (await git(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { gitDir, env: quarantineEnv, input: rest.map((o) => `${o}^{commit}\n`).join('') }))
      .toString('latin1').split('\n');
    rest.forEach((o, i) => {
      const [oid = '', type = ''] = (lines[i] ?? '').split(' ');
      out.set(o, type === 'commit' ? oid : '');
    });
  }
  return out;
}

/** The commit `oid` peels to, '' for none, undefined when neither the loose quarantine nor the repo knows it. */
async function peelKnown(gitDir: string, oid: string, objectDir: string | undefined, pool: CatFilePool, depth: number): Promise<string | undefined> {
  if (depth > 4) return undefined;
  const loose = objectDir ? await readLoose(objectDir, oid) : null;
  if (loose) {
    if (loose.type === 'commit') return oid;
    if (loose.type !== 'tag') return '';
    const target = /^object ([0-9a-f]{40})\n/.exec(loose.body.toString('latin1'))?.[1];
    return target ? peelKnown(gitDir, target, objectDir, pool, depth + 1) : '';
  }
  const existing = await pool.info(gitDir, oid);
  if (!existing) return undefined;
  if (existing.type === 'commit') return oid;
  if (existing.type !== 'tag') return '';
  const peeled = await pool.info(gitDir, `${oid}^{commit}`);
  return peeled?.type === 'commit' ? peeled.oid : '';
}
