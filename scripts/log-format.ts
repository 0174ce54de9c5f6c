// Turns a service's JSON log line into one short, readable line for the terminal.
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const levelColors: Record<string, string> = { error: '\x1b[31m', fatal: '\x1b[31m', warn: '\x1b[33m' };
const reset = '\x1b[0m';
const assigned = new Map<string, string>();
const hidden = new Set(['level', 'time', 'msg', 'service', 'name', 'pid', 'hostname']);

export function formatLogLine(name: string, line: string, entry?: Record<string, unknown>): string {
  if (!assigned.has(name)) assigned.set(name, colors[assigned.size % colors.length]!);
  const prefix = `${assigned.get(name)}${name.padEnd(8)}${reset}│ `;
  if (!entry) return prefix + line;
  const level = String(entry.level ?? 'info');
  const extra = Object.entries(entry)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const levelText = level === 'info' ? '' : `${levelColors[level] ?? ''}${level.toUpperCase()}${reset} `;
  return `${prefix}${levelText}${String(entry.msg ?? '')}${extra ? ` \x1b[2m${extra}${reset}` : ''}`;
}
