// file:// URIs to paths and back (only file URIs have a dataset beside them).
import { fileURLToPath, pathToFileURL } from 'node:url';

export const URI = {
  toPath(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  },
  fromPath(path: string): string {
    return pathToFileURL(path).href;
  },
};
