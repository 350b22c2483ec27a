import type { CliCommand } from '../command.js';
import { reportCommand } from './report-command.js';

/** Every `meerkat` command, in the order `meerkat --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [reportCommand];
