// Where data may be read from. A dataset path named in a rule file is untrusted: it must resolve
// (symbolic links included) inside one of the allowed folders, or nothing of it is read. The
// front ends say what those folders are: the workspace folders in the editor, the rule file's
// project in the CLI, plus whatever the user allowed (`arl.data.allowedRoots`, `--allow-outside`).
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, parse as parsePath, relative, resolve } from 'node:path';

export interface ReadAccess {
  /** Folders data may be read from (checked by their real paths). */
  roots: string[];
  /** The end of a refusal: how to allow another folder, e.g. "pass --allow-outside DIR". */
  howToAllow: (folder: string) => string;
}

/** Whether `child` is `parent` or lies below it (both absolute, normalised). */
export function isInside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * The real path of `p`, symbolic links resolved, even when its last parts do not exist yet: the
 * longest existing prefix is resolved and the rest appended.
 */
export async function realpathDeep(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await fs.realpath(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(await realpathDeep(parent), basename(abs));
  }
}

/** realpathDeep on this thread: each call is a system call of microseconds, not a trip to the thread pool. */
function realpathDeepSync(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync.native(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(realpathDeepSync(parent), basename(abs));
  }
}

/** At most `max` characters of text from a rule file, for messages. */
export function clip(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
}

/**
 * Checks that `path` (as named in the rule file: `raw`) resolves inside one of the roots. Returns
 * undefined when it does, else a message saying what was refused and how to allow it. Only path
 * names are resolved; no file content is read.
 */
export async function checkReadable(path: string, raw: string, access: ReadAccess): Promise<string | undefined> {
  // Resolved on this thread: the language server checks at every edit, and on a busy machine a
  // trip to the thread pool and back took 5 to 40 ms where the system calls take microseconds.
  const real = realpathDeepSync(path);
  for (const root of access.roots) {
    if (isInside(real, realpathDeepSync(root))) return undefined;
  }
  const linked = real !== resolve(path) ? ` resolves to ${clip(real, 120)}, which` : '';
  const where = access.roots.length ? `inside ${access.roots.map((r) => clip(r, 120)).join(', ')}` : 'inside the workspace';
  return `The dataset "${clip(raw)}"${linked} is outside the workspace, so it was not read: ARL reads data only ${where}. Move the file into the workspace, or ${access.howToAllow(dirname(real))}.`;
}

/**
 * The project a rule file belongs to, for the CLI: the nearest folder above it holding `.git`
 * (a repository, or a worktree), or else the rule file's own folder. A `.git` in the home folder
 * or at the file system root (a dotfiles repository) does not make that folder the project.
 */
export async function projectRoot(ruleFile: string): Promise<string> {
  const start = dirname(await realpathDeep(ruleFile));
  const home = await realpathDeep(homedir());
  const top = parsePath(start).root;
  for (let dir = start; ; dir = dirname(dir)) {
    if (dir === home || dir === top) break;
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) break;
  }
  return start;
}
