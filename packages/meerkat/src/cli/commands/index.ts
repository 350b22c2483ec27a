import type { CliCommand } from '@meerkat/cli-kit';
import type { MeerkatIo } from '../cli-io.js';
import { calibrateCommand } from './calibrate-command.js';
import { demoCommand } from './demo-command.js';
import { evalCommand } from './eval-command.js';
import { experimentCommand } from './experiment-command.js';
import { natsInitCommand } from './nats/init.js';
import { joinCommand } from './nats/join.js';
import { serveCommand } from './nats/serve.js';
import { statusCommand } from './nats/status.js';
import { reportCommand } from './report-command.js';
import { trainCommand } from './train-command.js';

/** Every `meerkat` command, in the order `meerkat --help` lists them. */
export const COMMANDS: readonly CliCommand<MeerkatIo>[] = [
  demoCommand,
  calibrateCommand,
  trainCommand,
  evalCommand,
  reportCommand,
  experimentCommand,
  natsInitCommand,
  serveCommand,
  joinCommand,
  statusCommand,
];
