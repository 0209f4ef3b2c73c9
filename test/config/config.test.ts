// Configuration: defaults, flags over environment, and one clear sentence for every bad key.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, usage, KEYS } from '../../src/config/config';
import { ConfigError } from '../../src/errors/config-error';

test('defaults: 127.0.0.1:8080 over ./repos', () => {
  const c = loadConfig({}, [], '/srv/heater');
  expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, reposDir: '/srv/heater/repos', publicUrl: '', adminToken: '' });
  expect(Object.isFrozen(c)).toBe(true);
});

test('environment, then flags on top', () => {
  const c = loadConfig({ HEATER_PORT: '9000', HEATER_REPOS: '/data', HEATER_PUBLIC_URL: 'https://heater.example.com/' }, ['--port', '0', '--host=0.0.0.0'], '/x');
  expect(c).toMatchObject({ port: 0, host: '0.0.0.0', reposDir: '/data', publicUrl: 'https://heater.example.com' });
});

test.each([
  [{ HEATER_PORT: '70000' }, [], /HEATER_PORT \(--port\) must be between 0 and 65535/],
  [{ HEATER_PORT: 'eighty' }, [], /HEATER_PORT \(--port\) must be a whole number/],
  [{ HEATER_PUBLIC_URL: 'ftp://x' }, [], /HEATER_PUBLIC_URL .* must be an http or https URL/],
  [{ HEATER_PUBLIC_URL: 'not a url' }, [], /must be an absolute http\(s\) URL/],
  [{ HEATER_ADMIN_TOKEN: 'short' }, [], /HEATER_ADMIN_TOKEN .* 16 to 256 printable characters/],
  [{ HEATER_HOST: 'a b' }, [], /HEATER_HOST .* host name or IP address/],
  [{ HEATER_LOG_LEVEL: 'loud' }, [], /HEATER_LOG_LEVEL .* error, warn, info or debug/],
  [{}, ['--bogus', '1'], /unknown option "--bogus"/],
  [{}, ['--port'], /--port needs a value/],
  [{ HEATER_TRUSTED_PROXIES: '10.0.0.0/8, proxy.local' }, [], /HEATER_TRUSTED_PROXIES \(--trusted-proxies\) must list IP addresses or CIDR ranges .* got "proxy.local"/],
  [{ HEATER_TRUSTED_PROXIES: '10.0.0.0/33' }, [], /got "10\.0\.0\.0\/33"/],
  [{ HEATER_TRUSTED_PROXIES: '10.0.0.1/8/8' }, [], /got "10\.0\.0\.1\/8\/8"/],
])('%j %j is refused: %s', (env, argv, message) => {
  expect(() => loadConfig(env, argv)).toThrow(ConfigError);
  expect(() => loadConfig(env, argv)).toThrow(message);
});

test('trusted proxies: addresses and CIDR ranges, IPv4 and IPv6, separated by commas or spaces; none by default', () => {
  expect(loadConfig({}, []).trustedProxies).toEqual([]);
  expect(loadConfig({ HEATER_TRUSTED_PROXIES: '10.0.0.0/8,  192.168.1.10 fd00::/8,::1' }, []).trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1']);
});

test('every bad key is listed at once', () => {
  try {
    loadConfig({ HEATER_PORT: '-1', HEATER_LOG_LEVEL: 'x' }, []);
    throw new Error('accepted');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toHaveLength(2);
  }
});

test('--help lists every key with its variable and default', () => {
  const text = usage();
  for (const k of KEYS) expect(text).toContain(k.env);
});

test('the README\'s configuration table has one row per key, with its flag, variable and default', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const rows = readme.split('\n').filter((l) => /^\| `--/.test(l));
  expect(rows).toHaveLength(KEYS.length);
  for (const k of KEYS) {
    const row = rows.find((r) => r.startsWith(`| \`${k.flag}\` | \`${k.env}\` |`));
    expect(row).toBeDefined();
    if (k.fallback !== '') expect(row).toContain(`| \`${k.fallback}\` |`);
  }
});

test.each([['0'], ['4097'], ['1.5'], ['lots']])('HEATER_MAX_FILE_MB=%s is refused', (raw) => {
  expect(() => loadConfig({ HEATER_MAX_FILE_MB: raw }, [])).toThrow(/HEATER_MAX_FILE_MB \(--max-file-mb\)/);
});

test('HEATER_MAX_FILE_MB is 16 MiB by default and read in MiB', () => {
  expect(loadConfig({}, []).maxFileBytes).toBe(16 * 1024 * 1024);
  expect(loadConfig({ HEATER_MAX_FILE_MB: '50' }, []).maxFileBytes).toBe(50 * 1024 * 1024);
});

test.each([['-1'], ['1048577'], ['0.5'], ['big']])('HEATER_PACK_CACHE_MB=%s is refused', (raw) => {
  expect(() => loadConfig({ HEATER_PACK_CACHE_MB: raw }, [])).toThrow(/HEATER_PACK_CACHE_MB \(--pack-cache-mb\)/);
});

test('the pack cache is 1 GiB by default, off at 0, and its entries live a day unused', () => {
  expect(loadConfig({}, []).packCacheBytes).toBe(1024 * 1024 * 1024);
  expect(loadConfig({ HEATER_PACK_CACHE_MB: '0' }, []).packCacheBytes).toBe(0);
  expect(loadConfig({}, []).packCacheMaxAgeMs).toBe(86_400_000);
  expect(() => loadConfig({ HEATER_PACK_CACHE_MAX_AGE: '0' }, [])).toThrow(/HEATER_PACK_CACHE_MAX_AGE/);
});
