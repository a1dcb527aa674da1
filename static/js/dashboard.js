/*
 * Dashboard charts (Chart.js 4 + chartjs-chart-sankey, vendored under static/vendor/).
 *
 * Markup:
 *   <figure data-chart="chart-spec-id"> ... <canvas aria-hidden="true"></canvas> ... </figure>
 *   {{ spec|json_script:"chart-spec-id" }}
 *
 * Specs:
 *   {"type": "bar"|"hbar"|"line", "labels": [...], "datasets": [{"label", "data"}],
 *    "unit": ""|"%"|"days"|"m²", "stacked": bool, "title": str}
 *   {"type": "sankey", "flows": [{"from", "to", "flow"}], "title": str, "colors": {label: "#hex"}}
 *
 * Plain ES2017, no eval, no inline handlers (CSP-safe). Runs on DOMContentLoaded and
 * after every htmx swap (htmx:afterSettle), on the swapped element only.
 */
(function () {
  'use strict';

  // Okabe-Ito palette, reordered so the low-contrast yellow comes late.
  var PALETTE = [
    '#0072B2', '#E69F00', '#009E73', '#CC79A7',
    '#56B4E9', '#D55E00', '#F0E442', '#000000'
  ];

  function locale() {
    var lang = (document.documentElement.lang || '').trim() || 'nl';
    try {
      Intl.NumberFormat.supportedLocalesOf([lang]);
      return lang;
    } catch (e) {
      return 'nl';
    }
  }

  // Returns a function number -> string for the given unit.
  function makeFormatter(unit) {
    var lang = locale();
    if (unit === '%') {
      var pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
      return function (v) { return v === null || v === undefined ? '' : pct.format(v / 100); };
    }
    var num = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    var suffix = unit ? '\u00a0' + unit : '';
    return function (v) { return v === null || v === undefined ? '' : num.format(v) + suffix; };
  }

  function hashColor(label) {
    var h = 5381;
    var s = String(label);
    for (var i = 0; i < s.length; i++) {
      h = ((h << 5) + h + s.charCodeAt(i)) | 0;
    }
    return PALETTE[Math.abs(h) % PALETTE.length];
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  function baseOptions(spec) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        title: { display: !!spec.title, text: spec.title || '' }
      }
    };
    if (reducedMotion()) {
      options.animation = false;
    }
    return options;
  }

  function cartesianConfig(spec) {
    var horizontal = spec.type === 'hbar';
    var isLine = spec.type === 'line';
    var stacked = !!spec.stacked;
    var fmt = makeFormatter(spec.unit || '');
    var valueAxis = horizontal ? 'x' : 'y';
    var categoryAxis = horizontal ? 'y' : 'x';
    var datasets = (spec.datasets || []).map(function (ds, i) {
      var color = PALETTE[i % PALETTE.length];
      var out = {
        label: ds.label,
        data: ds.data || [],
        backgroundColor: color,
        borderColor: color
      };
      if (isLine) {
        out.fill = false;
        out.spanGaps = false;
        out.pointRadius = 3;
        out.borderWidth = 2;
        out.tension = 0;
      }
      return out;
    });

    var options = baseOptions(spec);
    options.indexAxis = horizontal ? 'y' : 'x';
    options.interaction = { mode: 'index', intersect: false, axis: categoryAxis };
    options.plugins.legend = { display: datasets.length > 1 };
    options.plugins.tooltip = {
      callbacks: {
        label: function (ctx) {
          var v = ctx.parsed[valueAxis];
          if (v === null || v === undefined || isNaN(v)) {
            return null;
          }
          var prefix = ctx.dataset.label ? ctx.dataset.label + ': ' : '';
          return prefix + fmt(v);
        }
      }
    };

    var value = {
      beginAtZero: true,
      stacked: stacked,
      ticks: { callback: function (v) { return fmt(v); } }
    };
    if (spec.unit === '%') {
      value.max = 100;
    }
    var category = { stacked: stacked && !isLine };
    if (isLine) {
      options.layout = { padding: { right: 8 } }; // keep the last point inside the canvas
    }
    options.scales = {};
    options.scales[valueAxis] = value;
    options.scales[categoryAxis] = category;

    return {
      type: isLine ? 'line' : 'bar',
      data: { labels: spec.labels || [], datasets: datasets },
      options: options
    };
  }

  function hasCycle(flows) {
    var next = Object.create(null);
    flows.forEach(function (f) {
      (next[f.from] = next[f.from] || []).push(f.to);
    });
    var state = Object.create(null); // 1 = on stack, 2 = done
    function visit(node) {
      if (state[node] === 1) { return true; }
      if (state[node] === 2) { return false; }
      state[node] = 1;
      var found = (next[node] || []).some(visit);
      state[node] = 2;
      return found;
    }
    return Object.keys(next).some(visit);
  }

  function sankeyConfig(spec) {
    var colors = spec.colors || {};
    var fmt = makeFormatter('');
    function colorOf(label) {
      return Object.prototype.hasOwnProperty.call(colors, label) ? colors[label] : hashColor(label);
    }
    function flowAt(ctx) {
      return ctx.dataset.data[ctx.dataIndex] || {};
    }
    var options = baseOptions(spec);
    // Backward (cyclic) flows are drawn as arcs towards the canvas top edge: keep the title
    // below and leave room above the nodes when the flows contain a cycle.
    options.plugins.title.position = 'bottom';
    if (hasCycle(spec.flows || [])) {
      options.layout = { padding: { top: 48, right: 13, bottom: 3, left: 3 } };
    }
    options.plugins.legend = { display: false };
    options.plugins.tooltip = {
      callbacks: {
        title: function () { return ''; },
        label: function (ctx) {
          var f = flowAt(ctx);
          return f.from + ' \u2192 ' + f.to + ': ' + fmt(f.flow);
        }
      }
    };
    return {
      type: 'sankey',
      data: {
        datasets: [{
          data: spec.flows || [],
          colorFrom: function (ctx) { return colorOf(flowAt(ctx).from); },
          colorTo: function (ctx) { return colorOf(flowAt(ctx).to); },
          colorMode: 'gradient',
          borderWidth: 0
        }]
      },
      options: options
    };
  }

  // Destroy charts whose canvas was removed from the page (e.g. by an htmx swap).
  function destroyDetached(Chart) {
    var instances = Chart.instances || {};
    Object.keys(instances).forEach(function (key) {
      var chart = instances[key];
      if (chart && chart.canvas && !chart.canvas.isConnected) {
        chart.destroy();
      }
    });
  }

  function render(figure, Chart) {
    var specEl = document.getElementById(figure.getAttribute('data-chart'));
    var canvas = figure.querySelector('canvas');
    if (!specEl || !canvas) {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(specEl.textContent);
    } catch (e) {
      if (window.console) { console.warn('dashboard.js: invalid chart JSON', specEl.id); }
      return;
    }
    if (!spec || typeof spec !== 'object') {
      return;
    }
    var config;
    if (spec.type === 'sankey') {
      if (!Chart.registry || !hasController(Chart, 'sankey')) {
        return; // sankey plugin not loaded
      }
      config = sankeyConfig(spec);
    } else if (spec.type === 'bar' || spec.type === 'hbar' || spec.type === 'line') {
      config = cartesianConfig(spec);
    } else {
      return;
    }
    var existing = Chart.getChart(canvas);
    if (existing) {
      existing.destroy();
    }
    new Chart(canvas, config);
  }

  function hasController(Chart, id) {
    try {
      return !!Chart.registry.getController(id);
    } catch (e) {
      return false;
    }
  }

  function renderAll(root) {
    var Chart = window.Chart;
    if (!Chart || !root) {
      return;
    }
    destroyDetached(Chart);
    var figures = [];
    if (root.matches && root.matches('figure[data-chart]')) {
      figures.push(root);
    }
    if (root.querySelectorAll) {
      Array.prototype.push.apply(figures, root.querySelectorAll('figure[data-chart]'));
    }
    figures.forEach(function (figure) { render(figure, Chart); });
  }

  function init() {
    renderAll(document);
    document.body.addEventListener('htmx:afterSettle', function (event) {
      var elt = (event.detail && event.detail.elt) || event.target;
      renderAll(elt);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
