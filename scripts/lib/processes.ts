// What npm run dev needs to know about other processes on this machine: is a port free, who holds it,
// who runs a pid. Linux details (/proc) are best effort: elsewhere the answers just name less.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** Whether a server could listen on `port` (all interfaces, as the services do). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** "pid 123 (node dist/main.js)" for the process listening on a TCP port, when it can be found. */
export function describePortHolder(port: number): string | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the 10th field.
      if (fields.length < 10 || fields[3] !== '0A') continue;
      if (Number.parseInt(fields[1]!.split(':').pop()!, 16) === port) inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return describePid(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** "pid 123 (node scripts/dev.ts)", or just "pid 123" when its command line cannot be read. */
export function describePid(pid: number): string {
  const command = commandLine(pid);
  return command ? `pid ${pid} (${command})` : `pid ${pid}`;
}

export function commandLine(pid: number): string | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (args.length === 0) return undefined;
    const [program, ...rest] = args;
    const text = [program!.split('/').pop(), ...rest.map((a) => (a.includes('/') ? shorten(a) : a))].join(
      ' ',
    );
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return undefined;
  }
}

/** The parent of a process (Linux), for telling which npm run dev started a Postgres. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** Keeps the last two parts of a path: node_modules/.bin/vite → .bin/vite. */
function shorten(path: string): string {
  return path.split('/').slice(-2).join('/');
}
