// What is sent to label one point: the plot as a PNG image block, the dataset's business context,
// and the question, answered through the `label_point` tool. "ARL: Show Labelling Prompt" and
// `arl label --dry-run` show this text and image before anything is sent.
import type Anthropic from '@anthropic-ai/sdk';

export interface LabelQuestion {
  dataset: string;
  series: string;
  /** The time of the point to judge, as the dataset writes it. */
  time: string;
  columns: string[];
  /** The business context (the dataset block's `context`), or empty. */
  context: string;
  /** Points in the series, and the first and last time. */
  length: number;
  first: string;
  last: string;
}

export interface LabelPrompt {
  system: string;
  text: string;
  /** The PNG, base64. */
  image: string;
  tool: Anthropic.Tool;
}

export const labelTool: Anthropic.Tool = {
  name: 'label_point',
  description: 'Record whether the marked point of the plotted series is an anomaly, where the anomaly lies, and why.',
  input_schema: {
    type: 'object',
    properties: {
      anomalous: { type: 'boolean', description: 'true when the marked point is an anomaly in this business context' },
      where: {
        type: 'object',
        description: 'The anomaly the marked point belongs to: one point (start only) or a range of times, as the plot writes them. Omit when not anomalous.',
        properties: { start: { type: 'string' }, end: { type: 'string' } },
        required: ['start'],
      },
      reason: { type: 'string', description: 'One or two sentences: what in the plot decides it' },
    },
    required: ['anomalous', 'reason'],
  },
};

const system = [
  'You label time series for an anomaly-detection team. You see a plot of one series and decide whether the point marked',
  'by the dashed orange line ("judge") is an anomaly, as the business context defines one. Judge the marked point only,',
  'against the history before it; say what in the plot decides it. Answer by calling the `label_point` tool.',
].join(' ');

export function buildLabelPrompt(q: LabelQuestion, png: Uint8Array): LabelPrompt {
  const text = [
    q.context ? `Business context:\n${q.context}` : 'Business context: none given; judge by the series alone.',
    '',
    `Dataset: ${q.dataset}. Series \`${q.series}\`: ${q.length} points from ${q.first} to ${q.last}; plotted: ${q.columns.join(', ')}.`,
    `Is the point at ${q.time} (the dashed line) an anomaly?`,
  ].join('\n');
  return { system, text, image: Buffer.from(png).toString('base64'), tool: labelTool };
}

/** The user message: the image first, then the text. */
export function labelContent(p: LabelPrompt): Anthropic.ContentBlockParam[] {
  return [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: p.image } },
    { type: 'text', text: p.text },
  ];
}

/** The prompt as people read it (the image is shown beside it, not as base64). */
export function labelPromptText(p: LabelPrompt, models: string[], votes: number): string {
  return [
    `Sent to ${models.join(', ')}, ${votes} time${votes === 1 ? '' : 's'} each, with the plot as a PNG image (${Math.round((p.image.length * 3) / 4 / 1024)} KB).`,
    '',
    '## System',
    p.system,
    '',
    '## User',
    '[the plot]',
    p.text,
    '',
    '## Tool',
    JSON.stringify(p.tool, null, 2),
  ].join('\n');
}

/**
 * Input tokens of one request, estimated: the image by Anthropic's rule (width x height / 750,
 * after scaling to at most 1568 pixels on the long side), text at about 4 characters a token.
 */
export function estimateTokens(p: LabelPrompt): { input: number; output: number } {
  let { w, h } = pngSize(p.image);
  const scale = Math.min(1, 1568 / Math.max(w, h));
  w *= scale;
  h *= scale;
  const image = Math.ceil((w * h) / 750);
  const text = Math.ceil((p.system.length + p.text.length + JSON.stringify(p.tool).length) / 4);
  return { input: image + text, output: 120 };
}

/** Width and height of a PNG (base64), from its header; 0 x 0 when it is not one. */
export function pngSize(base64: string): { w: number; h: number } {
  const b = Buffer.from(base64.slice(0, 44), 'base64');
  if (b.length < 24 || b.toString('latin1', 1, 4) !== 'PNG') return { w: 0, h: 0 };
  return { w: b.readUInt32BE(16), h: b.readUInt32BE(20) };
}
