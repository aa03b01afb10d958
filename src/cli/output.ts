/**
 * How the CLI prints: aligned tables (cli-table3, borderless), local times, human counts, sizes
 * and rates, colour only on a terminal and never with NO_COLOR; `--json` prints the AWS field
 * names as DescribeJob has them.
 */
import Table from 'cli-table3';
import pc from 'picocolors';

export interface Output {
  readonly json: boolean;
  readonly tty: boolean;
  readonly color: ReturnType<typeof pc.createColors>;
  line(text?: string): void;
  printJson(value: unknown): void;
  table(head: readonly string[], rows: readonly (readonly string[])[]): void;
}

export function createOutput(options: { json: boolean; color?: boolean }, stream: NodeJS.WriteStream = process.stdout): Output {
  const tty = stream.isTTY === true;
  const colorOn = options.color !== false && tty && !options.json && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  const color = pc.createColors(colorOn);
  return {
    json: options.json,
    tty,
    color,
    line(text = '') {
      stream.write(`${text}\n`);
    },
    printJson(value) {
      stream.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    table(head, rows) {
      const t = new Table({
        head: head.map((h) => color.bold(h)),
        chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
        style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      });
      for (const row of rows) t.push([...row]);
      // cli-table3 pads the last column too: no line ends in blanks.
      stream.write(`${t.toString().split('\n').map((l) => l.trimEnd()).join('\n')}\n`);
    },
  };
}

/** A local time, `2026-12-02 10:04:41`. */
export function localTime(date: Date | undefined): string {
  if (date === undefined) return '';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** 950/s, 12.3k/s, 1.2M/s. */
export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '-';
  if (perSecond < 1000) return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
  if (perSecond < 1e6) return `${(perSecond / 1000).toFixed(1)}k/s`;
  return `${(perSecond / 1e6).toFixed(1)}M/s`;
}

/** 45s, 3m 05s, 2h 10m. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function percent(done: number, total: number): string {
  if (total <= 0) return '0%';
  return `${Math.floor((done / total) * 100)}%`;
}
