import { joinCommand } from '../../nats/commands/join.js';
import { serveCommand } from '../../nats/commands/serve.js';
import { statusCommand } from '../../nats/commands/status.js';
import type { CliCommand } from '../command.js';
import { calibrateCommand } from './calibrate-command.js';
import { demoCommand } from './demo-command.js';
import { evalCommand } from './eval-command.js';
import { experimentCommand } from './experiment-command.js';
import { reportCommand } from './report-command.js';
import { trainCommand } from './train-command.js';

/** Every `meerkat` command, in the order `meerkat --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  calibrateCommand,
  trainCommand,
  evalCommand,
  reportCommand,
  experimentCommand,
  serveCommand,
  joinCommand,
  statusCommand,
];
