// What the server may read and write, from what the client said: whether the workspace is trusted
// (initializationOptions.trusted, then arl/workspaceTrust), its folders, and the folders the user
// allowed (`arl.data.allowedRoots`). Untrusted: no data is read and nothing is written.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ResponseError, LSPErrorCodes } from 'vscode-languageserver';
import type { AnalyzeOptions } from '../engine/analyze';
import { isInside } from '../io/access';
import { URI } from './uri';

export const restrictedMessage = 'Restricted mode: ARL reads no data and writes no file in an untrusted workspace. Trust the workspace to use its data.';

export class Trust {
  /** Editors that say nothing about trust (other than VS Code) are trusted. */
  trusted = true;
  folders: string[] = [];
  private allowedRoots: string[] = [];

  setFolders(uris: (string | null | undefined)[]): void {
    this.folders = uris.flatMap((u) => {
      const p = u ? URI.toPath(u) : undefined;
      return p ? [p] : [];
    });
  }

  /** `arl.data.allowedRoots`: absolute paths, `~/...`, or paths relative to each workspace folder. */
  setAllowedRoots(roots: unknown): void {
    this.allowedRoots = Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string' && r.trim() !== '').map((r) => r.trim()) : [];
  }

  private allowed(): string[] {
    return this.allowedRoots.flatMap((t) => {
      if (t === '~' || t.startsWith('~/')) return [join(homedir(), t.slice(1))];
      if (isAbsolute(t)) return [resolve(t)];
      return this.folders.map((f) => resolve(f, t));
    });
  }

  /** The workspace of a rule file: every workspace folder if it is in one, else its own folder. */
  workspaceOf(path: string | undefined): string[] {
    if (path && !this.folders.some((f) => isInside(path, f))) return [dirname(path)];
    return this.folders;
  }

  /** How a rule file's analysis may read data, and where loaded frames are cached (trusted only). */
  analyzeOptions(path: string | undefined): Pick<AnalyzeOptions, 'access' | 'noData' | 'cacheRoot' | 'cacheWriteBehind'> {
    if (!this.trusted) return { noData: true };
    return {
      access: {
        roots: [...this.workspaceOf(path), ...this.allowed()],
        howToAllow: (folder) => `add ${folder} to the setting arl.data.allowedRoots`,
      },
      cacheRoot: path ? (this.folders.find((f) => isInside(path, f)) ?? dirname(path)) : undefined,
      cacheWriteBehind: true,
    };
  }

  /** Throws the refusal of a write in an untrusted workspace. */
  assertWritable(): void {
    if (!this.trusted) throw new ResponseError(LSPErrorCodes.RequestFailed, restrictedMessage);
  }
}
