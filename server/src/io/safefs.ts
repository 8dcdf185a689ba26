// Every file ARL writes goes through here: files in a workspace's `.arl/` folder (the trajectory)
// and the files a user names on the command line (`--out`, the rule file `arl learn` and `arl draft`
// change). None is opened through a symbolic link: the last part is checked with lstat and opened
// with O_NOFOLLOW where the platform has it; it must be a regular file (a FIFO or a device is
// refused, and so is a file with a second hard link in `.arl/`). `.arl` must be a real folder whose
// parent lies inside the workspace. A refusal says what was refused and what to do.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isInside, realpathDeep } from './access';

/** A write or read ARL refuses to make; the message says what to do. */
export class UnsafePathError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

const noFollow = constants.O_NOFOLLOW ?? 0;
const nonBlock = constants.O_NONBLOCK ?? 0;

async function lstatOrNone(path: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function linkTarget(path: string): Promise<string> {
  try {
    return ` (to ${await fs.readlink(path)})`;
  } catch {
    return '';
  }
}

/** What a path is, when it is not a regular file. */
async function notRegular(path: string, st: Stats): Promise<string | undefined> {
  if (st.isSymbolicLink()) return `it is a symbolic link${await linkTarget(path)}`;
  if (st.isDirectory()) return 'it is a folder';
  if (!st.isFile()) return 'it is not a regular file (a pipe, socket or device)';
  return undefined;
}

type Kind = 'arl' | 'output';

function refusal(path: string, why: string, kind: Kind, verb = 'write'): UnsafePathError {
  const what =
    kind === 'arl'
      ? `ARL keeps its files in the workspace's .arl folder as regular files and never ${verb}s through a link. Remove ${path} (ARL creates it again) and try again.`
      : `ARL never ${verb}s through a link or into a special file. Name the file itself, or remove the link.`;
  return new UnsafePathError(`Refusing to ${verb} ${path}: ${why}. ${what}`, path);
}

/**
 * Opens `path` without following a link at its last part: `flags` plus O_NOFOLLOW and O_NONBLOCK
 * (so a FIFO cannot block). Checks what was opened; the caller closes the handle.
 */
async function openChecked(path: string, flags: number, kind: Kind, verb = 'write', mode = 0o644): Promise<FileHandle> {
  const before = await lstatOrNone(path);
  if (before) {
    const why = await notRegular(path, before);
    if (why) throw refusal(path, why, kind, verb);
  }
  let h: FileHandle;
  try {
    h = await fs.open(path, flags | noFollow | nonBlock, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw refusal(path, `it is a symbolic link${await linkTarget(path)}`, kind, verb);
    if (code === 'ENXIO' || code === 'EISDIR') throw refusal(path, 'it is not a regular file', kind, verb);
    throw e;
  }
  const st = await h.stat();
  const why = !st.isFile() ? 'it is not a regular file' : kind === 'arl' && st.nlink > 1 ? 'it has another hard link' : undefined;
  if (why) {
    await h.close();
    throw refusal(path, why, kind, verb);
  }
  return h;
}

/**
 * The `.arl` folder beside `dir`, created when missing. Refused when it is a link or not a
 * folder, or when `dir` (resolved) is outside every one of `roots` (when given).
 */
export async function arlFolder(dir: string, roots?: string[], create = true): Promise<string | undefined> {
  const folder = join(dir, '.arl');
  if (roots?.length) {
    const real = await realpathDeep(dir);
    const inside = await Promise.all(roots.map(async (r) => isInside(real, await realpathDeep(r))));
    if (!inside.some(Boolean)) {
      throw new UnsafePathError(`Refusing to write into ${folder}: its folder resolves to ${real}, outside the workspace. Open the rule file from inside the workspace.`, folder);
    }
  }
  const st = await lstatOrNone(folder);
  if (st?.isSymbolicLink()) {
    throw new UnsafePathError(
      `Refusing to use ${folder}: it is a symbolic link${await linkTarget(folder)}. ARL keeps its files in a real .arl folder inside the workspace. Remove the link (ARL creates the folder) and try again.`,
      folder,
    );
  }
  if (st && !st.isDirectory()) throw new UnsafePathError(`Refusing to use ${folder}: it is not a folder. Remove or rename it and try again.`, folder);
  if (!st) {
    if (!create) return undefined;
    try {
      await fs.mkdir(folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return arlFolder(dir, undefined, create);
    }
  }
  return folder;
}

/** Refuses (UnsafePathError) now what appending to `.arl/<name>` beside `dir` would refuse later. */
export async function checkArlFile(dir: string, name: string, roots?: string[]): Promise<void> {
  const folder = await arlFolder(dir, roots, false);
  if (!folder) return;
  const path = join(folder, name);
  const st = await lstatOrNone(path);
  const why = st && ((await notRegular(path, st)) ?? (st.nlink > 1 ? 'it has another hard link' : undefined));
  if (why) throw refusal(path, why, 'arl');
}

/**
 * Appends `line` (one line, without its newline) to `.arl/<name>` beside `dir`. A last line
 * torn by a crash gets its newline first, so the new line stands alone.
 */
export async function appendArlLine(dir: string, name: string, line: string, roots?: string[], opts: { sub?: string; header?: string } = {}): Promise<string> {
  return appendArlLines(dir, name, [line], roots, opts);
}

/**
 * Appends `lines` to `.arl/[sub/]<name>` beside `dir` in one write (a crash keeps all of them or
 * tears only the last); `header` starts a new or empty file.
 */
export async function appendArlLines(dir: string, name: string, lines: string[], roots?: string[], opts: { sub?: string; header?: string } = {}): Promise<string> {
  plainName(name);
  const folder = opts.sub ? await arlSubfolder(dir, opts.sub, roots) : await arlFolder(dir, roots);
  const path = join(folder!, name);
  // Appends to one file from this process go one at a time: two at once would each find the file
  // empty and both write the header, or each add the newline a torn line needs.
  const before = appending.get(path) ?? Promise.resolve();
  const mine = before.then(() => appendNow(path, lines, opts.header));
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  appending.set(path, settled);
  void settled.then(() => {
    if (appending.get(path) === settled) appending.delete(path);
  });
  await mine;
  return path;
}

const appending = new Map<string, Promise<void>>();

async function appendNow(path: string, lines: string[], header: string | undefined): Promise<void> {
  const h = await openChecked(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 'arl');
  try {
    const { size } = await h.stat();
    let prefix = size === 0 && header ? header + '\n' : '';
    if (size > 0) {
      const b = Buffer.alloc(1);
      await h.read(b, 0, 1, size - 1);
      if (b[0] !== 10) prefix = '\n';
    }
    await h.write(prefix + lines.map((l) => l.replace(/[\r\n]/g, ' ') + '\n').join(''));
  } finally {
    await h.close();
  }
}

function plainName(name: string): void {
  if (basename(name) !== name || name.startsWith('.') || name === '') throw new UnsafePathError(`Refusing to use .arl/${name}: not a plain file name.`, name);
}

/** `.arl/<sub>` beside `dir` (a plain name), checked as `.arl` is: a real folder, created when missing. */
export async function arlSubfolder(dir: string, sub: string, roots?: string[], create = true): Promise<string | undefined> {
  plainName(sub);
  const parent = await arlFolder(dir, roots, create);
  if (!parent) return undefined;
  const folder = join(parent, sub);
  const st = await lstatOrNone(folder);
  if (st?.isSymbolicLink()) {
    throw new UnsafePathError(`Refusing to use ${folder}: it is a symbolic link${await linkTarget(folder)}. Remove the link (ARL creates the folder) and try again.`, folder);
  }
  if (st && !st.isDirectory()) throw new UnsafePathError(`Refusing to use ${folder}: it is not a folder. Remove or rename it and try again.`, folder);
  if (!st) {
    if (!create) return undefined;
    try {
      await fs.mkdir(folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return arlSubfolder(dir, sub, undefined, create);
    }
  }
  return folder;
}

/**
 * Reads `.arl/<name>` beside `dir`: undefined when there is none. Links and special files are
 * refused, and so is a file over `maxBytes`.
 */
export async function readArlFile(dir: string, name: string, maxBytes = 256 * 1024 * 1024, sub?: string): Promise<string | undefined> {
  plainName(name);
  const folder = sub ? await arlSubfolder(dir, sub, undefined, false) : await arlFolder(dir, undefined, false);
  if (!folder) return undefined;
  const path = join(folder, name);
  if (!(await lstatOrNone(path))) return undefined;
  const h = await openChecked(path, constants.O_RDONLY, 'arl', 'read');
  try {
    const { size } = await h.stat();
    if (size > maxBytes) throw new UnsafePathError(`Refusing to read ${path}: it is ${Math.round(size / 1048576)} MB, more than the ${Math.round(maxBytes / 1048576)} MB ARL reads. Move it aside.`, path);
    return await h.readFile('utf8');
  } finally {
    await h.close();
  }
}

/**
 * Refuses (UnsafePathError) now what writing a file the user named would refuse later (a link, a
 * special file), so a command fails before its work rather than after it.
 */
export async function checkOutput(path: string): Promise<void> {
  const st = await lstatOrNone(path);
  const why = st && (await notRegular(path, st));
  if (why) throw refusal(path, why, 'output');
}

/** Writes a file the user named on the command line (created or replaced; never through a link). */
export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  const h = await openChecked(path, constants.O_WRONLY | constants.O_CREAT, 'output');
  try {
    await h.truncate(0);
    await h.writeFile(data);
  } finally {
    await h.close();
  }
}

/** Appends to a file the user named on the command line (never through a link). */
export async function appendOutput(path: string, text: string): Promise<void> {
  const h = await openChecked(path, constants.O_WRONLY | constants.O_APPEND, 'output');
  try {
    await h.write(text);
  } finally {
    await h.close();
  }
}

/** A write stream to a file the user named (created or replaced; never through a link). */
export async function outputStream(path: string): Promise<NodeJS.WritableStream> {
  const h = await openChecked(path, constants.O_WRONLY | constants.O_CREAT, 'output');
  await h.truncate(0);
  return h.createWriteStream({ encoding: 'utf8' });
}

/**
 * Replaces the content of an existing file the user named (a rule file): written beside it under a
 * fresh name, then renamed over it, so a crash leaves the old or the new text, never half of one.
 * A link is refused rather than replaced.
 */
export async function replaceFile(path: string, text: string): Promise<void> {
  const st = await lstatOrNone(path);
  const why = st && (await notRegular(path, st));
  if (why) throw refusal(path, why, 'output');
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const h = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, st ? st.mode & 0o777 : 0o644);
  try {
    await h.writeFile(text, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** Names ARL gives the files of `.arl/cache`. */
const cacheName = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * The frame cache folder `.arl/cache` of a workspace root (see engine/cache.ts): created, with a
 * `.gitignore` so it is never committed, when missing and `create`. Refused when `.arl` or
 * `.arl/cache` is a link or not a folder.
 */
export async function cacheFolder(root: string, create: boolean): Promise<string | undefined> {
  const arl = await arlFolder(root, undefined, create);
  if (!arl) return undefined;
  const dir = join(arl, 'cache');
  const st = await lstatOrNone(dir);
  if (st?.isSymbolicLink()) throw new UnsafePathError(`Refusing to use ${dir}: it is a symbolic link${await linkTarget(dir)}. Remove it (ARL creates the folder again).`, dir);
  if (st && !st.isDirectory()) throw new UnsafePathError(`Refusing to use ${dir}: it is not a folder. Remove or rename it.`, dir);
  if (!st) {
    if (!create) return undefined;
    try {
      await fs.mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return cacheFolder(root, create);
    }
    try {
      const h = await fs.open(join(dir, '.gitignore'), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o644);
      await h.writeFile('# ARL frame cache: rebuilt when needed, removed by `arl cache clear`.\n*\n');
      await h.close();
    } catch {
      // Another process made it first.
    }
  }
  return dir;
}

function checkCacheName(name: string): void {
  if (!cacheName.test(name)) throw new UnsafePathError(`Refusing to use .arl/cache/${name}: not a name ARL gives its cache files.`, name);
}

/**
 * Writes `.arl/cache/<name>` whole or not at all: into a fresh file (O_EXCL, never through a
 * link) beside it, then renamed over the name. Readers and concurrent writers see the old file,
 * the new one or none, never half of one. Other files whose names start with `replaces` (older
 * versions of the same entry) are removed.
 */
export async function writeCacheFile(root: string, name: string, chunks: Iterable<Uint8Array>, replaces?: string): Promise<string> {
  checkCacheName(name);
  const dir = (await cacheFolder(root, true))!;
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const h = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o644);
  try {
    try {
      for (const c of chunks) {
        // Large columns in slices: one write call is limited to 2 GB.
        for (let at = 0; at < c.byteLength; at += 1 << 28) await h.write(c.subarray(at, Math.min(c.byteLength, at + (1 << 28))));
      }
    } finally {
      await h.close();
    }
    const before = await lstatOrNone(path);
    const why = before && (await notRegular(path, before));
    if (why) throw refusal(path, why, 'arl');
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  if (replaces) {
    for (const other of await fs.readdir(dir)) {
      if (other !== name && other.startsWith(replaces) && cacheName.test(other)) await fs.rm(join(dir, other), { force: true });
    }
  }
  return path;
}

/**
 * Opens `.arl/cache/<name>` for reading: a regular file, never through a link. Undefined when there
 * is none. The caller closes the handle.
 */
export async function openCacheFile(root: string, name: string): Promise<FileHandle | undefined> {
  checkCacheName(name);
  const dir = await cacheFolder(root, false);
  if (!dir) return undefined;
  const path = join(dir, name);
  if (!(await lstatOrNone(path))) return undefined;
  return openChecked(path, constants.O_RDONLY, 'arl', 'read');
}

/** Removes a cache file (a link is removed, never followed). */
export async function removeCacheFile(root: string, name: string): Promise<void> {
  checkCacheName(name);
  const dir = await cacheFolder(root, false);
  if (dir) await fs.rm(join(dir, name), { force: true });
}

/**
 * Empties `.arl/cache` of a workspace root: its files are removed (links among them removed, not
 * followed; folders inside left alone). Returns how many files went and their bytes.
 */
export async function clearCacheFolder(root: string): Promise<{ files: number; bytes: number; folder?: string }> {
  const dir = await cacheFolder(root, false);
  if (!dir) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const name of await fs.readdir(dir)) {
    if (name === '.gitignore') continue;
    const path = join(dir, name);
    const st = await lstatOrNone(path);
    if (!st || st.isDirectory()) continue;
    await fs.rm(path, { force: true });
    files++;
    if (st.isFile()) bytes += st.size;
  }
  return { files, bytes, folder: dir };
}
