// `arl run --engine duckdb`: the same alerts as `arl run`, computed by DuckDB from the CSV file.
import { resolve } from 'node:path';
import { outputStream } from '../../io/safefs';
import { DuckDbMissing } from '../../sql/duckdb';
import { runWithDuckDb } from '../../sql/engine';
import { write, type Io, type OptionValues } from '../command';
import { printIssues, readAccess, type RuleFile } from '../shared';
import { csvCell } from './run';

export async function runOnDuckDb(file: RuleFile, dataPath: string | undefined, values: OptionValues, io: Io): Promise<number> {
  const access = await readAccess(file, values, io);
  let out: NodeJS.WritableStream | undefined;
  const open = async () => (out ??= typeof values.out === 'string' ? await outputStream(resolve(io.cwd, values.out)) : io.stdout);
  try {
    const r = await runWithDuckDb(file.text, file.path, {
      dataPath,
      access,
      signal: io.signal,
      onColumns: async (columns) => {
        (await open()).write(columns.map(csvCell).join(',') + '\n');
      },
      onRows: async (rows) => {
        const o = await open();
        o.write(rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n');
      },
    });
    if (!r.ok) {
      printIssues(file, r.issues, io);
      return 1;
    }
    const o = await open();
    if (o !== io.stdout) await new Promise<void>((res, rej) => (o as NodeJS.WritableStream).end(() => res()).on?.('error', rej));
    write(io.stderr, `${r.alerts} alerts on ${r.points} points of ${r.series} series.`);
    return 0;
  } catch (e) {
    if (io.signal.aborted) {
      write(io.stderr, 'arl run: stopped (Ctrl-C).');
      return 130;
    }
    if (e instanceof DuckDbMissing) {
      write(io.stderr, `arl run: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
