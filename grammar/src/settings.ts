// The dataset block's settings and their values, documented once for completion and hover.
import type { DatasetProp } from './ast';

export interface SettingDoc {
  name: string;
  /** One line, for completion lists. */
  detail: string;
  /** Markdown, for hover. */
  doc: string;
}

export const datasetSettingDocs: SettingDoc[] = [
  { name: 'series', detail: 'column naming each series', doc: 'The column identifying each series. Without it, the whole file is one series.' },
  { name: 'time', detail: 'column that orders points', doc: 'The column giving each row’s time: numbers, or ISO dates and date-times (UTC unless a zone is given). Without it, the rows’ order.' },
  { name: 'label', detail: 'column with 1 anomaly, 0 normal, blank unlabelled', doc: 'The column of labels: `1` or `true` (anomaly), `0` or `false` (normal), blank (not scored).' },
  { name: 'reason', detail: 'column with the labeller’s explanation (text)', doc: 'A text column explaining the labels, kept for people and LLMs.' },
  {
    name: 'split',
    detail: 'train/validation/test: 60/20/20, time 60/20/20 or column NAME',
    doc: [
      'How labelled points are split into train, validation and test:',
      '',
      '- `60/20/20`: by series (a hash of the id) with 20 series or more, else one time cut for all series;',
      '- `time 60/20/20`: each series cut by its own time, so every series is in every split;',
      '- `column NAME`: a column holding `train`, `validation` or `test` on each row.',
    ].join('\n'),
  },
  {
    name: 'duplicates',
    detail: 'rows repeating a time in a series: error, first, last, mean, max',
    doc: [
      'What to do with rows that repeat a time within a series:',
      '',
      '- `error` (default): the dataset does not load; the first places are listed;',
      '- `first` / `last`: keep the first / last such row of the file;',
      '- `mean` / `max`: one point with the mean / largest of each number column (blank cells skipped), the label 1 if any row says anomaly, and the first present value of text columns.',
    ].join('\n'),
  },
  {
    name: 'objective',
    detail: 'what the file is scored and learned on: point_f1, event_f1 or f_beta(B)',
    doc: [
      'What the file is judged on (the lenses, the baseline warning) and what `arl learn` optimises:',
      '',
      '- `event_f1`: F1 of alarms (runs of flagged points) against events (runs of anomalies): an incident counts once;',
      '- `point_f1`: F1 over labelled points;',
      '- `f_beta(B)`: F-beta on events; B > 1 weights recall, B < 1 precision.',
      '',
      'Default: `event_f1` when the labels form runs longer than one point, `point_f1` otherwise.',
    ].join('\n'),
  },
  {
    name: 'tolerance',
    detail: 'points before and after an event where an alarm still catches it',
    doc: 'A whole number of points: an alarm up to that many points before an event starts, or after it ends, still catches it (default 0).',
  },
  {
    name: 'labels',
    detail: 'what a label judges: points, or sessions (rules judged at each series\' last row)',
    doc: [
      'What a label judges:',
      '',
      '- `points` (default): the point it is on;',
      '- `sessions`: each series is a session (a block of log lines, a visit) and the label on its last row judges the whole session. Rules are judged there: a rule fires on a session when it holds at the session’s last row, and nowhere else, in every figure and in `arl run`’s alerts. A rule can then read the whole session (`count(event == "E2", all) < 3`: it ended early).',
    ].join('\n'),
  },
  {
    name: 'context',
    detail: 'business context for LLM labelling: "text" or file "context.md"',
    doc: 'What the data is and what counts as an anomaly, in words, sent with each plot when an LLM labels the series (`arl label`, "ARL: Label Series with LLM"): `context = "..."` (one line, up to 4,000 characters) or `context = file "context.md"` (a file beside the rule file, up to 16 KB).',
  },
];

/** Words a setting's value can start with, for completion and hover. */
/** `insert` is plain text to insert; `snippet` the same with tab stops. */
export const datasetValueDocs: Record<string, { label: string; insert?: string; snippet?: string; detail: string }[]> = {
  split: [
    { label: '60/20/20', detail: 'by series with 20 series or more, else one time cut' },
    { label: 'time', insert: 'time 60/20/20', detail: 'each series cut by its own time' },
    { label: 'column', insert: 'column ', detail: 'a column of train, validation and test' },
  ],
  duplicates: [
    { label: 'error', detail: 'repeated times are an error (the default)' },
    { label: 'first', detail: 'keep the first row of each repeated time' },
    { label: 'last', detail: 'keep the last row of each repeated time' },
    { label: 'mean', detail: 'average the number columns of the repeated rows' },
    { label: 'max', detail: 'the largest value of each number column' },
  ],
  objective: [
    { label: 'event_f1', detail: 'F1 of alarms against events (runs of anomalies): an incident counts once' },
    { label: 'point_f1', detail: 'F1 over labelled points' },
    { label: 'f_beta', insert: 'f_beta(2)', snippet: 'f_beta(${1:2})', detail: 'F-beta on events: B > 1 weights recall, B < 1 precision' },
  ],
  context: [
    { label: 'file', insert: 'file ""', snippet: 'file "${1:context.md}"', detail: 'a file beside the rule file holding the context' },
  ],
  tolerance: [
    { label: '0', detail: 'an alarm must overlap the event' },
    { label: '5', detail: 'up to 5 points early or late still counts' },
  ],
  labels: [
    { label: 'points', detail: 'a label judges its point (the default)' },
    { label: 'sessions', detail: 'each series is a session, judged (labels and rules) at its last row' },
  ],
};

/** What the cursor is on in a dataset setting: its key, or a word of its value. */
export function settingHoverText(prop: DatasetProp, offset: number): string | undefined {
  const setting = datasetSettingDocs.find((s) => s.name === prop.key.name);
  if (!setting) return undefined;
  if (offset >= prop.key.start && offset <= prop.key.end) return `**${setting.name}** (dataset setting)\n\n${setting.doc}`;
  const v = prop.value;
  if (!v) return undefined;
  const word = v.kind === 'qualified' ? v.word : v.kind === 'name' ? { name: v.name, start: v.start, end: v.end } : undefined;
  if (!word || offset < word.start || offset > word.end) return undefined;
  const value = datasetValueDocs[setting.name]?.find((d) => d.label === word.name);
  return value ? `\`${setting.name} = ${value.insert ?? value.label}\`: ${value.detail}.` : undefined;
}
