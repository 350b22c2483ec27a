import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-usage-error.js';
import type { CommandSpec } from './flag-spec.js';
import { parseCommandLine } from './parse-command-line.js';

const spec: CommandSpec = {
  name: 'calibrate',
  summary: '',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'model directory' },
    { name: 'batches', type: 'integer', description: 'count' },
    { name: 'tag', type: 'string', multiple: true, description: 'tags' },
    { name: 'json', type: 'boolean', description: 'JSON' },
  ],
};

describe('ParsedArgs', () => {
  it('string() and number() of an absent flag are CLI_MISSING_FLAG usage errors naming it', () => {
    const args = parseCommandLine(spec, []);
    for (const [read, message] of [
      [() => args.string('model'), 'calibrate needs --model MODEL (model directory)'],
      [() => args.number('batches'), 'calibrate needs --batches N (count)'],
    ] as const) {
      try {
        read();
        throw new Error('did not throw');
      } catch (e) {
        expect(e).toBeInstanceOf(CliUsageError);
        expect((e as CliUsageError).code).toBe('CLI_MISSING_FLAG');
        expect((e as CliUsageError).message).toBe(message);
      }
    }
  });

  it('asking for an undeclared flag or with the wrong accessor is a programming error, not a usage error', () => {
    const args = parseCommandLine(spec, ['--model', 'm', '--tag', 't']);
    const wrong = [
      () => args.string('nope'),
      () => args.number('model'),
      () => args.boolean('model'),
      () => args.string('json'),
      () => args.strings('model'),
      () => args.optionalString('tag'),
      () => args.numbers('tag'),
      () => args.has('nope'),
    ];
    for (const read of wrong) {
      expect(read).toThrowError(Error);
      try {
        read();
      } catch (e) {
        expect(e).not.toBeInstanceOf(CliUsageError);
      }
    }
    expect(args.command).toBe('calibrate');
    expect(args.spec).toBe(spec);
  });
});
