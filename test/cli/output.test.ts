// The client's printer: colour only on a terminal without NO_COLOR, tables aligned as seen, progress only on a terminal's stderr.
import { Readable } from 'node:stream';
import { Output, type Io, type Sink } from '../../src/cli/client/output';
import { exitOfStatus, EXIT } from '../../src/cli/client/exit-codes';

class Collector implements Sink {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean { this.text += s; return true; }
}

function io(opts: { stdoutTty: boolean; stderrTty: boolean; env?: NodeJS.ProcessEnv }): Io & { stdout: Collector; stderr: Collector } {
  return { stdout: new Collector(opts.stdoutTty), stderr: new Collector(opts.stderrTty), stdin: Readable.from([]), env: opts.env ?? {} };
}

test.each([
  ['a terminal', false, true, { stdoutTty: true, stderrTty: true }],
  ['a terminal with NO_COLOR=1', false, false, { stdoutTty: true, stderrTty: true, env: { NO_COLOR: '1' } }],
  ['a terminal with NO_COLOR empty (unset, says no-color.org)', false, true, { stdoutTty: true, stderrTty: true, env: { NO_COLOR: '' } }],
  ['a terminal with TERM=dumb', false, false, { stdoutTty: true, stderrTty: true, env: { TERM: 'dumb' } }],
  ['a terminal', true, false, { stdoutTty: true, stderrTty: true }],
  ['a pipe', false, false, { stdoutTty: false, stderrTty: true }],
])('on %s (--json: %s), colour is %s', (_what, json, colour, streams) => {
  const s = io(streams);
  const out = new Output(s, json);
  expect(out.color).toBe(colour);
  out.line(out.style('red', 'x'));
  expect(s.stdout.text === 'x\n').toBe(!colour);
});

test('a table pads every column but the last to its widest cell as seen, coloured cells too', () => {
  const s = io({ stdoutTty: true, stderrTty: false });
  const out = new Output(s, false);
  out.table(['A', 'BB', 'C'], [[out.style('red', 'long-cell'), 'x', 'last'], ['s', 'yy', '']]);
  const seen = s.stdout.text.replace(/\x1b\[[0-9;]*m/g, '');
  expect(seen).toBe('A          BB  C\nlong-cell  x   last\ns          yy\n');
});

test('progress is drawn only when stderr is a terminal, and cleared before a note', () => {
  const pipe = io({ stdoutTty: false, stderrTty: false });
  new Output(pipe, false).progress('1/2 files');
  expect(pipe.stderr.text).toBe('');
  const tty = io({ stdoutTty: false, stderrTty: true });
  const out = new Output(tty, false);
  out.progress('1/2 files');
  out.note('done');
  expect(tty.stderr.text).toBe('\r\x1b[2K1/2 files\r\x1b[2Kdone\n');
});

test.each([
  [400, EXIT.usage], [401, EXIT.refused], [403, EXIT.refused], [404, EXIT.notFound], [409, EXIT.refused], [413, EXIT.refused],
  [415, EXIT.failed], [422, EXIT.refused], [429, EXIT.failed], [500, EXIT.failed], [503, EXIT.failed],
])('HTTP %i ends in exit %i', (status, code) => {
  expect(exitOfStatus(status)).toBe(code);
});
