/** Child processes of the benchmark (the Assay server, the bare baseline server), started and stopped cleanly. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildServer {
  url: string;
  process: ChildProcess;
  /** SIGTERM, then wait for the exit (the Assay server writes its CPU profile on the way out). */
  stop(): Promise<void>;
}

/**
 * Runs `node [nodeArgs] <script>` (with `--import tsx` for a .ts script) with exactly `env` (plus PATH and HOME) and
 * waits for the port it prints: a `LISTENING <port>` line, or the Assay banner's `Assay is running at http://localhost:<port>`.
 * @example const server = await startChild('dist/main.js', { DATABASE_URL, PORT: '4001' }, ['--max-semi-space-size=64']);
 */
export async function startChild(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 60 s:\n${stderr.join('')}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /LISTENING (\d+)|Assay is running at http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1] ?? m[2]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${stderr.join('')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
