// The dashboard's charts (Components/Charts/LineChart.razor): the server draws the SVG at the width reported here, and
// the hover readout (a crosshair and every line's value at the pointer) is drawn here from the chart's data-hover JSON,
// without a round trip. Event delegation on the document: Blazor replaces the SVG on every update.
window.abCharts = (() => {
  const observers = new WeakMap();

  function observe(box, dotnet) {
    if (!box) return;
    let last = 0, timer = 0;
    const report = () => {
      const width = Math.round(box.clientWidth / 10) * 10;
      if (width > 0 && width !== last) {
        last = width;
        dotnet.invokeMethodAsync('Resize', width).catch(() => {});
      }
    };
    const observer = new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(report, 120); });
    observer.observe(box);
    observers.set(box, observer);
    report();
  }

  function unobserve(box) {
    const observer = box && observers.get(box);
    if (observer) { observer.disconnect(); observers.delete(box); }
  }

  const number = v => {
    const a = Math.abs(v);
    const digits = a === 0 ? 0 : Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(a))));
    return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  };

  const xText = (d, x) => {
    if (d.kind === 'time') return new Date(x * 1000).toISOString().slice(11, 19) + ' UTC';
    if (d.kind === 'category') return (d.cats && d.cats[Math.round(x)]) ?? String(x);
    return number(x) + (d.xu ? ' ' + d.xu : '');
  };

  function clear(plot) {
    plot.querySelectorAll('.ab-chart-cross, .ab-chart-tip').forEach(e => e.remove());
  }

  function move(event) {
    const plot = event.target.closest && event.target.closest('.ab-chart-plot');
    if (!plot) return;
    const svg = plot.querySelector('svg');
    const d = plot._hover && plot._hover.src === plot.dataset.hover ? plot._hover.data : JSON.parse(plot.dataset.hover || 'null');
    if (!svg || !d) return;
    plot._hover = { src: plot.dataset.hover, data: d };
    const box = svg.getBoundingClientRect();
    const px = (event.clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
    if (px < d.l || px > d.r) { clear(plot); return; }
    const x = d.x0 + (px - d.l) / (d.r - d.l) * (d.x1 - d.x0);
    // The x of the point nearest the pointer over all lines; each line's value there (or its nearest point).
    let best = null;
    for (const line of d.lines) for (const p of line.p) if (best === null || Math.abs(p[0] - x) < Math.abs(best - x)) best = p[0];
    if (best === null) return;
    const rows = [];
    for (const line of d.lines) {
      let hit = null;
      for (const p of line.p) if (hit === null || Math.abs(p[0] - best) < Math.abs(hit[0] - best)) hit = p;
      if (hit && Math.abs(hit[0] - best) <= Math.abs(d.x1 - d.x0) / 100 + 1e-9) rows.push([line.n, line.c, hit[1]]);
    }

    clear(plot);
    const cx = d.l + (best - d.x0) / (d.x1 - d.x0) * (d.r - d.l);
    const cross = document.createElementNS('http://www.w3.org/2000/svg', 'line');
    cross.setAttribute('class', 'ab-chart-cross');
    cross.setAttribute('x1', cx); cross.setAttribute('x2', cx);
    cross.setAttribute('y1', d.t); cross.setAttribute('y2', d.b);
    cross.setAttribute('stroke', 'currentColor'); cross.setAttribute('stroke-opacity', '0.6'); cross.setAttribute('stroke-dasharray', '3 3');
    svg.appendChild(cross);

    const tip = document.createElement('div');
    tip.className = 'ab-chart-tip';
    tip.setAttribute('role', 'status');
    const head = document.createElement('div');
    head.className = 'ab-chart-tip-x';
    head.textContent = xText(d, best);
    tip.appendChild(head);
    for (const [name, colour, value] of rows) {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.className = 'ab-chart-swatch';
      swatch.style.background = colour;
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(`${name}: ${number(value)}${d.yu ? ' ' + d.yu : ''}`));
      tip.appendChild(row);
    }
    plot.appendChild(tip);
    const left = (cx / (svg.viewBox.baseVal.width || 1)) * box.width;
    const room = plot.clientWidth - tip.offsetWidth - 4;
    tip.style.left = Math.max(0, Math.min(room, left + 12)) + 'px';
  }

  document.addEventListener('pointermove', move, { passive: true });
  document.addEventListener('pointerleave', e => {
    const plot = e.target.closest && e.target.closest('.ab-chart-plot');
    if (plot) clear(plot);
  }, true);

  return { observe, unobserve };
})();
