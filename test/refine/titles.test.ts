// Proposal titles give the verified effect on the whole file: train and validation, before -> after.
import { describe, expect, it } from 'vitest';
import { figures } from '../../server/src/refine/context';
import { figuresText } from '../../server/src/refine/proposal';

// F1 = 2tp / (2tp + fp + fn), with anomalies = tp + fn.
const f = (tp: number, fp: number, anomalies: number) => figures(tp, fp, anomalies, 1000);

describe('proposal titles', () => {
  it('show train and validation before and after, and say they are the file’s', () => {
    const before = { train: f(80, 20, 100), validation: f(30, 10, 40) };
    const after = { train: f(90, 10, 100), validation: f(35, 5, 40) };
    expect(figuresText('point F1', before, after)).toBe('file point F1: train 0.80 -> 0.90, validation 0.75 -> 0.88');
  });

  it('use three decimals when two would hide a change, on either split (a validation drop included)', () => {
    // Validation 0.914 -> 0.909: "0.91 -> 0.91" would hide that it fell.
    const before = { train: f(90, 10, 100), validation: f(458, 43, 501) };
    const after = { train: f(95, 10, 100), validation: f(456, 46, 501) };
    expect(before.validation.f1.toFixed(2)).toBe(after.validation.f1.toFixed(2));
    expect(figuresText('point F1', before, after)).toBe(
      `file point F1: train ${before.train.f1.toFixed(3)} -> ${after.train.f1.toFixed(3)}, validation ${before.validation.f1.toFixed(3)} -> ${after.validation.f1.toFixed(3)}`,
    );
    expect(after.validation.f1).toBeLessThan(before.validation.f1);
  });
});
