import { readFileSync } from 'node:fs';

/** The resident memory of a process in KiB, from /proc/<pid>/status (Linux). */
export function rssKib(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** Samples a process's resident memory every intervalMs until stopped; stop() gives the peak. */
export function watchRss(pid: number, intervalMs = 50): { stop: () => number } {
  let peakKib = rssKib(pid);
  const timer = setInterval(() => {
    try {
      peakKib = Math.max(peakKib, rssKib(pid));
    } catch {
      // the process is gone: the caller's liveness check says so
    }
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peakKib;
    },
  };
}

/** True while the process exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
