// A dataset file of any format ARL reads: Parquet by its extension (.parquet, .parq, .pq), CSV
// (or TSV, or any delimited text) otherwise.
import { loadCsv, type LoadOptions, type LoadResult } from './csv';
import { isParquet, loadParquet } from './parquet';

export function loadDataset(path: string, opts: LoadOptions): Promise<LoadResult> {
  return isParquet(path) ? loadParquet(path, opts) : loadCsv(path, opts);
}
