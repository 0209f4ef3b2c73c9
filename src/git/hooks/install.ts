// Installs Heater's git hooks into a bare repository and keeps them current.
import { promises as fs } from 'node:fs';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

// The script ships beside this module (copied into dist/ by the build; read from src/ under ts-jest).
const PRE_RECEIVE = readFileSync(path.join(__dirname, 'pre-receive.sh'), 'utf8');

/** Whether a repository's hooks/pre-receive is Heater's current script (and executable), missing, or something else. */
export type HookState = 'current' | 'missing' | 'stale';

/** The state of hooks/pre-receive in `gitDir`; never throws (an unreadable hook is stale). */
export async function hookState(gitDir: string): Promise<HookState> {
  const target = path.join(gitDir, 'hooks', 'pre-receive');
  const st = statSync(target, { throwIfNoEntry: false });
  if (!st) return 'missing';
  // every push asks: a file found current is not read again while its inode, time, size and mode stay
  const stamp = `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.mode}`;
  if (verified.get(target) === stamp) return 'current';
  const current = await fs.readFile(target, 'utf8').catch(() => null);
  // git runs a hook only when it is executable: one that is not lets every push through unchecked
  const state = current === PRE_RECEIVE && (st.mode & 0o100) !== 0 ? 'current' : 'stale'; // owner's bit: a umask may clear the others'
  // a stamp younger than a coarse clock's tick could be the same after the next write: not kept
  if (state === 'current' && Date.now() - Math.max(st.mtimeMs, st.ctimeMs) > 20) {
    if (verified.size >= 10_000) verified.clear();
    verified.set(target, stamp);
  } else {
    verified.delete(target);
  }
  return state;
}

/** Hook files found current, with the stat stamp they had then. */
const verified = new Map<string, string>();

/** Writes hooks/pre-receive (mode 0755) when it is missing or differs; atomic by rename. */
export async function installHooks(gitDir: string): Promise<void> {
  if (await hookState(gitDir) === 'current') return;
  const hooks = path.join(gitDir, 'hooks');
  const target = path.join(hooks, 'pre-receive');
  await fs.mkdir(hooks, { recursive: true });
  await writeScript(target, PRE_RECEIVE);
}

/** Writes `text` to `target` as an executable script (mode 0755), atomically by rename. */
export async function writeScript(target: string, text: string): Promise<void> {
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o755 });
  await fs.rename(tmp, target);
}
