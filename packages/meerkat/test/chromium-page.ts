import { pathToFileURL } from 'node:url';
import { launchChromium } from '@meerkat/browser-client/testing';

/** The little of the DOM the checks use (the package's tsconfig has no DOM lib). */
interface DomElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly classList: ArrayLike<string>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}

/** What the page showed and logged. */
export interface PageCheck {
  /** Per `figure[data-chart]`: its id, the <svg>'s rendered size and its non-empty data marks. */
  readonly charts: {
    readonly id: string;
    readonly width: number;
    readonly height: number;
    readonly marks: Readonly<Record<string, number>>;
  }[];
  /** Per `table[data-table]`: its id and body rows (cell texts). */
  readonly tables: Readonly<Record<string, string[][]>>;
  /** Console errors and uncaught page errors. */
  readonly errors: readonly string[];
  /** Requests to anything but the file itself (a self-contained page makes none). */
  readonly requests: readonly string[];
}

/**
 * Opens an HTML file in headless Chromium (fresh profile, no network services) and reads back
 * what it rendered; optionally saves a full-page screenshot.
 */
export async function inspectPage(file: string, screenshot?: string): Promise<PageCheck> {
  const browser = await launchChromium();
  const errors: string[] = [];
  const requests: string[] = [];
  const url = pathToFileURL(file).href;
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('figure[data-chart]', (figures) =>
      (figures as unknown as DomElement[]).map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        const marks: Record<string, number> = {};
        // Vega's SVG renderer puts each mark in <g class="mark-<type> role-mark">; count drawn items.
        for (const g of Array.from(f.querySelectorAll('g.role-mark'))) {
          const type = Array.from(g.classList).find((c) => c.startsWith('mark-')) ?? 'mark-?';
          const drawn = Array.from(g.querySelectorAll('path, line, rect, circle')).filter((el) => {
            const d = el.getAttribute('d');
            return el.tagName !== 'path' || (d !== null && d !== '' && d !== 'M0,0Z');
          }).length;
          marks[type] = (marks[type] ?? 0) + drawn;
        }
        return {
          id: f.getAttribute('data-chart') ?? '',
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks,
        };
      }),
    );
    const tables = await page.$$eval('table[data-table]', (list) =>
      Object.fromEntries(
        (list as unknown as DomElement[]).map((t) => [
          t.getAttribute('data-table') ?? '',
          Array.from(t.querySelectorAll('tbody tr')).map((tr) =>
            Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''),
          ),
        ]),
      ),
    );
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    return { charts, tables, errors, requests };
  } finally {
    await browser.close();
  }
}
