import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-usage-error.js';

describe('CliUsageError', () => {
  it('is an Error with a stable code, the command, details and cause', () => {
    const cause = new Error('root');
    const e = new CliUsageError('CLI_CONFLICTING_FLAGS', 'give one', {
      command: 'bench',
      details: ['a'],
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.message, e.command, e.details, e.cause]).toEqual([
      'CliUsageError',
      'CLI_CONFLICTING_FLAGS',
      'give one',
      'bench',
      ['a'],
      cause,
    ]);
    const bare = new CliUsageError('CLI_UNKNOWN_COMMAND', 'x');
    expect([bare.command, bare.details, bare.cause]).toEqual([null, [], undefined]);
  });

  it('takes codes a program adds beside the built-in ones', () => {
    const e = new CliUsageError<'CLI_MODEL_NOT_FOUND'>('CLI_MODEL_NOT_FOUND', 'no such model');
    expect(e.code).toBe('CLI_MODEL_NOT_FOUND');
    expect(e).toBeInstanceOf(CliUsageError);
  });
});
