// `arl cache clear [PATH]`: removes the frame cache (.arl/cache) of a project.
import { promises as fs } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { projectRoot } from '../../io/access';
import { cacheFolder, clearCacheFolder } from '../../io/safefs';
import { UsageError, write, type Command } from '../command';

export const cacheCommand: Command = {
  name: 'cache',
  summary: 'Show or clear the frame cache of a project (.arl/cache)',
  usage: `Usage: arl cache clear|show [PATH]

Commands that load a dataset keep the loaded frame in .arl/cache of the rule file's project (its
git repository, or its folder), so the next load of an unchanged file reads columns instead of
parsing text. An entry is used only for the same file (path, size, modification time) read with
the same roles and duplicates policy, and is checked before use. PATH is a rule file or a folder
of the project (default: the current folder).

  clear   removes every file of the cache
  show    lists the cache's files and their sizes`,
  options: {},
  async run(positionals, _values, io) {
    const [action, pathArg] = positionals;
    if (action !== 'clear' && action !== 'show') throw new UsageError(action ? `unknown action '${action}': clear or show.` : 'name an action: clear or show.');
    const target = resolve(io.cwd, pathArg ?? '.');
    let st;
    try {
      st = await fs.stat(target);
    } catch {
      throw new UsageError(`cannot read ${pathArg}: no such file or folder.`);
    }
    // projectRoot takes a rule file: a folder is given as a file in it.
    const root = await projectRoot(st.isDirectory() ? join(target, 'any.arl') : target);
    const shown = relative(io.cwd, join(root, '.arl', 'cache')) || '.arl/cache';
    if (action === 'clear') {
      const r = await clearCacheFolder(root);
      write(io.stdout, r.files ? `Removed ${r.files} file${r.files === 1 ? '' : 's'} (${mb(r.bytes)}) from ${shown}.` : `Nothing to remove: ${shown} is empty or absent.`);
      return 0;
    }
    const dir = await cacheFolder(root, false);
    const files = dir ? (await fs.readdir(dir)).filter((f) => f.endsWith('.arlc')) : [];
    if (!files.length) {
      write(io.stdout, `${shown}: empty or absent.`);
      return 0;
    }
    let total = 0;
    const lines = await Promise.all(
      files.map(async (f) => {
        const { size } = await fs.lstat(join(dir!, f));
        total += size;
        return `${f}  ${mb(size)}`;
      }),
    );
    write(io.stdout, [...lines, `${shown}: ${files.length} file${files.length === 1 ? '' : 's'}, ${mb(total)}`].join('\n'));
    return 0;
  },
};

function mb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
