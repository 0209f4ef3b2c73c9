// Comparing a parameter's constraints as Heat applies them: stricter (breaking) or looser (compatible).
import type { HeatChange } from './heat-summary';
import { isMapping, num, own, same, shown, shownList } from './values';
import { canonicalKey } from './structural';

interface Bounds { min?: number; max?: number }

/** What a parameter's constraints let through, read the way Heat applies them (all must pass). */
interface Accepted {
  bounds: Map<'range' | 'length', Bounds>;
  /** Canonical key → value; undefined when no allowed_values constraint. */
  allowed?: Map<string, unknown>;
  /** allowed_pattern, custom_constraint, modulo and unreadable entries: canonical key → how to show it. */
  others: Map<string, string>;
}

/** What a parameter's constraints let through, read the way Heat applies them (all must pass). */
interface Accepted {
  bounds: Map<'range' | 'length', Bounds>;
  /** Canonical key → value; undefined when no allowed_values constraint. */
  allowed?: Map<string, unknown>;
  /** allowed_pattern, custom_constraint, modulo and unreadable entries: canonical key → how to show it. */
  others: Map<string, string>;
}

export function compareConstraints(rawA: unknown, rawB: unknown): { bump: HeatChange['bump']; what: string } | null {
  if (same(rawA ?? null, rawB ?? null)) return null;
  const a = readAccepted(rawA), b = readAccepted(rawB);
  const stricter: string[] = [], looser: string[] = [];
  for (const kind of ['range', 'length'] as const) {
    const from = a.bounds.get(kind) ?? {}, to = b.bounds.get(kind) ?? {};
    compareBound(`${kind} min`, from.min, to.min, (x, y) => y > x, stricter, looser);
    compareBound(`${kind} max`, from.max, to.max, (x, y) => y < x, stricter, looser);
  }
  if (a.allowed || b.allowed) {
    if (!a.allowed) stricter.push(`allowed_values ${shownList([...(b.allowed?.values() ?? [])])} added`);
    else if (!b.allowed) looser.push('allowed_values removed');
    else {
      const removed = [...a.allowed].filter(([k]) => !b.allowed?.has(k)).map(([, v]) => v);
      const added = [...b.allowed].filter(([k]) => !a.allowed?.has(k)).map(([, v]) => v);
      if (removed.length > 0) stricter.push(`allowed ${removed.length === 1 ? 'value' : 'values'} ${shownList(removed)} removed`);
      if (added.length > 0) looser.push(`allowed ${added.length === 1 ? 'value' : 'values'} ${shownList(added)} added`);
    }
  }
  for (const [k, text] of b.others) if (!a.others.has(k)) stricter.push(`${text} added`);
  for (const [k, text] of a.others) if (!b.others.has(k)) looser.push(`${text} removed`);

  if (stricter.length > 0) {
    const also = looser.length > 0 ? ` and looser (${looser.join(', ')})` : '';
    return { bump: 'major', what: `constraints stricter (${stricter.join(', ')})${also}` };
  }
  if (looser.length > 0) return { bump: 'minor', what: `constraints looser (${looser.join(', ')})` };
  return { bump: 'patch', what: 'constraints rewritten (descriptions, order or layout); the same values pass' };
}

/** `tighter(x, y)`: whether bound y lets fewer values through than x. An absent bound lets all through. */
function compareBound(what: string, from: number | undefined, to: number | undefined, tighter: (x: number, y: number) => boolean, stricter: string[], looser: string[]): void {
  if (from === to) return;
  if (from === undefined) stricter.push(`${what} ${to} added`);
  else if (to === undefined) looser.push(`${what} ${from} removed`);
  else (tighter(from, to) ? stricter : looser).push(`${what} changed from ${from} to ${to}`);
}

function readAccepted(raw: unknown): Accepted {
  const accepted: Accepted = { bounds: new Map(), others: new Map() };
  if (raw === undefined || raw === null) return accepted;
  if (!Array.isArray(raw)) { accepted.others.set(canonicalKey(raw), `constraints ${shown(raw)}`); return accepted; }
  for (const entry of raw) {
    if (!isMapping(entry)) { accepted.others.set(canonicalKey(entry), `constraint ${shown(entry)}`); continue; }
    for (const [kind, spec] of Object.entries(entry)) {
      if (kind === 'description') continue;
      if ((kind === 'range' || kind === 'length') && readBounds(spec)) mergeBounds(accepted.bounds, kind, readBounds(spec) ?? {});
      else if (kind === 'allowed_values' && Array.isArray(spec)) accepted.allowed = intersect(accepted.allowed, spec);
      else accepted.others.set(`${kind}:${canonicalKey(spec)}`, `${kind} ${shown(spec)}`);
    }
  }
  return accepted;
}

function readBounds(spec: unknown): Bounds | null {
  if (!isMapping(spec)) return null;
  const min = num(own(spec, 'min')), max = num(own(spec, 'max'));
  if (min === undefined && max === undefined) return null;
  if (Object.keys(spec).some((k) => k !== 'min' && k !== 'max')) return null;
  return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
}

function mergeBounds(all: Map<'range' | 'length', Bounds>, kind: 'range' | 'length', next: Bounds): void {
  const prev = all.get(kind) ?? {};
  const min = prev.min === undefined ? next.min : next.min === undefined ? prev.min : Math.max(prev.min, next.min);
  const max = prev.max === undefined ? next.max : next.max === undefined ? prev.max : Math.min(prev.max, next.max);
  all.set(kind, { ...(min !== undefined && { min }), ...(max !== undefined && { max }) });
}

function intersect(prev: Map<string, unknown> | undefined, values: unknown[]): Map<string, unknown> {
  const next = new Map(values.map((v) => [canonicalKey(v), v]));
  return prev ? new Map([...prev].filter(([k]) => next.has(k))) : next;
}
