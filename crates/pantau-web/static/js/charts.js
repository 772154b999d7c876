// Draws every element with a data-chart attribute using the vendored ECharts.
// The attribute holds {kind: "bar"|"line", categories: [...], series: [{name, data, stack}]}.
// A plain script file: the CSP forbids inline script.
// Tooltips are drawn inside the chart (renderMode 'richText'), never as HTML: names from the
// database stay text whatever they hold, and no inline style meets the CSP.
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
          chart.setOption({
            tooltip: { trigger: 'item', renderMode: 'richText', formatter: (p) => (p.data ? p.data.label + ': ' + (p.data.value ?? '—') + '%' : p.name) },
            visualMap: { min: 0, max: 100, calculable: true, left: 'left', bottom: 10, text: ['100%', '0%'], inRange: { color: ['#f6d2cf', '#f3e6a8', '#b8e0c2', '#1f7a3d'] } },
            series: [{ type: 'map', map: 'ID', nameProperty: 'code', roam: true, data: spec.data, emphasis: { label: { show: false } } }],
          });
        });
      window.addEventListener('resize', () => chart.resize());
      return;
    }
    chart.setOption({
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: spec.rotate ? 90 : 30 },
      xAxis: { type: 'category', data: spec.categories, axisLabel: { rotate: spec.rotate || 0, interval: 0 } },
      yAxis: { type: 'value', max: spec.max },
      series: spec.series.map((s) => ({ name: s.name, type: spec.kind, stack: s.stack, data: s.data, smooth: spec.kind === 'line' })),
    });
    window.addEventListener('resize', () => chart.resize());
  });
});
