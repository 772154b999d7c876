// Draws every element with a data-chart attribute using the vendored ECharts.
// The attribute holds {kind: "bar"|"line", categories: [...], series: [{name, data, stack,
// param}], horizontal?, links?}: with `links`, a click on a bar opens links[row], with the
// series' `param` added when the link is a list (`/ibm?…`). A map's data items may carry an
// `href` that a click on the province opens. Every link is a path on this site.
// A plain script file: the CSP forbids inline script.
// Tooltips are drawn inside the chart (renderMode 'richText'), never as HTML: names from the
// database stay text whatever they hold, and no inline style meets the CSP.
/** Opens `href` when it is a path on this site (never another site or a script URL). */
function go(href) {
  if (typeof href === 'string' && href.startsWith('/') && !href.startsWith('//')) window.location.href = href;
}

document.addEventListener('DOMContentLoaded', () => {
  if (!window.echarts) return;
  document.querySelectorAll('[data-chart]').forEach((el) => {
    let spec;
    try { spec = JSON.parse(el.dataset.chart); } catch (e) { return; }
    const chart = echarts.init(el, null, { renderer: 'svg' });
    if (spec.kind === 'map') {
      // Province shapes are a project-owned GeoJSON; features are named by Kemendagri code.
      fetch('/static/map/id-provinces.geojson', { credentials: 'same-origin' })
        .then((r) => r.json())
        .then((geo) => {
          echarts.registerMap('ID', geo);
          chart.on('click', (p) => go(p.data && p.data.href));
          chart.setOption({
            tooltip: { trigger: 'item', renderMode: 'richText', formatter: (p) => (p.data ? p.data.label + ': ' + (p.data.value ?? '—') + '%' : p.name) },
            visualMap: { min: 0, max: 100, calculable: true, left: 'left', bottom: 10, text: ['100%', '0%'], inRange: { color: ['#f6d2cf', '#f3e6a8', '#b8e0c2', '#1f7a3d'] } },
            series: [{ type: 'map', map: 'ID', nameProperty: 'code', roam: true, data: spec.data, emphasis: { label: { show: false } } }],
          });
        });
      window.addEventListener('resize', () => chart.resize());
      return;
    }
    const horizontal = spec.horizontal === true;
    // Long names are cut to fit; the tooltip shows them whole.
    const short = (v) => (typeof v === 'string' && v.length > 26 ? v.slice(0, 25) + '…' : v);
    const names = { type: 'category', data: spec.categories, inverse: horizontal, axisLabel: { interval: 0, formatter: short, rotate: horizontal ? 0 : spec.rotate || 0 } };
    const values = { type: 'value', max: spec.max, minInterval: 1 };
    if (horizontal) {
      // One bar a row, each tall enough to read.
      chart.getDom().style.height = Math.max(260, 60 + 28 * spec.categories.length) + 'px';
      chart.resize();
    }
    chart.setOption({
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
      xAxis: horizontal ? values : names,
      yAxis: horizontal ? names : values,
      series: spec.series.map((s) => ({ name: s.name, type: spec.kind, stack: s.stack, data: s.data, smooth: spec.kind === 'line', cursor: spec.links ? 'pointer' : 'default' })),
    });
    if (spec.links) {
      chart.on('click', (p) => {
        let href = spec.links[p.dataIndex];
        const param = spec.series[p.seriesIndex] && spec.series[p.seriesIndex].param;
        if (href && param && href.startsWith('/ibm?')) href += '&' + param;
        go(href);
      });
    }
    window.addEventListener('resize', () => chart.resize());
  });
});
