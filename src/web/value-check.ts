// One launch-form value checked as Heat checks a parameter value given on the command line
// (heat/engine/parameters.py *Param._validate, heat/engine/constraints.py *._is_valid).
// Pure, no Node imports: the page runs it in the browser as the user types.
import type { LaunchConstraint, LaunchField } from './launch-form';
import { matchesWhole, pythonPattern } from './python-regex';
import { pyBool, pyJson, pyLen, pyNumber, pyStr } from './python-values';

/** What a constraint compares: the value as the parameter type's schema holds it. */
type Parsed =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'comma_delimited_list'; value: string[] }
  | { type: 'json'; value: unknown };

/** `raw` as the field's type reads it, or the sentence Heat's refusal amounts to. */
function parse(field: LaunchField, raw: string): Parsed | string {
  switch (field.type) {
    case 'number': {
      const n = pyNumber(raw);
      return n ? { type: 'number', value: n.value } : `"${raw}" is not a number`;
    }
    case 'boolean': {
      const b = pyBool(raw);
      return b === null ? `"${raw}" is not a boolean; use true or false` : { type: 'boolean', value: b };
    }
    // param_utils.delim_string_to_list: a plain split, items keep their spaces
    case 'comma_delimited_list': return { type: 'comma_delimited_list', value: raw.split(',') };
    case 'json': {
      const j = pyJson(raw);
      return j ? { type: 'json', value: j.value } : 'the value is not valid JSON';
    }
    default: return { type: 'string', value: raw };
  }
}

/** Python `==` between a value of the parameter's schema type and an allowed value converted the same way (Schema.to_schema_type). */
function isAllowed(p: Parsed, allowed: readonly unknown[]): boolean | string {
  if (p.type === 'comma_delimited_list') return p.value.every((item) => allowed.some((a) => a === item));
  if (p.type === 'string') return allowed.some((a) => pyStr(a) === p.value);
  if (p.type === 'number' || p.type === 'boolean') {
    const converted: (number | boolean)[] = [];
    for (const a of allowed) {
      const c = typeof a === 'number' || typeof a === 'boolean' ? a : p.type === 'number' ? pyNumber(pyStr(a))?.value : pyBool(pyStr(a));
      // Heat raises on an allowed value its schema type cannot read, refusing every value
      if (c === undefined || c === null) return `the allowed value ${pyStr(a)} is not a ${p.type}, so Heat refuses any value`;
      converted.push(c);
    }
    return converted.some((c) => Number(c) === Number(p.value));
  }
  return allowed.some((a) => a === p.value);
}

/** The problem `p` has with one constraint, or null. */
function breaks(c: LaunchConstraint, p: Parsed): string | null {
  const why = (text: string) => c.description ?? text;
  switch (c.kind) {
    case 'range': case 'length': {
      const n = c.kind === 'range' ? (typeof p.value === 'number' ? p.value : NaN) : pyLen(p.value);
      if (n === null) return why('the value has no length');
      // NaN compares false both ways in Python too, so it passes a range
      if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) {
        const what = c.kind === 'range' ? `${n}` : `the length ${n}`;
        return why(`${what} is out of range (min: ${c.min ?? 'none'}, max: ${c.max ?? 'none'})`);
      }
      return null;
    }
    case 'modulo': {
      if (typeof p.value !== 'number' || c.step === undefined || c.offset === undefined) return null;
      // Python's % takes the sign of the divisor
      const rest = ((p.value % c.step) + c.step) % c.step;
      return rest === c.offset ? null : why(`${p.value} is not a multiple of ${c.step} with an offset of ${c.offset}`);
    }
    case 'allowed_values': {
      const ok = isAllowed(p, c.values ?? []);
      if (typeof ok === 'string') return ok;
      return ok ? null : why(`the value is not one of ${(c.values ?? []).map(pyStr).join(', ')}`);
    }
    case 'allowed_pattern': {
      const compiled = pythonPattern(c.pattern ?? '');
      if (!compiled.ok || typeof p.value !== 'string') return null; // checked by Heat at create time
      return matchesWhole(compiled.regex, p.value) ? null : why(`the value does not match the pattern ${c.pattern ?? ''}`);
    }
    default: return null; // custom constraints ask the cloud (nova.flavor, glance.image…): see `checked`
  }
}

/**
 * The problems Heat would find with `raw` (the text typed into `field`) as that parameter's
 * value, [] when Heat accepts it. A blank value means "not given": fine when the parameter has a
 * default, else the one problem that it is required. Constraints with `checked: false` (custom
 * constraints, patterns JavaScript cannot run as Python does) are left to Heat. Throws nothing.
 */
export function checkValue(field: LaunchField, raw: string): string[] {
  if (raw === '') return field.required ? ['a value is required (the parameter has no default)'] : [];
  const p = parse(field, raw);
  if (typeof p === 'string') return [p];
  const problems: string[] = [];
  for (const c of field.constraints) {
    const why = breaks(c, p);
    if (why !== null) problems.push(why);
  }
  return problems;
}
