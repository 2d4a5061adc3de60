import { randomBytes } from 'node:crypto';
import { chownSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** 24 URL-safe characters from 18 random bytes. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** True when this process runs as root (POSIX). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Looks up a user's uid/gid in /etc/passwd. */
export function lookupUser(name: string): { uid: number; gid: number; home: string } | undefined {
  let text: string;
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 6) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
  }
  return undefined;
}

/** chown -R (does not follow symlinks). */
export function chownRecursive(target: string, uid: number, gid: number): void {
  chownSync(target, uid, gid);
  const st = lstatSync(target);
  if (!st.isDirectory()) return;
  for (const entry of readdirSync(target)) {
    const p = path.join(target, entry);
    if (lstatSync(p).isSymbolicLink()) continue;
    chownRecursive(p, uid, gid);
  }
}

/** Error message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
