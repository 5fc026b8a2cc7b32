// Draws the waterfall of one deployment from the timeline JSON embedded in the page (and, on a
// live page, from ./timeline.json fetched every second). Every text from the timeline reaches
// the DOM through textContent or title, never as markup: step and target names come from plans.
(() => {
  'use strict';

  // An execution's status and the class its bar is drawn with; the legend uses the same classes. An
  // execution WAITING for its target guard (in a live timeline) has no bar yet: only its hatched wait.
  const STATUS_CLASS = {
    SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'timed-out',
    CANCELLED: 'cancelled', INTERRUPTED: 'interrupted', RUNNING: 'running',
    AWAITING_INTERVENTION: 'awaiting', IGNORED: 'ignored', EXCLUDED: 'excluded',
  };
  const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
  const POLL_MS = 1000;
  const TICK_SPACING_PX = 70;
  const NICE_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000,
    60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000];

  const page = JSON.parse(document.getElementById('waterfall-data').textContent);
  const $ = (id) => document.getElementById(id);
  let current = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function words(status) {
    return String(status).toLowerCase().replace(/_/g, ' ');
  }

  function formatMs(ms) {
    if (ms == null || !isFinite(ms)) return '\u2014';
    if (ms < 1000) return (ms < 10 ? ms.toFixed(1) : ms.toFixed(0)) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    const seconds = Math.round(ms / 1000);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, '0');
    return h ? `${h}h ${String(m).padStart(2, '0')}m ${s}s` : `${m}m ${s}s`;
  }

  /** A time since the start, with its wall-clock time when the timeline says when it started. */
  function at(t, ms) {
    const origin = Date.parse(t.startedAt);
    const relative = '+' + formatMs(ms);
    return isFinite(origin) ? `${relative}  (${new Date(origin + ms).toISOString().slice(11, 23)} UTC)` : relative;
  }

  function tickStep(endMs, ticks) {
    const raw = endMs / Math.max(1, ticks);
    const nice = NICE_STEPS_MS.find((step) => step >= raw);
    const largest = NICE_STEPS_MS[NICE_STEPS_MS.length - 1];
    return nice != null ? nice : largest * Math.ceil(raw / largest);
  }

  function tickLabel(ms, step, endMs) {
    if (ms === 0) return '0';
    if (endMs < 1000) return `${ms} ms`;
    if (step < 1000) return (ms / 1000).toFixed(step < 10 ? 3 : step < 100 ? 2 : 1) + ' s';
    if (step < 60000) return `${ms / 1000} s`;
    const h = Math.floor(ms / 3600000);
    const m = Math.floor((ms % 3600000) / 60000);
    const s = (ms % 60000) / 1000;
    if (h) return m ? `${h}h ${m}m` : `${h}h`;
    return s ? `${m}m ${s}s` : `${m}m`;
  }

  /** Still waiting for its target guard: drawn as a wait up to now, with no bar. */
  function isWaiting(e) {
    return e.status === 'WAITING';
  }

  /** When its action started; a waiting execution has not started (startMs absent, or its wait's start). */
  function startOf(e) {
    return e.startMs != null ? e.startMs : e.waitingSinceMs;
  }

  function firstTime(e) {
    return e.waitingSinceMs != null ? Math.min(e.waitingSinceMs, startOf(e)) : startOf(e);
  }

  /** How long it waited for its guard: until its start, or, still waiting, until the chart's end (now). */
  function waitedMs(e, endMs) {
    if (e.waitingSinceMs == null) return 0;
    if (isWaiting(e)) return Math.max(0, endMs - e.waitingSinceMs);
    return Math.max(0, startOf(e) - e.waitingSinceMs);
  }

  /** The right edge of the chart: the deployment's end, or "now" while it runs. */
  function domainEnd(t) {
    let end = t.endMs != null ? t.endMs : 0;
    for (const e of t.executions) {
      end = Math.max(end, firstTime(e) || 0, e.endMs != null ? e.endMs : 0);
    }
    if (page.live && !FINAL.has(t.status)) {
      const running = Date.now() - Date.parse(t.startedAt);
      if (isFinite(running)) end = Math.max(end, running);
    }
    return Math.max(end, 1);
  }

  /**
   * The rows, top to bottom: per block a header, per step a header and one row per target it ran
   * on (in the order they first asked for their guard); a rolling step's children under it.
   */
  function buildRows(t) {
    const steps = t.steps.slice().sort((a, b) => a.index - b.index);
    const children = new Map();
    for (const step of steps) {
      if (step.parent != null) {
        if (!children.has(step.parent)) children.set(step.parent, []);
        children.get(step.parent).push(step);
      }
    }
    const byStep = new Map();
    t.executions.forEach((e, i) => {
      let targets = byStep.get(e.stepIndex);
      if (!targets) byStep.set(e.stepIndex, (targets = new Map()));
      let attempts = targets.get(e.target);
      if (!attempts) targets.set(e.target, (attempts = []));
      attempts.push(i);
    });

    const rows = [];
    const placed = new Set();
    const span = (indexes) => {
      let from = Infinity;
      let to = -Infinity;
      for (const i of indexes) {
        const e = t.executions[i];
        from = Math.min(from, firstTime(e));
        to = Math.max(to, e.endMs != null ? e.endMs : startOf(e));
      }
      return from <= to ? [from, to] : null;
    };
    // Loops, not spreads: a step over 100,000 targets must not exceed JavaScript's argument limit.
    const stepExecutions = (step, list = []) => {
      for (const attempts of (byStep.get(step.index) || new Map()).values()) {
        for (const i of attempts) list.push(i);
      }
      for (const child of children.get(step.name) || []) stepExecutions(child, list);
      return list;
    };
    const addTargets = (step, depth, headers, names) => {
      placed.add(step.index);
      const targets = byStep.get(step.index);
      if (!targets) return;
      const lines = [];
      for (const [target, attempts] of targets) {
        attempts.sort((a, b) => t.executions[a].attempt - t.executions[b].attempt
            || startOf(t.executions[a]) - startOf(t.executions[b]));
        const first = Math.min(...attempts.map((i) => firstTime(t.executions[i])));
        lines.push({ target, attempts, first });
      }
      lines.sort((a, b) => a.first - b.first || String(a.target).localeCompare(String(b.target)));
      for (const line of lines) {
        const statuses = line.attempts.map((i) => words(t.executions[i].status)).join(' ');
        rows.push({
          kind: 'target', depth, headers, target: line.target, executions: line.attempts,
          key: `${names} ${line.target == null ? 'on the engine' : line.target} ${statuses}`.toLowerCase(),
        });
      }
    };
    const addStep = (step, depth, headers, names) => {
      const row = { kind: 'step', depth, step, span: span(stepExecutions(step)), key: names.toLowerCase() };
      rows.push(row);
      return row;
    };

    let blockRow = null;
    for (const step of steps) {
      if (step.parent != null) continue;
      if (!blockRow || blockRow.block !== step.block) {
        const inBlock = t.executions.flatMap((e, i) => (e.block === step.block ? [i] : []));
        blockRow = { kind: 'block', depth: 0, block: step.block, span: span(inBlock), key: `block ${step.block}` };
        rows.push(blockRow);
      }
      const stepRow = addStep(step, 0, [blockRow], step.name);
      const kids = children.get(step.name);
      if (kids) {
        placed.add(step.index);
        for (const child of kids) {
          const names = `${step.name} ${child.name}`;
          const childRow = addStep(child, 1, [blockRow, stepRow], names);
          addTargets(child, 2, [blockRow, stepRow, childRow], names);
        }
      } else {
        addTargets(step, 1, [blockRow, stepRow], step.name);
      }
    }
    // Executions of a step the timeline does not list still get drawn, so no execution goes missing.
    for (const [index, targets] of byStep) {
      if (placed.has(index)) continue;
      const sample = t.executions[targets.values().next().value[0]];
      const step = { index, name: sample.step, block: sample.block, status: null, parent: null };
      const stepRow = addStep(step, 0, [], step.name);
      addTargets(step, 1, [stepRow], step.name);
    }
    return rows;
  }

  function stepMeta(step) {
    const parts = [];
    if (step.status === 'SKIPPED' && step.skipReason) parts.push(step.skipReason);
    if (step.runOnServer) parts.push('on the engine');
    else if (step.windowSize != null) parts.push(`window ${step.windowSize}`);
    else if (step.parent == null && step.maxParallelism != null) parts.push(`cap ${step.maxParallelism}`);
    if (step.targets != null && !step.runOnServer && step.parent == null) {
      parts.push(`${step.targets} ${step.targets === 1 ? 'target' : 'targets'}`);
    }
    // A rolling step's children say how many targets they never started; the step need not repeat it.
    if (step.targetsNotStarted && step.windowSize == null) parts.push(`${step.targetsNotStarted} not started`);
    return parts.join(' \u00b7 ');
  }

  /** Builds every row in one pass, off-document, then swaps them in. */
  function drawRows(t, endMs, bounds) {
    const rows = buildRows(t);
    const x = (ms) => (Math.min(Math.max(ms, 0), endMs) / endMs) * 100;
    // One style write per element: at 10,000 bars every write counts.
    const place = (node, from, to) => {
      const left = x(from);
      node.style.cssText = `left:${left}%;width:${Math.max(0, x(to) - left)}%`;
    };
    const boundOf = new Map((bounds ? bounds.blocks : []).map((b) => [b.block, b]));
    const counts = { bars: 0, waits: 0, waiting: 0, failed: 0, rows: 0 };
    const fragment = document.createDocumentFragment();

    for (const row of rows) {
      const node = el('div', `row ${row.kind} depth${row.depth}`);
      const label = el('div', 'label');
      const track = el('div', 'track');
      node.append(label, track);
      if (row.kind === 'block') {
        label.textContent = `Block ${row.block}`;
        if (row.span) {
          const band = el('div', 'span block');
          place(band, row.span[0], row.span[1]);
          track.append(band);
        }
        const parts = [];
        if (row.span) parts.push(`took ${formatMs(row.span[1] - row.span[0])}`);
        const bound = boundOf.get(row.block);
        if (bound) parts.push(`lower bound ${formatMs(bound.boundMs)}, set by ${bound.limitedBy}`);
        if (parts.length) track.append(el('div', 'note', parts.join(' \u00b7 ')));
      } else if (row.kind === 'step') {
        const step = row.step;
        label.append(step.name);
        if (step.status) label.append(el('span', `chip ${words(step.status)}`, words(step.status)));
        const meta = stepMeta(step);
        if (meta) label.append(el('span', 'meta', meta));
        label.title = meta ? `${step.name} (${meta})` : step.name;
        if (row.span) {
          const band = el('div', `span ${words(step.status || '')}`);
          place(band, row.span[0], row.span[1]);
          track.append(band);
        }
      } else {
        counts.rows++;
        const name = row.target == null ? 'on the engine' : row.target;
        label.textContent = name;
        label.title = name;
        row.executions.forEach((i, k) => {
          const e = t.executions[i];
          if (isWaiting(e)) {
            // Waiting now: the hatch runs to the chart's end, open-ended, and there is no bar yet.
            const wait = el('div', 'wait now');
            wait.dataset.i = i;
            place(wait, e.waitingSinceMs != null ? e.waitingSinceMs : startOf(e), endMs);
            track.append(wait);
            counts.waits++;
            counts.waiting++;
            return;
          }
          if (e.waitingSinceMs != null && e.startMs > e.waitingSinceMs) {
            const wait = el('div', 'wait');
            wait.dataset.i = i;
            place(wait, e.waitingSinceMs, e.startMs);
            track.append(wait);
            counts.waits++;
          }
          let end = e.endMs;
          if (end == null) {
            // An interrupted attempt's end is unknown: draw it up to the attempt that replaced it.
            const next = row.executions[k + 1];
            end = e.status === 'INTERRUPTED' && next != null ? firstTime(t.executions[next]) : endMs;
          }
          const bar = el('div', `bar ${STATUS_CLASS[e.status] || 'cancelled'}${e.attempt > 1 ? ' retry' : ''}`);
          bar.dataset.i = i;
          place(bar, e.startMs, end);
          track.append(bar);
          counts.bars++;
          const asked = interventionOf(t, e);
          if (asked && !asked.manual) {
            // A person's decision after a failure: from the raise to the answer (or now).
            const decide = el('div', `decide${asked.answeredAtMs == null ? ' now' : ''}`);
            decide.dataset.i = i;
            place(decide, asked.raisedAtMs, asked.answeredAtMs != null ? asked.answeredAtMs : endMs);
            track.append(decide);
          }
          if (e.status === 'FAILED') counts.failed++;
        });
      }
      row.node = node;
      fragment.append(node);
    }
    $('rows').replaceChildren(fragment);
    return { rows, counts };
  }

  function drawHeader(t, endMs, bounds) {
    document.title = `${t.name} \u2014 Flotilla waterfall`;
    $('title').textContent = t.name;
    const status = $('status');
    status.textContent = words(t.status);
    status.className = `chip ${words(t.status)}`;

    const facts = $('facts');
    facts.replaceChildren();
    const fact = (name, value, title) => {
      const item = el('div');
      item.append(el('dt', null, name), el('dd', null, value));
      if (title) item.title = title;
      facts.append(item);
    };
    const makespan = t.endMs != null ? t.endMs - t.startMs : null;
    fact('deployment', t.deploymentId);
    if (t.startedAt) fact('started', t.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
    fact('makespan', makespan != null ? formatMs(makespan) : `running, ${formatMs(endMs)} so far`);
    const lowerBound = bounds ? bounds.ms : null;
    fact('lower bound', formatMs(lowerBound),
        'The shortest makespan any scheduler could reach for this work under these caps');
    fact('ratio', makespan != null && lowerBound > 0 ? `${(makespan / lowerBound).toFixed(2)}\u00d7` : '\u2014',
        'Makespan over the lower bound: 1.00\u00d7 is as fast as the caps allow');
    const failed = t.executions.filter((e) => e.status === 'FAILED' || e.status === 'TIMED_OUT').length;
    const retries = t.executions.filter((e) => e.attempt > 1).length;
    const waitingNow = t.executions.filter(isWaiting).length;
    fact('executions', `${t.executions.length} (${failed} failed, ${retries} retries`
        + `${waitingNow ? `, ${waitingNow} waiting for a guard` : ''})`);
    // Every wait for a guard: those that ended with a start, and those still waiting (counted up to now).
    const waits = t.executions.filter((e) => waitedMs(e, endMs) > 0 || (isWaiting(e) && e.waitingSinceMs != null));
    const waited = waits.reduce((sum, e) => sum + waitedMs(e, endMs), 0);
    fact('guard waits', waits.length
        ? `${waits.length}, ${formatMs(waited)} in all${waitingNow ? ` (${waitingNow} still waiting)` : ''}`
        : 'none', 'Executions that waited for a target guard held by another step or deployment');
    fact('cap', `${t.maxParallelism} steps at once`);
    fact('isolation', String(t.targetIsolation));
  }

  function drawAxis() {
    if (!current) return;
    const axis = $('axis');
    const endMs = current.endMs;
    const step = tickStep(endMs, Math.floor((axis.clientWidth || 800) / TICK_SPACING_PX));
    const ticks = document.createDocumentFragment();
    const lines = document.createDocumentFragment();
    for (let n = 0; n * step <= endMs; n++) {
      const ms = n * step;
      const left = `${(ms / endMs) * 100}%`;
      const tick = el('div', n === 0 ? 'tick first' : 'tick');
      tick.style.left = left;
      tick.append(el('span', null, tickLabel(ms, step, endMs)));
      ticks.append(tick);
      const line = el('div', 'gridline');
      line.style.left = left;
      lines.append(line);
    }
    axis.replaceChildren(ticks);
    $('grid').replaceChildren(lines);
  }

  /** Shows the rows whose step, target or status contain every word typed, with their headers. */
  function applyFilter() {
    if (!current) return;
    const terms = $('filter').value.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (key) => terms.every((term) => key.includes(term));
    let shown = 0;
    let total = 0;
    for (const row of current.rows) {
      if (row.kind !== 'target') row.node.hidden = terms.length > 0 && !matches(row.key);
    }
    for (const row of current.rows) {
      if (row.kind !== 'target') continue;
      total++;
      const visible = matches(row.key);
      row.node.hidden = !visible;
      if (visible) {
        shown++;
        for (const header of row.headers) header.node.hidden = false;
      }
    }
    $('shown').textContent = terms.length ? `${shown} of ${total} rows` : `${total} rows`;
  }

  function show(t) {
    const started = performance.now();
    // The lower bound is computed by the server for the timeline it embedded, once it is final.
    const bounds = t === page.timeline ? page.lowerBound : null;
    const endMs = domainEnd(t);
    current = { timeline: t, rows: [], endMs };
    drawHeader(t, endMs, bounds);
    // The axis first: measuring its width must not lay out thousands of new rows.
    drawAxis();
    const { rows, counts } = drawRows(t, endMs, bounds);
    current.rows = rows;
    applyFilter();
    hideTip();
    const marker = $('bar-count');
    marker.dataset.count = counts.bars;
    marker.dataset.failed = counts.failed;
    marker.dataset.waits = counts.waits;
    marker.dataset.waiting = counts.waiting;
    marker.dataset.rows = counts.rows;
    marker.dataset.renderMs = Math.round(performance.now() - started);
  }

  // The hover panel: one listener for every bar.
  const tip = $('tip');

  function hideTip() {
    tip.hidden = true;
  }

  function moveTip(event) {
    const gap = 14;
    const { width, height } = tip.getBoundingClientRect();
    const left = event.clientX + gap + width > window.innerWidth ? event.clientX - gap - width : event.clientX + gap;
    const top = event.clientY + gap + height > window.innerHeight ? event.clientY - gap - height : event.clientY + gap;
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${Math.max(0, top)}px`;
  }

  /** The intervention raised for an execution's attempt, if any. */
  function interventionOf(t, e) {
    if (e.intervention == null || !t.interventions) return null;
    return t.interventions.find((x) => x.number === e.intervention) || null;
  }

  function showTip(i, event) {
    const t = current.timeline;
    const e = t.executions[i];
    const target = e.target == null ? 'the engine' : e.target;
    const list = el('dl');
    const add = (name, value) => {
      if (value != null) list.append(el('dt', null, name), el('dd', null, value));
    };
    add('step', e.step);
    add('target', target);
    add('attempt', String(e.attempt));
    if (isWaiting(e)) {
      add('status', 'waiting for its target guard');
      add('start', 'not yet');
      if (e.waitingSinceMs != null) {
        add('waited', `${formatMs(waitedMs(e, current.endMs))} so far, from ${at(t, e.waitingSinceMs)}`);
      }
      add('held by', e.waitingFor);
    } else {
      add('status', words(e.status));
      add('start', at(t, e.startMs));
      add('end', e.endMs != null ? at(t, e.endMs)
          : e.status === 'INTERRUPTED' ? 'unknown (interrupted)' : 'still running');
      add('duration', e.endMs != null ? formatMs(e.endMs - e.startMs) : null);
      if (e.waitingSinceMs != null) {
        add('waited', `${formatMs(e.startMs - e.waitingSinceMs)} for the guard, from ${at(t, e.waitingSinceMs)}`);
        add('held by', e.waitingFor);
      }
    }
    const asked = interventionOf(t, e);
    if (asked) {
      add('intervention', `#${asked.number}${asked.manual ? ' (manual step)' : ''}`);
      add('responsible', asked.responsible);
      if (asked.answeredAtMs == null) {
        add('waits', `${formatMs(current.endMs - asked.raisedAtMs)} so far for ${asked.allowed.join(', ')}`);
      } else {
        add('decided', asked.decision == null ? 'never (the deployment ended)'
            : `${asked.decision}${asked.answeredBy ? ` by ${asked.answeredBy}` : ' by the engine'}`);
        add('waited', formatMs(asked.answeredAtMs - asked.raisedAtMs));
        add('note', asked.note);
      }
    }
    // Output variables the execution set (older timelines have none; sensitive ones come masked).
    for (const [name, value] of Object.entries(e.outputs || {})) {
      add(`output ${name}`, value === '' ? '(empty)' : value);
    }
    tip.replaceChildren(el('div', 'head', `${e.step} on ${target}`), list);
    if (e.message) tip.append(el('div', 'message', e.message));
    tip.hidden = false;
    moveTip(event);
  }

  const rowsNode = $('rows');
  rowsNode.addEventListener('mouseover', (event) => {
    const bar = event.target.closest('[data-i]');
    if (bar) showTip(Number(bar.dataset.i), event);
    else hideTip();
  });
  rowsNode.addEventListener('mousemove', (event) => {
    if (!tip.hidden) moveTip(event);
  });
  rowsNode.addEventListener('mouseleave', hideTip);

  let filterTimer = 0;
  $('filter').addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, 120);
  });
  let resizeFrame = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(drawAxis);
  });

  /**
   * The service's token, as the page that brought it kept it for this tab (none if the service
   * needs none): sent with every fetch, since a page cannot rely on the browser to send it.
   */
  function authorization() {
    const token = sessionStorage.getItem('flotilla-token');
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  /**
   * A live page follows the deployment until it ends, then reloads once: the server renders the
   * final page, which carries the lower bound. The session flag stops a reload loop.
   */
  function follow() {
    const live = $('live');
    live.hidden = false;
    const poll = async () => {
      try {
        const response = await fetch('./timeline.json', { cache: 'no-store', headers: authorization() });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const t = await response.json();
        show(t);
        live.classList.remove('stale');
        live.title = '';
        if (FINAL.has(t.status)) {
          live.hidden = true;
          const key = `flotilla-waterfall-reloaded:${t.deploymentId}`;
          if (!sessionStorage.getItem(key)) {
            sessionStorage.setItem(key, '1');
            location.reload();
          }
          return;
        }
      } catch (error) {
        live.classList.add('stale');
        live.title = `cannot fetch timeline.json: ${error.message}`;
      }
      setTimeout(poll, POLL_MS);
    };
    setTimeout(poll, POLL_MS);
  }

  show(page.timeline);
  if (page.live && !FINAL.has(page.timeline.status)) follow();
})();
