import fs from 'node:fs';

/** Helpers the benchmark shares to measure and print. */
/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const mean = (samples: readonly number[]) => samples.reduce((s, x) => s + x, 0) / samples.length;

/** A Markdown table with right-aligned numeric columns. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  // Right-align columns of figures (a number, possibly with a unit or a range; '–' for none).
  const numeric = headers.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number' || /^([\d.,]+([–-][\d.,]+)?( ?[a-zA-Z/×%]+)?|–)$/.test(String(r[i]))),
  );
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

export const ms = (x: number) => x.toFixed(2);
export const count = (x: number) => x.toLocaleString('en-US');

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name: state is 3rd, utime 14th, stime 15th (clock ticks, 100 per second on Linux).
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The postmaster whose processes count as "PostgreSQL" (the bench's own cluster); others on the machine do not. */
let postmasterPid: number | undefined;

/** Counts only the cluster in `dataDirectory` (its postmaster.pid names the postmaster) from now on. */
export function measurePostgresOf(dataDirectory: string): void {
  const pid = Number(fs.readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) postmasterPid = pid;
}

/**
 * CPU time used so far by each PostgreSQL process, in ms by pid: the postmaster given to measurePostgresOf and its
 * children (backends, background workers), else every PostgreSQL process of the machine.
 */
export function postgresCpuMs(): Map<number, number> | undefined {
  const byPid = new Map<number, number>();
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // the process ended meanwhile
      }
      if (!stat.includes(' (postgres) ')) continue;
      // The parent's pid is the 2nd field after the command name.
      const parent = Number(stat.split(') ')[1]!.split(' ')[1]);
      if (postmasterPid !== undefined && Number(entry) !== postmasterPid && parent !== postmasterPid) continue;
      const ms = processCpuMs(Number(entry));
      if (ms !== undefined) byPid.set(Number(entry), ms);
    }
  } catch {
    return undefined;
  }
  return byPid.size ? byPid : undefined;
}

/** PostgreSQL CPU used between two readings: processes that started since count whole, ones that ended not at all. */
export function postgresCpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

export const median = (samples: readonly number[]) => quantile(samples, 0.5);

/** Resident memory of a process, in MB, from /proc (Linux); undefined elsewhere or once it has ended. */
export function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU used by this process (process.cpuUsage) and by PostgreSQL while `work` runs, in ms, beside its result. */
export async function measuredCpu<T>(work: () => Promise<T>): Promise<{ result: T; ownCpuMs: number; dbCpuMs: number }> {
  const [own0, db0] = [process.cpuUsage(), postgresCpuMs()];
  const result = await work();
  const [own1, db1] = [process.cpuUsage(own0), postgresCpuMs()];
  return { result, ownCpuMs: (own1.user + own1.system) / 1000, dbCpuMs: db0 && db1 ? postgresCpuSince(db0, db1) : NaN };
}
