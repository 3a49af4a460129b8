/**
 * The SynthAD notebook renderer (runs in the notebook's webview): chart.js charts for chart specs (the live
 * training curve is one, re-sent after each epoch and updated in place), and tables for reports and dataset
 * previews. DOM is built with textContent only,
 * so nothing from a dataset can run as HTML. Colours come from VS Code's theme variables and follow theme
 * changes; charts resize with the editor and can be saved as PNG (through the extension: webviews cannot
 * download files).
 */
import type { ActivationFunction, OutputItem, RendererContext } from 'vscode-notebook-renderer';
import { Chart, registerables } from 'chart.js';
import { chartConfig, ChartTheme, LIGHT_THEME } from '../presentation/chartConfig';
import type { ChartSpec } from '../presentation/chartSpec';
import { MIME } from '../common/protocol';
import { renderDataset, renderReport, el, ReportData } from './tables';

Chart.register(...registerables);

type AnyChart = Chart<'line' | 'scatter' | 'bar', unknown, unknown>;

interface Mounted {
  chart?: AnyChart;
  spec?: ChartSpec;
  canvas?: HTMLCanvasElement;
}

/** The editor's theme, read from the CSS variables VS Code sets on the webview. */
export function currentTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const palette = [
    '--vscode-charts-blue',
    '--vscode-charts-red',
    '--vscode-charts-orange',
    '--vscode-charts-green',
    '--vscode-charts-purple',
    '--vscode-charts-yellow',
  ].map((n, i) => v(n, LIGHT_THEME.palette[i]));
  return {
    foreground: v('--vscode-editor-foreground', v('--vscode-foreground', LIGHT_THEME.foreground)),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', LIGHT_THEME.grid)),
    background: v('--vscode-editor-background', LIGHT_THEME.background),
    palette: [...palette, ...LIGHT_THEME.palette.slice(palette.length)],
    fontFamily: v('--vscode-font-family', LIGHT_THEME.fontFamily),
    fontSize: 12,
  };
}

export const activate: ActivationFunction = (context: RendererContext<unknown>) => {
  const mounted = new Map<string, Mounted>();
  const drawChart = (m: Mounted): void => {
    if (!m.canvas || !m.spec) return;
    m.chart?.destroy();
    const theme = currentTheme();
    const config = chartConfig(m.spec, theme);
    m.chart = new Chart(m.canvas, config as never) as unknown as AnyChart;
    // The legend is drawn on the canvas; its text is also kept here for tests and screen readers.
    m.canvas.dataset.legend = config.data.datasets.map((d) => String(d.label ?? '')).join('|');
    m.canvas.dataset.foreground = theme.foreground;
    m.canvas.setAttribute('aria-label', m.spec.title);
  };
  // Theme changes: VS Code swaps the body's class (vscode-light / vscode-dark / vscode-high-contrast).
  new MutationObserver(() => mounted.forEach(drawChart)).observe(document.body, {
    attributes: true,
    attributeFilter: ['class'],
  });

  /** The same chart with new data (the next epoch of a training chart): no new canvas, no flicker. */
  const updateChart = (m: Mounted, spec: ChartSpec): void => {
    const previous = m.spec;
    m.spec = spec;
    if (!m.chart || !m.canvas || previous?.kind !== spec.kind) {
      drawChart(m);
      return;
    }
    const theme = currentTheme();
    const config = chartConfig(spec, theme);
    m.chart.data = config.data as never;
    m.chart.options = config.options as never;
    m.chart.update('none');
    m.canvas.dataset.legend = config.data.datasets.map((d) => String(d.label ?? '')).join('|');
    m.canvas.dataset.foreground = theme.foreground;
    m.canvas.setAttribute('aria-label', spec.title);
  };

  /**
   * A chart spec into `element`. The same output rendered again (a display updated by id: the training
   * chart after each epoch) updates the chart it already shows.
   */
  const mountChart = (id: string, element: HTMLElement, spec: ChartSpec): void => {
    const existing = mounted.get(id);
    if (existing?.chart && existing.canvas && element.contains(existing.canvas)) {
      updateChart(existing, spec);
      return;
    }
    existing?.chart?.destroy();
    element.replaceChildren();
    const box = el('div', { class: 'synthad-chart' });
    box.style.position = 'relative';
    box.style.height = '320px';
    box.style.width = '100%';
    box.style.maxWidth = '900px';
    const canvas = el('canvas') as HTMLCanvasElement;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', spec.title);
    box.append(canvas);
    const save = el('button', { class: 'synthad-save' }, 'Save PNG');
    save.title = 'Save this chart as a PNG file';
    save.style.marginTop = '4px';
    save.addEventListener('click', () => {
      const m = mounted.get(id);
      if (!m?.chart) return;
      context.postMessage?.({
        type: 'savePng',
        name: m.spec?.title ?? spec.title,
        dataUrl: m.chart.toBase64Image('image/png', 1),
      });
    });
    element.append(box, save);
    const m: Mounted = { canvas, spec };
    mounted.set(id, m);
    drawChart(m);
  };

  return {
    renderOutputItem(item: OutputItem, element: HTMLElement) {
      const data = item.json() as unknown;
      switch (item.mime) {
        case MIME.chart:
          mountChart(item.id, element, data as ChartSpec);
          return;
        case MIME.report:
          element.replaceChildren(renderReport(data as ReportData));
          return;
        case MIME.dataset:
          element.replaceChildren(renderDataset(data as Parameters<typeof renderDataset>[0]));
          return;
        default:
          element.replaceChildren(el('pre', {}, `SynthAD renderer: no view for ${item.mime}`));
      }
    },
    disposeOutputItem(id?: string) {
      if (id === undefined) {
        mounted.forEach((m) => m.chart?.destroy());
        mounted.clear();
        return;
      }
      mounted.get(id)?.chart?.destroy();
      mounted.delete(id);
    },
  };
};
