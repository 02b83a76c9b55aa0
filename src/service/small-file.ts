// Reads a small file that may be hostile: only a regular file (no FIFO, device, directory or
// symlink), opened non-blocking so that nothing can make the read wait, and never more than a cap.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

export type SmallFile = { text: string; problem?: undefined } | { text?: undefined; problem: string };

/**
 * `head`: the first maxBytes only, whatever the size. `proc`: a /proc file, whose size says 0;
 * it is read up to maxBytes. Otherwise a file over maxBytes is refused.
 */
export function readSmallFile(path: string, maxBytes: number, options: { head?: boolean; proc?: boolean } = {}): SmallFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { problem: "missing" };
    return { problem: code === "ELOOP" ? "it is a symbolic link" : `it cannot be opened (${code})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { problem: `it is ${kind(stat)}, not a regular file` };
    if (!options.head && !options.proc && stat.size > maxBytes) return { problem: tooLarge(maxBytes) };
    const buffer = Buffer.alloc(maxBytes + 1);
    let total = 0;
    for (let read = -1; read !== 0 && total < buffer.length; total += read) {
      read = readSync(fd, buffer, total, buffer.length - total, null);
    }
    if (total > maxBytes && !options.head) return { problem: tooLarge(maxBytes) };
    return { text: buffer.subarray(0, Math.min(total, maxBytes)).toString("utf8") };
  } catch (error) {
    return { problem: `it cannot be read (${(error as NodeJS.ErrnoException).code})` };
  } finally {
    closeSync(fd);
  }
}

function kind(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isDirectory()) return "a directory";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}

function tooLarge(maxBytes: number): string {
  return `it is larger than ${maxBytes} bytes`;
}
