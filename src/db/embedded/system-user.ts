import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The unprivileged account PostgreSQL runs as when we are root (it refuses to run as root). */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  /** Every group it is in, for permission checks. */
  groups: number[];
}

export const isRoot = (): boolean => process.getuid?.() === 0;

async function lookup(name: string): Promise<SystemUser> {
  const [uid, gid, groups] = await Promise.all(['-u', '-g', '-G'].map((flag) => run('id', [flag, name]).then((r) => r.stdout.trim())));
  return { name, uid: Number(uid), gid: Number(gid), groups: groups!.split(/\s+/).map(Number) };
}

/**
 * The `postgres` system user, created (without a home or login shell) when it does not exist yet.
 * @example const pgUser = isRoot() ? await postgresSystemUser() : undefined;
 */
export async function postgresSystemUser(): Promise<SystemUser> {
  try {
    return await lookup('postgres');
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']).catch(
      () => undefined,
    );
    return lookup('postgres');
  }
}

/** Whether `user` may enter `dir` and every directory above it (the classic owner/group/other bits; ACLs aside). */
export function canTraverse(dir: string, user: SystemUser): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch {
      return false;
    }
    const bit = st.uid === user.uid ? 0o100 : user.groups.includes(st.gid) ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}
