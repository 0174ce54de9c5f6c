// Turns a service's JSON log line into one short, readable line for the terminal. Colours only on a
// terminal, and never with NO_COLOR set (https://no-color.org); FORCE_COLOR forces them.
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const levelColors: Record<string, string> = { error: '\x1b[31m', fatal: '\x1b[31m', warn: '\x1b[33m' };
const reset = '\x1b[0m';
const dim = '\x1b[2m';
const hidden = new Set(['level', 'time', 'msg', 'service', 'name', 'pid', 'hostname']);
// eslint-disable-next-line no-control-regex -- ESC, the start of an ANSI colour code
const ANSI = /\x1b\[[\d;]*[A-Za-z]/g;

/** Whether output to `stream` should carry colour codes. */
export function useColor(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true;
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function createLogFormatter(options: { color: boolean; width?: number }) {
  const { color } = options;
  const width = options.width ?? 8;
  const assigned = new Map<string, string>();
  const paint = (code: string, text: string) => (color && code ? `${code}${text}${reset}` : text);

  const prefix = (name: string) => {
    if (!assigned.has(name)) assigned.set(name, colors[assigned.size % colors.length]!);
    return `${paint(assigned.get(name)!, name.padEnd(width))}│ `;
  };

  return {
    /** A line the process printed: its JSON log line made short, anything else as it came. */
    line(name: string, line: string, entry?: Record<string, unknown>): string {
      if (!entry) return prefix(name) + (color ? line : stripAnsi(line));
      const level = typeof entry.level === 'string' ? entry.level : 'info';
      const extra = Object.entries(entry)
        .filter(([key]) => !hidden.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const levelText = level === 'info' ? '' : `${paint(levelColors[level] ?? '', level.toUpperCase())} `;
      return `${prefix(name)}${levelText}${typeof entry.msg === 'string' ? entry.msg : ''}${extra ? ` ${paint(dim, extra)}` : ''}`;
    },
    /** A line of the runner's own about a process (exited, restarting). */
    notice(name: string, text: string, level: 'info' | 'error' = 'info'): string {
      return prefix(name) + paint(level === 'error' ? levelColors.error! : dim, text);
    },
  };
}

export type LogFormatter = ReturnType<typeof createLogFormatter>;
