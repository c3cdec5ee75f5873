/**
 * Records per module across backups as an inline SVG line chart (no script, no font from
 * anywhere), one line per module, with the numbers in a table beside it for readers without
 * the picture (and for screen readers). A drop stands out as a falling line and a marked point.
 */
import { text } from './html';

export interface Series {
  module: string;
  /** Records per backup, oldest first; undefined where a backup has no count for it. */
  values: Array<number | undefined>;
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = 36;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

export function recordsChart(labels: string[], series: Series[], dropPercent: number): string {
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)));
  const x = (i: number) => PAD + (labels.length <= 1 ? 0 : (i * (WIDTH - 2 * PAD)) / (labels.length - 1));
  const y = (v: number) => HEIGHT - PAD - (v / max) * (HEIGHT - 2 * PAD);
  const lines = series.slice(0, COLOURS.length).map((s, k) => {
    const points = s.values.flatMap((v, i) => (v === undefined ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`]));
    const drops = s.values.flatMap((v, i) => {
      const before = s.values[i - 1];
      return v !== undefined && before !== undefined && before > 0 && ((before - v) / before) * 100 >= dropPercent
        ? [
            `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="5" class="drop"><title>${text(s.module)}: ${before} → ${v}</title></circle>`,
          ]
        : [];
    });
    return `<polyline fill="none" stroke="${COLOURS[k]}" stroke-width="2" points="${points.join(' ')}"><title>${text(s.module)}</title></polyline>${drops.join('')}`;
  });
  const legend = series
    .slice(0, COLOURS.length)
    .map((s, k) => `<text x="${PAD + k * 90}" y="14" fill="${COLOURS[k]}" class="legend">${text(s.module.slice(0, 14))}</text>`)
    .join('');
  const axis = `<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" class="axis"/><text x="4" y="${y(max) + 4}" class="axis-label">${max}</text><text x="4" y="${HEIGHT - PAD}" class="axis-label">0</text>`;
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Records per module across backups; the table beside it has the numbers">${axis}${lines.join('')}${legend}</svg>`;
}

export function recordsTable(labels: string[], series: Series[]): string {
  const head = `<tr><th scope="col">Backup</th>${series.map((s) => `<th scope="col">${text(s.module)}</th>`).join('')}</tr>`;
  const rows = labels.map(
    (label, i) =>
      `<tr><th scope="row">${text(label)}</th>${series.map((s) => `<td>${s.values[i]?.toLocaleString('en-US') ?? '–'}</td>`).join('')}</tr>`,
  );
  return `<table class="numbers"><caption>Records per module</caption>${head}${rows.join('')}</table>`;
}
