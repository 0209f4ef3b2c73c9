// Installs Heater's git hooks into a bare repository and keeps them current.
import { promises as fs } from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

// The script ships beside this module (copied into dist/ by the build; read from src/ under ts-jest).
const PRE_RECEIVE = readFileSync(path.join(__dirname, 'pre-receive.sh'), 'utf8');

/** Writes hooks/pre-receive (mode 0755) when it is missing or differs; atomic by rename. */
export async function installHooks(gitDir: string): Promise<void> {
  const hooks = path.join(gitDir, 'hooks');
  const target = path.join(hooks, 'pre-receive');
  const current = await fs.readFile(target, 'utf8').catch(() => null);
  if (current === PRE_RECEIVE) return;
  await fs.mkdir(hooks, { recursive: true });
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, PRE_RECEIVE, { mode: 0o755 });
  await fs.rename(tmp, target);
}
