// The `heat_template_version` values OpenStack Heat knows, and reading one from a YAML scalar.

/**
 * Every HOT version Heat accepts, as a date and, from newton on, also by release name
 * (heat/engine/hot/template.py, `HOTemplate*` classes; wallaby is the last new one).
 */
export const HOT_VERSIONS: ReadonlyMap<string, string> = new Map([
  ['2013-05-23', '2013-05-23'], ['2014-10-16', '2014-10-16'], ['2015-04-30', '2015-04-30'],
  ['2015-10-15', '2015-10-15'], ['2016-04-08', '2016-04-08'], ['2016-10-14', '2016-10-14'],
  ['2017-02-24', '2017-02-24'], ['2017-09-01', '2017-09-01'], ['2018-03-02', '2018-03-02'],
  ['2018-08-31', '2018-08-31'], ['2021-04-16', '2021-04-16'],
  ['newton', '2016-10-14'], ['ocata', '2017-02-24'], ['pike', '2017-09-01'],
  ['queens', '2018-03-02'], ['rocky', '2018-08-31'], ['wallaby', '2021-04-16'],
]);

/**
 * Returns the version as written (`2016-10-14`, `newton`), or null when the value is not a string
 * or date. A YAML 1.1 document (`%YAML 1.1`) reads an unquoted date as a timestamp, which Heat's
 * own loader turns back into the string, so a midnight-UTC Date counts as its day.
 */
export function hotVersionText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return null;
}
