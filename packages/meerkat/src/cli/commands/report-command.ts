import type { CliCommand } from '@meerkat/cli-kit';
import { writeReport } from '@meerkat/report';
import type { MeerkatIo } from '../cli-io.js';
import { resolvePath } from '../paths.js';

export const reportCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'report',
    summary:
      'Render one self-contained HTML page (inline SVG charts, no scripts, no network) from run directories: accuracy by round and by bytes per method (mean ± std over seeds), test loss, GradIP trajectories per client coloured by partition kind, Meerkat-vp detection, final metrics.',
    brief: 'Render one self-contained HTML page from run directories',
    positionals: [
      {
        name: 'RUN_DIR',
        description: 'a directory written by meerkat train (metrics.jsonl, summary.json)',
        variadic: true,
        required: true,
      },
    ],
    flags: [
      {
        name: 'out',
        type: 'string',
        valueName: 'FILE',
        description: 'where to write the HTML page',
        default: 'report.html',
      },
      { name: 'title', type: 'string', valueName: 'TEXT', description: 'page title' },
    ],
    details: ['Example: meerkat report runs/vp-s1 runs/vp-s2 runs/meerkat-s1 --out report.html'],
  },
  async run(args, io) {
    const out = resolvePath(io, args.string('out'));
    const dirs = args.positionals.map((d) => resolvePath(io, d));
    const title = args.optionalString('title');
    const content = await writeReport(dirs, out, title === undefined ? {} : { title });
    io.stderr.write(`report: ${dirs.length} run(s), charts: ${content.charts.join(', ')}\n`);
    io.stdout.write(`${out}\n`);
    return 0;
  },
};
