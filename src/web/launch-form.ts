// A template's interface as Horizon's launch form draws it, and what filling it in yields: an
// environment file and the `openstack stack create` line that uses it.
import { Document, isScalar, visit } from 'yaml';
import { extractInterface, type ParameterConstraint, type TemplateParameter } from '../registry/interface';
import { pythonPattern } from './python-regex';
import { pyBool, pyJson, pyNumber, pyStrip } from './python-values';
export { checkValue } from './value-check';

/** One constraint of a parameter, as the form shows it and checks it. */
export interface LaunchConstraint {
  kind: 'allowed_values' | 'range' | 'length' | 'allowed_pattern' | 'custom_constraint' | 'modulo';
  description?: string;
  values?: readonly unknown[];
  min?: number;
  max?: number;
  step?: number;
  offset?: number;
  pattern?: string;
  name?: string;
  /**
   * False when the browser cannot check it and only Heat will, at stack create: custom
   * constraints (`nova.flavor`… ask the cloud) and patterns JavaScript cannot run as Python's
   * `re` does (`reason` says why). checkValue reports no problem for those.
   */
  checked: boolean;
  reason?: string;
}

/** One parameter as a form field. */
export interface LaunchField {
  name: string;
  /** The parameter's label, else its name (Heat's Parameter.label(), which Horizon shows). */
  label: string;
  description: string;
  type: 'string' | 'number' | 'comma_delimited_list' | 'json' | 'boolean';
  /** The template's default; absent for hidden parameters (it may be a secret) and when there is none. */
  default?: unknown;
  /** Drawn as a password input. */
  hidden: boolean;
  immutable: boolean;
  /** No default (Heat refuses a stack without a value), as Horizon's `required`. */
  required: boolean;
  constraints: LaunchConstraint[];
  /** The text the input starts with: the default as Heat would print it, '' when none or hidden. */
  initial: string;
}

/** A parameter group; the last, implicit one (parameters no group names) has no label. */
export interface LaunchGroup { label: string | null; description: string | null; fields: LaunchField[] }

/** The whole form: every parameter exactly once. */
export interface LaunchForm { groups: LaunchGroup[] }

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'comma_delimited_list', 'json', 'boolean']);

function constraintOf(c: ParameterConstraint): LaunchConstraint {
  const base = c.description === undefined ? {} : { description: c.description };
  switch (c.kind) {
    case 'length': case 'range': return { kind: c.kind, ...base, ...(c.min !== undefined && { min: c.min }), ...(c.max !== undefined && { max: c.max }), checked: true };
    case 'modulo': return { kind: c.kind, ...base, step: c.step, offset: c.offset, checked: true };
    case 'allowed_values': return { kind: c.kind, ...base, values: c.values, checked: true };
    case 'allowed_pattern': {
      const p = pythonPattern(c.pattern);
      return { kind: c.kind, ...base, pattern: c.pattern, checked: p.ok, ...(!p.ok && { reason: p.reason }) };
    }
    case 'custom_constraint': return { kind: c.kind, ...base, name: c.name, checked: false, reason: `${c.name} is checked against the cloud when the stack is created` };
  }
}

/** The default as an input's text: what Heat's parameter prints (str(), a list joined by commas, JSON). */
function initialText(type: LaunchField['type'], v: unknown): string {
  if (v === undefined || v === null) return '';
  if (type === 'comma_delimited_list' && Array.isArray(v)) return v.map(String).join(',');
  if (type === 'boolean') { const b = typeof v === 'boolean' ? v : pyBool(String(v)); return b === null ? String(v) : String(b); }
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Whether the template gives a non-null default (read here because the interface hides hidden ones). */
function hasDefault(template: unknown, p: TemplateParameter): boolean {
  if (!p.hidden) return p.default !== undefined;
  const params = (template as { parameters?: Record<string, { default?: unknown } | null> }).parameters;
  const def = params && Object.hasOwn(params, p.name) ? params[p.name] : undefined;
  return typeof def === 'object' && def !== null && def.default !== undefined && def.default !== null;
}

function fieldOf(template: unknown, p: TemplateParameter): LaunchField {
  const type = (TYPES.has(p.type) ? p.type : 'string') as LaunchField['type'];
  return {
    name: p.name, label: p.label ?? p.name, description: p.description ?? '', type,
    ...(p.default !== undefined && { default: p.default }),
    hidden: p.hidden, immutable: p.immutable, required: !hasDefault(template, p),
    constraints: p.constraints.map(constraintOf), initial: initialText(type, p.default),
  };
}

/**
 * The launch form of a parsed HOT template (loadHeatYaml's value): its parameter_groups first,
 * in order, then one unlabelled group of the parameters no group names, in declaration order.
 * (Horizon's stacks/forms.py `_build_parameter_fields` drops those when groups exist, and sorts by
 * name when none do; keeping them means every parameter can be filled in.) Labels, help texts,
 * `required` (no default) and password inputs for hidden parameters are Horizon's.
 * `{ groups: [] }` for what is not a HOT template. Throws nothing.
 */
export function launchForm(template: unknown): LaunchForm {
  const iface = extractInterface(template);
  if (!iface) return { groups: [] };
  const byName = new Map(iface.parameters.map((p) => [p.name, p]));
  return {
    groups: iface.parameterGroups.map((g) => ({
      label: g.label ?? null,
      description: g.description ?? null,
      fields: g.parameters.flatMap((n) => { const p = byName.get(n); return p ? [fieldOf(template, p)] : []; }),
    })),
  };
}

const NUMBER_TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** True when writing JSON.parse's value as YAML gives PyYAML the very numbers json.loads reads. */
function isLosslessJson(raw: string): boolean {
  for (const [tok] of raw.matchAll(NUMBER_TOKENS)) {
    if (tok.startsWith('"')) continue;
    const n = Number(tok);
    const ok = /^-?\d+$/.test(tok) ? Number.isSafeInteger(n) && !tok.startsWith('-0') : String(n) === tok && tok.includes('.') && !Number.isInteger(n);
    if (!ok) return false;
  }
  return true;
}

/**
 * The environment-file value for `raw`: a number, boolean, mapping or list where YAML gives Heat
 * exactly that value, else the text itself, which Heat's parameter reads the same way as typed.
 */
function typedValue(field: LaunchField, raw: string): unknown {
  switch (field.type) {
    case 'number': {
      const n = pyNumber(raw);
      const exact = n !== null && String(n.value) === pyStrip(raw) && (n.isInt ? Number.isSafeInteger(n.value) : raw.includes('.') && !raw.includes('e'));
      return exact ? n.value : raw;
    }
    case 'boolean': return pyBool(raw) ?? raw;
    case 'json': {
      const j = pyJson(raw);
      return j && typeof j.value === 'object' && j.value !== null && !j.hasNonFinite && isLosslessJson(raw) ? j.value : raw;
    }
    default: return raw;
  }
}

/**
 * The environment file (`parameters:` YAML, as Heat's environment_format.parse reads it) for the
 * raw form values: only fields given a value other than their initial text, each typed as Heat
 * reads it. Every string is double-quoted, so PyYAML never reads `yes` or `0755` as a boolean or number.
 */
export function environmentFile(form: LaunchForm, values: Readonly<Record<string, string>>): string {
  const parameters: Record<string, unknown> = {};
  for (const field of form.groups.flatMap((g) => g.fields)) {
    const raw = Object.hasOwn(values, field.name) ? values[field.name] : undefined;
    if (raw === undefined || raw === '' || raw === field.initial) continue;
    parameters[field.name] = typedValue(field, raw);
  }
  const doc = new Document({ parameters });
  visit(doc, { Scalar(_key, node) { if (typeof node.value === 'string') node.type = 'QUOTE_DOUBLE'; } });
  visit(doc, { Pair(_key, pair) { if (isScalar(pair.key) && pair.key.value === 'parameters') { pair.key.type = 'PLAIN'; return visit.BREAK; } return undefined; } });
  return doc.toString({ lineWidth: 0 });
}

/** POSIX shell single-quoting: safe for any text. */
function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The exact `openstack stack create` command: template URL, environment file and stack name, each shell-quoted. */
export function stackCreateCommand(o: { stackName: string; templateUrl: string; environmentFile: string }): string {
  return ['openstack', 'stack', 'create', '-t', shellQuote(o.templateUrl), '-e', shellQuote(o.environmentFile), shellQuote(o.stackName)].join(' ');
}
