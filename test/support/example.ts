// The bundled stock-out example, generated small into a temporary folder for tests.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStockoutCsv } from '../../examples/stockout/generate';
import { tempDir } from './tmp';

export interface ExampleDir {
  dir: string;
  arl: string;
  csv: string;
}

export async function exampleDir(products = 400): Promise<ExampleDir> {
  const dir = tempDir('arl-example-');
  const arl = join(dir, 'stockout.arl');
  const csv = join(dir, 'stockout.csv');
  copyFileSync(fileURLToPath(new URL('../../examples/stockout/stockout.arl', import.meta.url)), arl);
  await writeStockoutCsv(csv, { products });
  return { dir, arl, csv };
}
