import { writeReport } from '../../report/build-report.js';
import type { CliCommand } from '../command.js';
import { resolvePath } from '../paths.js';

export const reportCommand: CliCommand = {
  spec: {
    name: 'report',
    summary:
      'Render one self-contained HTML page (inline SVG charts, no scripts, no network) from run directories: accuracy by round and by bytes per method (mean ± std over seeds), test loss, GradIP trajectories per client coloured by partition kind, Meerkat-vp detection, final metrics.',
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
        value: 'FILE',
        description: 'where to write the HTML page',
        defaultText: 'report.html',
      },
      { name: 'title', type: 'string', value: 'TEXT', description: 'page title' },
    ],
    notes: ['Example: meerkat report runs/vp-s1 runs/vp-s2 runs/meerkat-s1 --out report.html'],
  },
  async run(args, io) {
    const out = resolvePath(io, args.string('out') ?? 'report.html');
    const dirs = args.positionals.map((d) => resolvePath(io, d));
    const title = args.string('title');
    const content = await writeReport(dirs, out, title === undefined ? {} : { title });
    io.stderr.write(`report: ${dirs.length} run(s), charts: ${content.charts.join(', ')}\n`);
    io.stdout.write(`${out}\n`);
    return 0;
  },
};
