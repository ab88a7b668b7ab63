import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, DataZoomComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { downloadCsv } from './api';
import { h } from './dom';
import { t } from './i18n';

// Only the chart types and components the pages draw: the bundle carries nothing else.
echarts.use([BarChart, LineChart, HeatmapChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, DataZoomComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** Charts drawn on the current page, disposed when the page changes. */
const live = new Set<echarts.ECharts>();
window.addEventListener('resize', () => live.forEach((chart) => chart.resize()));

export function disposeCharts(): void {
  live.forEach((chart) => chart.dispose());
  live.clear();
}

export interface Panel {
  readonly element: HTMLElement;
  readonly chart: echarts.ECharts;
}

/**
 * A chart with its heading, a CSV download of the view it shows (the view's own format=csv), and
 * its figures as a table. The canvas is hidden from screen readers; the table is always in the
 * page for them, and shown on screen with the Table button (at once when it is the page's list).
 */
export function panel(parent: HTMLElement, id: string, title: string, option: ChartOption, tableElement: HTMLTableElement, csv?: { path: string; params: Record<string, string | number | undefined> }, tableShown = false): Panel {
  const canvas = h('div', { class: 'chart', 'aria-hidden': 'true', 'data-chart': id });
  tableElement.classList.add('figures');
  if (!tableShown) tableElement.classList.add('visually-hidden');
  tableElement.setAttribute('data-table', id);
  const tableButton = h('button', { type: 'button', 'aria-pressed': String(tableShown), 'aria-controls': `${id}-table` }, t('table'));
  tableElement.id = `${id}-table`;
  tableButton.addEventListener('click', () => {
    const shown = tableElement.classList.toggle('visually-hidden') === false;
    tableButton.setAttribute('aria-pressed', String(shown));
  });
  const tools = h('div', { class: 'tools' }, tableButton);
  if (csv) {
    const button = h('button', { type: 'button', 'data-csv': id }, t('csv'));
    button.addEventListener('click', () => void downloadCsv(csv.path, csv.params, id).catch((error: Error) => alert(error.message)));
    tools.append(button);
  }
  const element = h('section', { class: 'panel', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), tools, canvas, tableElement);
  // Drawn once in the page, so the chart takes the size of its box.
  parent.append(element);
  const chart = echarts.init(canvas, undefined, { renderer: 'canvas' });
  chart.setOption({ animation: false, ...option });
  // The instance stays reachable from its element, for tests that click a bar at its place.
  (canvas as unknown as { chart: echarts.ECharts }).chart = chart;
  live.add(chart);
  return { element, chart };
}

