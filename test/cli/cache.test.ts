// The frame cache through the spawned binary: the first `arl eval` writes .arl/cache of the
// project, the second reads it with the same figures, `--no-cache` neither reads nor writes,
// `arl cache show` lists it and `arl cache clear` empties it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arl } from '../support/cli';
import { exampleDir } from '../support/example';

const files = (dir: string) => (existsSync(join(dir, '.arl', 'cache')) ? readdirSync(join(dir, '.arl', 'cache')).filter((f) => f.endsWith('.arlc')) : []);

describe('arl cache', () => {
  it('eval writes the cache, reads it the second time with the same figures; show lists it; clear empties it', async () => {
    const ex = await exampleDir(300);
    const noCache = await arl(['eval', ex.arl, '--split', 'all', '--json', '--no-cache']);
    expect(noCache.code).toBe(0);
    expect(files(ex.dir)).toEqual([]);
    const first = await arl(['eval', ex.arl, '--split', 'all', '--json']);
    expect(first.code).toBe(0);
    expect(files(ex.dir)).toHaveLength(1);
    const second = await arl(['eval', ex.arl, '--split', 'all', '--json']);
    expect(second.code).toBe(0);
    const scores = (out: string) => JSON.parse(out).scores;
    expect(scores(second.stdout)).toEqual(scores(noCache.stdout));
    expect(scores(first.stdout)).toEqual(scores(noCache.stdout));
    const show = await arl(['cache', 'show'], { cwd: ex.dir });
    expect(show.stdout).toMatch(/\.arlc +\d+(\.\d)? (KB|MB)\n.*1 file, /);
    const clear = await arl(['cache', 'clear', ex.arl]);
    expect(clear.code).toBe(0);
    expect(clear.stdout).toMatch(/^Removed 1 file \(.*\) from /);
    expect(files(ex.dir)).toEqual([]);
    expect((await arl(['cache', 'clear'], { cwd: ex.dir })).stdout).toMatch(/^Nothing to remove/);
    expect((await arl(['cache', 'purge'], { cwd: ex.dir })).code).toBe(2);
  });
});
