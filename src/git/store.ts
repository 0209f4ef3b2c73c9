// The data directory: template name rules, repo paths, and creating, listing and deleting bare repos.
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { simpleGit } from 'simple-git';
import { InvalidInputError } from '../errors/invalid-input-error';
import { ConflictError } from '../errors/conflict-error';
import { NotFoundError } from '../errors/not-found-error';
import { installHooks } from './hooks/install';

const NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;
const NAME_RULE = 'lower-case letters, digits, ".", "_" and "-", 1 to 64 characters, starting and ending with a letter or digit, without ".." and not ending in ".git"';

/** A validated template id. */
export interface TemplateId {
  readonly namespace: string;
  readonly name: string;
  /** "namespace/name" */
  readonly id: string;
}

/** True when `part` is a valid namespace or template name. */
export function isValidName(part: string): boolean {
  return NAME.test(part) && !part.includes('..') && !part.endsWith('.git');
}

/** Returns the TemplateId for two raw parts; throws InvalidInputError naming the rule. */
export function parseTemplateId(namespace: string, name: string): TemplateId {
  for (const [field, value] of [['namespace', namespace], ['name', name]] as const) {
    if (!isValidName(value)) {
      const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
      throw new InvalidInputError(field, `"${shown.replace(/[\x00-\x1f\x7f]/g, '?')}" is not a valid template ${field}: use ${NAME_RULE}.`);
    }
  }
  return { namespace, name, id: `${namespace}/${name}` };
}

export interface CreateOptions {
  readonly description?: string;
}

/** Owns repos/: every path Heater touches on disk is built here from a validated TemplateId. */
export class RepoStore {
  /** Server state that is not a template (admin token hash, temp dirs); never a valid namespace. */
  readonly stateDir: string;
  constructor(readonly root: string) {
    this.stateDir = path.join(root, '.heater');
  }

  /** Creates the data directory and its state folder; removes leftovers of interrupted creates. */
  async init(): Promise<void> {
    await fs.mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    await fs.rm(path.join(this.stateDir, 'tmp'), { recursive: true, force: true });
    await fs.mkdir(path.join(this.stateDir, 'tmp'), { recursive: true });
  }

  /** Absolute path of the bare repository (which may not exist). */
  gitDir(t: TemplateId): string {
    return path.join(this.root, t.namespace, `${t.name}.git`);
  }

  /** True when the template's repository exists. */
  async exists(t: TemplateId): Promise<boolean> {
    // one stat, asked several times a request (a push: four): at once, not through libuv's thread pool
    return existsSync(path.join(this.gitDir(t), 'HEAD'));
  }

  /** Returns the repo's git dir; throws NotFoundError when the template does not exist. */
  async require(t: TemplateId): Promise<string> {
    if (!(await this.exists(t))) throw new NotFoundError('template-not-found', `There is no template ${t.id}. Create it with POST /api/v1/templates or by pushing to it.`);
    return this.gitDir(t);
  }

  /**
   * Creates an empty bare repository, built in a temporary folder and renamed into place so that
   * a half-made repo is never visible. Throws ConflictError when the template already exists.
   */
  async create(t: TemplateId, opts: CreateOptions = {}): Promise<string> {
    const tmp = path.join(this.stateDir, 'tmp', `create-${randomBytes(8).toString('hex')}.git`);
    const created = new Date().toISOString(); // before git init, so `updated` (the refs' mtime) is never earlier
    try {
      // an empty --template: no sample hooks, no info/exclude; simple-git guards --template, so say it is meant
      await simpleGit({ unsafe: { allowUnsafeTemplateDir: true } }).init(true, [tmp, '--initial-branch=main', '--template=', '--quiet']);
      await fs.appendFile(path.join(tmp, 'config'), REPO_CONFIG(created));
      if (opts.description) await fs.writeFile(path.join(tmp, 'description'), `${opts.description}\n`);
      await installHooks(tmp);
      const final = this.gitDir(t);
      for (let attempt = 0; ; attempt++) {
        await fs.mkdir(path.dirname(final), { recursive: true });
        try {
          await fs.rename(tmp, final);
          return final;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' && attempt < 3) continue; // the namespace folder was removed under us
          if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ConflictError('template-exists', `Template ${t.id} already exists.`);
          throw e;
        }
      }
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Deletes a template: renamed out of repos/ first (atomic: readers see it or not), then removed.
   * Throws NotFoundError when it does not exist.
   */
  async remove(t: TemplateId): Promise<void> {
    const dir = await this.require(t);
    const trash = path.join(this.stateDir, 'tmp', `delete-${randomBytes(8).toString('hex')}`);
    try { await fs.rename(dir, trash); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('template-not-found', `There is no template ${t.id}.`);
      throw e;
    }
    await fs.rmdir(path.dirname(dir)).catch(() => { /* namespace still has templates */ });
    await fs.rm(trash, { recursive: true, force: true });
  }

  /** Every template on disk, sorted by id; folders that are not valid names or not repos are skipped. */
  async list(): Promise<TemplateId[]> {
    const out: TemplateId[] = [];
    const namespaces = (await fs.readdir(this.root, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && isValidName(d.name)).map((d) => d.name).sort();
    for (const ns of namespaces) {
      const entries = await fs.readdir(path.join(this.root, ns), { withFileTypes: true }).catch(() => []);
      for (const e of entries.map((d) => d.name).sort()) {
        if (!e.endsWith('.git')) continue;
        const name = e.slice(0, -4);
        if (isValidName(name)) out.push({ namespace: ns, name, id: `${ns}/${name}` });
      }
    }
    return out;
  }

  // description and config are a few hundred bytes, read on every template read and reindex: read at
  // once, not through libuv's thread pool, whose queue cost a loaded server a millisecond each

  /** The description file of a repo (gitweb's convention), or '' when there is none. */
  async description(gitDir: string): Promise<string> {
    try { return readFileSync(path.join(gitDir, 'description'), 'utf8').trim(); } catch { return ''; }
  }

  /** The creation time recorded in the repo's config at create, or the folder's time for imported repos. */
  async created(gitDir: string): Promise<string> {
    let cfg = '';
    try { cfg = readFileSync(path.join(gitDir, 'config'), 'utf8'); } catch { /* none: the folder's time */ }
    const m = /^\s*created\s*=\s*(\S+)\s*$/m.exec(cfg.slice(cfg.indexOf('[heater]')));
    if (cfg.includes('[heater]') && m?.[1]) return m[1];
    return (await fs.stat(gitDir)).birthtime.toISOString();
  }
}

// Settings every template repo gets; see docs/operations.md for why each is there.
const REPO_CONFIG = (created: string) => `[core]
\tlogAllRefUpdates = always
[receive]
\tfsckObjects = true
\tadvertisePushOptions = false
[transfer]
\thideRefs = refs/heater
[uploadpack]
\tallowFilter = true
\tallowReachableSHA1InWant = true
[heater]
\tcreated = ${created}
`;
