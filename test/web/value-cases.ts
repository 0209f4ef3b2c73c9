// The table of (parameter schema, raw value) cases that checkValue and Heat must judge alike.

/** A parameter schema as a HOT template writes it. */
export type Schema = Record<string, unknown>;

const STRINGS = ['a', 'ab', 'abc', 'abcde', '1', 'True', 'é', '😀😀', 'a\n', ' a', 'A-b.c', '\u00a0'];
const NUMBERS = ['0', '1', '5', '10', '11', '1.5', ' 7 ', '1_000', '1__0', '_1', '1_', '1e3', '1E-2', '1e+2', 'inf', '-Infinity', 'nan', 'NaN',
  '0x10', '١٢', '3', '3.0', '2.5', 'abc', '+4', '.5', '5.', '1,000', '--1', '\u00a05', '\u20035', '007', '-1', '-7', '1e', '.', '٣'];
const BOOLEANS = ['true', 'True', 'TRUE', 'yes', 'Y', 'on', '1', '0', 'off', 'n', 'F', ' true ', 'tru', '2', 'none', '\ttrue\n'];
const LISTS = ['a', 'a,b', 'a, b', 'a,,b', ',', 'a, c', 'c', ' c', '1', 'a,b,c,d'];
const JSONS = ['{}', '{"a":1}', '[1,2]', '[1,2,3]', '5', '"ab"', 'null', 'NaN', '[NaN]', '{"a": Infinity}', '{"a": -Infinity}', '{a:1}', '[1,]',
  ' [1] ', "{'a':1}", '[1Infinity]', '"NaN"', 'true', '{"a":1,"a":2}', '[', '01'];
const PATTERN_VALUES = ['abc', 'ab', 'a', 'a\n', 'ABC', 'xx', 'xxx', 'é', '١', 'aa', 'a{', ']a', '$12', 'foo', ' ', 'a-b.c', '\t', 'a\u2028', 'Ab', '-', 'x-y'];
const PATTERNS = ['[a-z]+', 'a|ab', '\\d+', '[A-Za-z][-\\w.]*', 'a$', '^ab', '(?i)abc', 'x{,2}', '\\w+', '[^\\s]+', '.+', '(?P<x>a)(?P=x)',
  'a{', '[]a]+', '\\$\\d+', '[a\\-z]+', '(?s).+', '[\\w-]+', '\\S+', '[x-y]|-', 'a*?', '(a|ab)(c|bcd)?', '[\\d]+', '\\x61+', '[\\u0061-\\u0063]+', '(?:foo|fo)o?',
  '^[\\S]+$', '[^\\D]+', '[\\W]', '(?=a)*a', '(?!b)+a', '(?<=a)', 'a(?<=a)'];

const CASELESS = ['(?i)[a-z]+', '(?i)k', '(?i)s', '(?i)i', '(?i)I', '(?i)é', '(?i)[à-ÿ]+', '(?i)σ+', '(?i)[^i]', '(?i)ǆ'];
const CASELESS_VALUES = ['K', 'ſ', 'İ', 'ı', 'k', 'S', 'É', 'ÿ', 'Ÿ', 'ß', 'ẞ', 'Σ', 'ς', 'ǅ', 'Ǆ', 'i', 'I'];

/** Each schema with the raw values to try on it; '' means "left blank". */
export const VALUE_TABLE: readonly { schema: Schema; raws: readonly string[] }[] = [
  { schema: { type: 'string' }, raws: ['', ...STRINGS] },
  { schema: { type: 'string', default: 'x' }, raws: ['', 'a'] },
  { schema: { type: 'string', constraints: [{ length: { min: 2, max: 4 } }] }, raws: ['', ...STRINGS] },
  { schema: { type: 'string', constraints: [{ allowed_values: ['a', 'b', 1, true, 2.5] }] }, raws: STRINGS.concat(['b', '2.5', 'true', 'c']) },
  { schema: { type: 'string', constraints: [{ custom_constraint: 'nova.flavor' }] }, raws: ['m1.small', ''] },
  { schema: { type: 'string', hidden: true }, raws: ['', 's3cret'] },
  { schema: { type: 'string', hidden: true, default: 'pw' }, raws: ['', 'other'] },
  ...PATTERNS.map((p) => ({ schema: { type: 'string', constraints: [{ allowed_pattern: p }] }, raws: PATTERN_VALUES })),
  // IGNORECASE: Python compares lowercase forms, JavaScript folds case; they differ on the Turkish i
  ...CASELESS.map((p) => ({ schema: { type: 'string', constraints: [{ allowed_pattern: p }] }, raws: CASELESS_VALUES })),
  { schema: { type: 'number' }, raws: ['', ...NUMBERS] },
  { schema: { type: 'number', default: 3 }, raws: ['', '4', 'x'] },
  { schema: { type: 'number', constraints: [{ range: { min: 1, max: 10 } }] }, raws: NUMBERS },
  { schema: { type: 'number', constraints: [{ range: { min: 0.5 } }] }, raws: NUMBERS },
  { schema: { type: 'number', constraints: [{ modulo: { step: 2, offset: 1 } }] }, raws: NUMBERS },
  { schema: { type: 'number', constraints: [{ modulo: { step: -3, offset: -1 } }] }, raws: NUMBERS },
  { schema: { type: 'number', constraints: [{ allowed_values: [1, 2.5, '3'] }] }, raws: NUMBERS },
  { schema: { type: 'number', constraints: [{ allowed_values: [1, 'x'] }] }, raws: ['1', '2'] },
  { schema: { type: 'boolean' }, raws: ['', ...BOOLEANS] },
  { schema: { type: 'boolean', default: false }, raws: ['', 'yes'] },
  { schema: { type: 'boolean', constraints: [{ allowed_values: [true] }] }, raws: BOOLEANS },
  { schema: { type: 'boolean', constraints: [{ allowed_values: ['yes', 'x'] }] }, raws: ['true'] },
  { schema: { type: 'comma_delimited_list' }, raws: ['', ...LISTS] },
  { schema: { type: 'comma_delimited_list', default: 'a,b' }, raws: ['', 'c'] },
  { schema: { type: 'comma_delimited_list', constraints: [{ length: { min: 2, max: 3 } }] }, raws: LISTS },
  { schema: { type: 'comma_delimited_list', constraints: [{ allowed_values: ['a', 'b', ' c', 1] }] }, raws: LISTS },
  { schema: { type: 'json' }, raws: ['', ...JSONS] },
  { schema: { type: 'json', default: { a: 1 } }, raws: ['', '[]'] },
  { schema: { type: 'json', constraints: [{ length: { min: 1, max: 2 } }] }, raws: JSONS },
];
