// The two-tier consensus: each model votes k times and its decision is its majority (more than
// half of the k votes asked, so a failed vote never makes a majority); a label is accepted only
// when every model has a majority and all majorities agree. Anything else goes to review.
import type { Vote } from './ask';

export interface ModelVotes {
  model: string;
  /** One per vote asked: the vote, or the failure's message. */
  votes: (Vote | { failed: string })[];
}

export interface Decision {
  status: 'accepted' | 'review' | 'failed';
  /** The accepted label (accepted only). */
  label?: 0 | 1;
  /** The reason to record: the first model's majority reason, or why it went to review. */
  reason: string;
  /** `model=1,1,0; other=1,x,1` (x: a failed vote). */
  votes: string;
  /** Each model's majority: 1, 0, or null (none). */
  majorities: (0 | 1 | null)[];
}

const isVote = (v: Vote | { failed: string }): v is Vote => !('failed' in v);

export function majority(m: ModelVotes): 0 | 1 | null {
  const yes = m.votes.filter((v) => isVote(v) && v.anomalous).length;
  const no = m.votes.filter((v) => isVote(v) && !v.anomalous).length;
  const k = m.votes.length;
  return yes * 2 > k ? 1 : no * 2 > k ? 0 : null;
}

export function votesText(models: ModelVotes[]): string {
  return models.map((m) => `${m.model}=${m.votes.map((v) => (isVote(v) ? (v.anomalous ? '1' : '0') : 'x')).join(',')}`).join('; ');
}

const word = (l: 0 | 1) => (l === 1 ? 'anomaly' : 'normal');

export function decide(models: ModelVotes[]): Decision {
  const majorities = models.map(majority);
  const votes = votesText(models);
  const anyVote = models.some((m) => m.votes.some(isVote));
  if (!anyVote) {
    const first = models.flatMap((m) => m.votes).find((v): v is { failed: string } => !isVote(v));
    return { status: 'failed', reason: first?.failed ?? 'no votes', votes, majorities };
  }
  const agreed = majorities[0] !== null && majorities.every((x) => x === majorities[0]) ? majorities[0] : null;
  if (agreed !== null) {
    const reason = (models[0].votes.find((v): v is Vote => isVote(v) && (v.anomalous ? 1 : 0) === agreed) as Vote).reason;
    const where = whereText(models, agreed);
    return { status: 'accepted', label: agreed, reason: where ? `${reason} (${where})` : reason, votes, majorities };
  }
  const parts = models.map((m, k) => {
    const n = m.votes.filter(isVote).length;
    const failed = m.votes.length - n;
    if (majorities[k] === null) return `${m.model} has no majority (${m.votes.filter((v) => isVote(v) && v.anomalous).length} anomaly, ${m.votes.filter((v) => isVote(v) && !v.anomalous).length} normal${failed ? `, ${failed} failed` : ''})`;
    const same = m.votes.filter((v) => isVote(v) && (v.anomalous ? 1 : 0) === majorities[k]).length;
    return `${m.model} says ${word(majorities[k]!)} (${same}/${m.votes.length})`;
  });
  const reasons = models.flatMap((m) => m.votes.filter(isVote).slice(0, 1).map((v) => `${m.model}: ${v.reason}`));
  return { status: 'review', reason: `No consensus: ${parts.join('; ')}. ${reasons.join(' | ')}`.trim(), votes, majorities };
}

/** Where the anomaly lies, when the first model's majority votes gave a range. */
function whereText(models: ModelVotes[], agreed: 0 | 1): string {
  if (agreed !== 1) return '';
  const v = models[0].votes.find((x): x is Vote => isVote(x) && x.anomalous && !!x.start);
  if (!v?.start) return '';
  return v.end ? `from ${v.start} to ${v.end}` : `at ${v.start}`;
}
