/**
 * PNG fallbacks for charts, drawn in Node (the kernel process) with chart.js on @napi-rs/canvas and the
 * DejaVu Sans font shipped in media/fonts, so a saved notebook shows its charts on GitHub and in Jupyter.
 * Light theme on white, 800 x 450 pixels.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chartConfig, ChartTheme, LIGHT_THEME } from './chartConfig';
import type { ChartSpec } from './charts';

export const PNG_WIDTH = 800;
export const PNG_HEIGHT = 450;

type CanvasModule = typeof import('@napi-rs/canvas');
type ChartModule = typeof import('chart.js');
let modules: { canvas: CanvasModule; chartjs: ChartModule } | undefined;

/** Folder holding DejaVuSans.ttf: media/fonts next to a bundled build or in the source tree. */
function fontFile(): string | undefined {
  for (const dir of [
    path.join(__dirname, '..', 'media', 'fonts'),
    path.join(__dirname, '..', '..', '..', 'media', 'fonts'),
    path.join(__dirname, '..', '..', 'media', 'fonts'),
  ]) {
    const f = path.join(dir, 'DejaVuSans.ttf');
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

function load(): { canvas: CanvasModule; chartjs: ChartModule } {
  if (modules) return modules;
  const canvas = require('@napi-rs/canvas') as CanvasModule;
  const chartjs = require('chart.js') as ChartModule;
  chartjs.Chart.register(...chartjs.registerables);
  const font = fontFile();
  if (font) canvas.GlobalFonts.registerFromPath(font, 'DejaVu Sans');
  modules = { canvas, chartjs };
  return modules;
}

export const PNG_THEME: ChartTheme = LIGHT_THEME;

/** The chart as PNG bytes. */
export function chartPng(spec: ChartSpec, width = PNG_WIDTH, height = PNG_HEIGHT): Buffer {
  const { canvas: napi, chartjs } = load();
  const canvas = napi.createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const config = chartConfig(spec, PNG_THEME) as unknown as { options: Record<string, unknown> };
  const background = {
    id: 'synthadBackground',
    beforeDraw: (chart: { ctx: import('@napi-rs/canvas').SKRSContext2D; width: number; height: number }) => {
      chart.ctx.save();
      chart.ctx.fillStyle = PNG_THEME.background;
      chart.ctx.fillRect(0, 0, chart.width, chart.height);
      chart.ctx.restore();
    },
  };
  const chart = new chartjs.Chart(
    ctx as unknown as ConstructorParameters<ChartModule['Chart']>[0],
    {
      ...(config as object),
      options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
      plugins: [background],
    } as unknown as ConstructorParameters<ChartModule['Chart']>[1],
  );
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
