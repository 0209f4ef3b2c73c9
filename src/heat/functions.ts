// The argument shapes Heat's intrinsic functions check when a template is parsed and validated
// (heat/engine/hot/functions.py constructors and validate()), before any value is resolved.
import { isMap, isScalar, isSeq } from 'yaml';

/** Heat's function class for a name in one HOT version (from resource-types.json's `hot` table). */
export type FunctionClass = string;

const isString = (n: unknown) => isScalar(n) && typeof n.value === 'string';
const MAKE_URL_KEYS = new Set(['scheme', 'username', 'password', 'host', 'port', 'path', 'query', 'fragment']);
const FACADE = new Set(['metadata', 'deletion_policy', 'update_policy']);

/**
 * Heat's sentence refusing the arguments `arg` (aliases resolved by `deref`) of function `fn`
 * (implemented by `cls` in this template's version), or null when Heat takes them at parse and
 * validate time. Checks that need resolved values (at create) are not made here.
 */
export function functionArgumentError(fn: string, cls: FunctionClass, arg: unknown, deref: (n: unknown) => unknown): string | null {
  const a = deref(arg);
  const items = isSeq(a) ? a.items.map(deref) : null;
  const field = (key: string) => (isMap(a) ? a.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined);
  switch (fn) {
    case 'str_replace': case 'str_replace_strict': case 'str_replace_vstrict': {
      if (!isMap(a)) return `Arguments to "${fn}" must be a map`;
      if (!field('params') || !field('template')) return `"${fn}" syntax should be ${fn}: template: ... params: ...`;
      const params = deref(field('params')?.value);
      if (!isMap(params)) return `"${fn}" parameters must be a mapping`;
      return null;
    }
    case 'list_join':
      if (cls === 'Join') return items && items.length === 2 ? null : 'Incorrect arguments to "list_join" should be: "list_join" : [ " ", [ "str1", "str2"]]';
      return items && items.length >= 2 ? null : 'Incorrect arguments to "list_join" should be: "list_join" : [ " ", [ "str1", "str2"] ...]';
    case 'repeat': {
      if (!isMap(a)) return 'Arguments to "repeat" must be a map';
      if (!field('for_each') || !field('template')) return '"repeat" syntax should be repeat: template: ... for_each: ...';
      const forEach = deref(field('for_each')?.value);
      if (!isMap(forEach)) return 'The "for_each" argument to "repeat" must contain a map';
      const perm = field('permutations');
      if (perm && cls === 'RepeatWithNestedLoop' && !(isScalar(perm.value) && typeof perm.value.value === 'boolean')) return '"permutations" should be boolean type for repeat function.';
      return null;
    }
    case 'str_split':
      return isScalar(a) || isMap(a) ? 'Incorrect arguments to "str_split" should be: "str_split" : [ ",", "apples,pears", <index>]' : null;
    case 'yaql': {
      if (!isMap(a)) return 'Arguments to "yaql" must be a map.';
      const keys = a.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
      if (!keys.includes('expression') || keys.some((k) => k !== 'expression' && k !== 'data')) return '"yaql" syntax should be yaql: expression: ... data: ...';
      return isString(deref(field('expression')?.value)) ? null : 'The "expression" argument to yaql must contain a string.';
    }
    case 'filter':
      if (!items) return 'Argument to "filter" must be a list';
      return items.length === 2 ? null : `"filter" expected 2 arguments of the form [values, sequence] but got ${items.length} arguments instead`;
    case 'contains':
      if (!items || items.length === 0) return 'Incorrect arguments to "contains" should be: "contains" : [ "value1", [ "value1", "value2"]]';
      return items.length === 2 ? null : 'Arguments to "contains" must be of the form: [value1, [value1, value2]]';
    case 'if': {
      const ok = items !== null && (items.length === 3 || (cls === 'IfNullable' && items.length === 2));
      return ok ? null : 'Arguments to "if" must be of the form: [condition_name, value_if_true, value_if_false]';
    }
    case 'get_attr': {
      if (isScalar(a) && typeof a.value === 'string' && a.value.length === 1) return null; // Heat reads a one-letter string as a list of it
      if (!items) return 'Argument to "get_attr" must be a list';
      if (cls === 'GetAttAllAttributes') return items.length >= 1 ? null : 'Arguments to "get_attr" can be of the next forms: [resource_name] or [resource_name, attribute, (path), ...]';
      return items.length >= 2 ? null : 'Arguments to "get_attr" must be of the form [resource_name, attribute, (path), ...]';
    }
    case 'make_url': {
      if (!isMap(a)) return 'The arguments to "make_url" must be a map';
      for (const p of a.items) {
        const key = isScalar(p.key) ? String(p.key.value) : '';
        if (!MAKE_URL_KEYS.has(key)) return `Invalid arguments to "make_url": ${key}`;
      }
      return null;
    }
    case 'resource_facade':
      return isScalar(a) && FACADE.has(String(a.value)) ? null : 'Incorrect arguments to "resource_facade" should be one of: metadata, deletion_policy, update_policy';
    case 'equals':
      return items && items.length === 2 ? null : 'Arguments to "equals" must be of the form: [value_1, value_2]';
    case 'not':
      return a === null || a === undefined || (isScalar(a) && a.value === null) ? 'Argument to "not" must be a condition' : null;
    case 'and': case 'or':
      if (!items) return `Arguments to "${fn}" must be a list of conditions`;
      return items.length >= 2 ? null : `The minimum number of condition arguments to "${fn}" is 2.`;
    default:
      return null;
  }
}
