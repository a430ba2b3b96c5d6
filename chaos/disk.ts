// A small file system for the SQLite bank, so that the nemesis can fill it up (ENOSPC) and free
// it again: a tmpfs mounted on a temporary folder, where this runs as root and mount works.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The tmpfs's size: the bank, its write-ahead log and its PIN key fit many times over. */
const DISK_MB = 16;
/** The filler is written in pieces of this size until the file system refuses one. */
const FILL_CHUNK_BYTES = 64 * 1024;

/** Mounts a DISK_MB tmpfs on dir; false when that is not allowed here (why on the side). */
export function mountSmallDisk(dir: string): { mounted: boolean; why: string } {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    return { mounted: true, why: '' };
  } catch (error) {
    const text = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { mounted: false, why: `cannot mount a tmpfs (${text})` };
  }
}

/** Unmounts it (lazily: a crashed run may leave a file open). */
export function unmountSmallDisk(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
}

/** Fills the file system under dir to the last byte; returns the filler's path. */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES, 0xff);
  try {
    for (let size = FILL_CHUNK_BYTES; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          writeSync(fd, chunk, 0, size);
        } catch {
          break; // ENOSPC: try a smaller piece, down to one byte
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Frees what fillDisk took. */
export function freeDisk(path: string): void {
  rmSync(path, { force: true });
}
