// The series list of the preview panel: false alarms, missed anomalies, caught anomalies. The
// navigation is pure (tested without a browser); renderList draws it.
import type { Group, OutcomeGroup } from '../../server/src/preview/types';
import { h, fill } from './dom';
import { count, margin } from './format';

export interface Selection {
  group: Group;
  id: string;
}

export const groupTitles: Record<Group, string> = {
  fp: 'False alarms (FP)',
  fn: 'Missed anomalies (FN)',
  tp: 'Caught anomalies (TP)',
};

function flat(groups: OutcomeGroup[]): Selection[] {
  return groups.flatMap((g) => g.series.map((s) => ({ group: g.outcome, id: s.id })));
}

function position(items: Selection[], sel: Selection | undefined): number {
  return sel ? items.findIndex((i) => i.group === sel.group && i.id === sel.id) : -1;
}

/** The next (delta 1) or previous (-1) series; from nothing (or a series not listed), the first or last. */
export function stepSeries(groups: OutcomeGroup[], sel: Selection | undefined, delta: 1 | -1): Selection | undefined {
  const items = flat(groups);
  if (!items.length) return undefined;
  const at = position(items, sel);
  if (at < 0) return items[delta > 0 ? 0 : items.length - 1];
  return items[Math.max(0, Math.min(items.length - 1, at + delta))];
}

/** The first series of the next (1) or previous (-1) group that has any. */
export function stepGroup(groups: OutcomeGroup[], sel: Selection | undefined, delta: 1 | -1): Selection | undefined {
  const filled = groups.filter((g) => g.series.length);
  if (!filled.length) return undefined;
  const at = sel ? filled.findIndex((g) => g.outcome === sel.group) : -1;
  const next = at < 0 ? (delta > 0 ? 0 : filled.length - 1) : Math.max(0, Math.min(filled.length - 1, at + delta));
  return { group: filled[next].outcome, id: filled[next].series[0].id };
}

/** The group a series is listed in, preferring `group`. */
export function locate(groups: OutcomeGroup[], id: string, group?: Group): Selection | undefined {
  const hit = (g: OutcomeGroup) => g.series.some((s) => s.id === id);
  const preferred = groups.find((g) => g.outcome === group && hit(g)) ?? groups.find(hit);
  return preferred ? { group: preferred.outcome, id } : undefined;
}

/** Draws the list; `onSelect` gets clicks. Returns the selected item's element. */
export function renderList(el: HTMLElement, groups: OutcomeGroup[], sel: Selection | undefined, onSelect: (s: Selection) => void): HTMLElement | undefined {
  let selected: HTMLElement | undefined;
  const parts = groups.map((g) => {
    const items = g.series.map((s) => {
      const on = sel?.group === g.outcome && sel.id === s.id;
      const item = h(
        'div',
        {
          class: 'item',
          role: 'option',
          'aria-selected': on ? 'true' : 'false',
          'data-group': g.outcome,
          'data-series': s.id,
          title: `${s.points} point${s.points === 1 ? '' : 's'}; the rule's inputs would change by ${margin(s.margin)} before it decided otherwise`,
        },
        h('span', {}, s.id),
        h('span', { class: 'muted' }, s.points > 1 ? `${s.points} · ${margin(s.margin)}` : margin(s.margin)),
      );
      item.addEventListener('click', () => onSelect({ group: g.outcome, id: s.id }));
      if (on) selected = item;
      return item;
    });
    return h(
      'div',
      { role: 'group', 'aria-label': groupTitles[g.outcome] },
      h('div', { class: 'group-title', 'data-group-title': g.outcome }, `${groupTitles[g.outcome]} `, h('span', { class: 'muted', 'data-count': g.outcome }, count(g.count))),
      items.length ? items : h('div', { class: 'empty muted' }, 'none'),
    );
  });
  fill(el, parts);
  return selected;
}

/** Moves the highlight without redrawing the list. */
export function highlight(el: HTMLElement, sel: Selection | undefined): HTMLElement | undefined {
  let found: HTMLElement | undefined;
  for (const item of Array.from(el.querySelectorAll<HTMLElement>('.item'))) {
    const on = !!sel && item.dataset.group === sel.group && item.dataset.series === sel.id;
    item.setAttribute('aria-selected', on ? 'true' : 'false');
    if (on) found = item;
  }
  return found;
}
