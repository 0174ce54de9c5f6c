// Faults on the real stack: a service killed, Postgres stopped or crashed, a process frozen (SIGSTOP:
// there, but answering nothing). Each time the gateway answers in the error shape within its
// deadlines (never a hang), /readyz says so, and everything recovers without a restart of the gateway.
// And no acknowledged write is lost: every note whose create got a 201 exists exactly once after
// SIGKILL of the notes service or of Postgres in the middle of a burst of creates.
import { recordFigure } from '@app/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  isErrorShape,
  signal,
  signupAndLogin,
  startStack,
  uniqueEmail,
  waitFor,
  type Answer,
  type Session,
  type Stack,
} from './stack.ts';

let stack: Stack;
let alice: Session;
let bob: Session;
let aliceNote: string;
const faults: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  alice = await signupAndLogin(stack, uniqueEmail('alice'));
  bob = await signupAndLogin(stack, uniqueEmail('bob'));
  const created = await http(stack, 'POST', '/api/notes', {
    token: alice.accessToken,
    body: { title: 't', body: 'b' },
  });
  aliceNote = (created.body as { id: string }).id;
});

afterAll(async () => {
  await stack?.close();
  recordFigure('faults survived', { count: faults.length, faults: faults.join('; ') });
});

const listNotes = () => http(stack, 'GET', '/api/notes', { token: alice.accessToken });
const ready = () => http(stack, 'GET', '/readyz');
const login = () =>
  http(stack, 'POST', '/api/auth/login', {
    body: { email: alice.email, password: 'correct horse battery staple' },
  });
const share = () =>
  http(stack, 'POST', `/api/notes/${aliceNote}/shares`, {
    token: alice.accessToken,
    body: { email: bob.email },
  });

function expectFailure(answer: Answer, statuses: number[], withinMs: number, what: string) {
  expect(statuses, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`).toContain(answer.status);
  expect(isErrorShape(answer.body), `${what}: ${JSON.stringify(answer.body)}`).toBe(true);
  expect(answer.ms, `${what} took ${Math.round(answer.ms)} ms`).toBeLessThan(withinMs);
}

async function recovered(what: string) {
  const { ms } = await waitFor(what, listNotes, (answer) => answer.status === 200, 60_000);
  await waitFor(`${what}: /readyz`, ready, (answer) => answer.status === 200, 30_000);
  return ms;
}

describe('a service killed', () => {
  it('notes SIGKILLed: 503 within the deadline, /readyz 503, recovery without a gateway restart', async () => {
    signal(stack.processes.notes.child.pid!, 'SIGKILL');
    await new Promise((resolve) => stack.processes.notes.child.once('exit', resolve));
    expectFailure(await listNotes(), [503], 2_500, 'list with notes down');
    expectFailure(await ready(), [503], 2_500, '/readyz with notes down');
    expect(((await ready()).body as { error: { message: string } }).error.message).toContain('notes');
    await stack.restart('notes');
    const ms = await recovered('notes back');
    faults.push(`notes SIGKILL (recovered ${(ms / 1000).toFixed(1)} s after restart)`);
  });
});

describe('Postgres stopped and started again', () => {
  it('answers 503 while it is down, and the pools reconnect once it is back', async () => {
    await stack.stopPostgres();
    expectFailure(await listNotes(), [503], 3_000, 'list with Postgres down');
    expectFailure(await login(), [503], 3_000, 'login with Postgres down');
    await stack.startPostgres();
    const ms = await recovered('Postgres back');
    expect((await login()).status).toBe(200);
    faults.push(`Postgres stop/start (recovered ${(ms / 1000).toFixed(1)} s after start)`);
  });
});

describe('a process frozen (SIGSTOP)', () => {
  it('users frozen: a log-in and a share answer 503/504 in the error shape within 3 s', async () => {
    const pid = stack.processes.users.child.pid!;
    signal(pid, 'SIGSTOP');
    try {
      expectFailure(await login(), [503, 504], 3_000, 'login with users frozen');
      expectFailure(await share(), [503, 504], 3_000, 'share with users frozen');
    } finally {
      signal(pid, 'SIGCONT');
    }
    await waitFor('users thawed', login, (answer) => answer.status === 200, 30_000);
    faults.push('users SIGSTOP');
  });

  it('Postgres frozen: a log-in and a share answer 503/504 in the error shape within 3 s', async () => {
    const pids = stack.postgresPids();
    for (const pid of pids) signal(pid, 'SIGSTOP');
    try {
      expectFailure(await login(), [503, 504], 3_000, 'login with Postgres frozen');
      expectFailure(await share(), [503, 504], 3_000, 'share with Postgres frozen');
    } finally {
      for (const pid of pids) signal(pid, 'SIGCONT');
    }
    await recovered('Postgres thawed');
    faults.push('Postgres SIGSTOP');
  });
});

/**
 * Creates notes with `concurrency` clients until stopped, each with a unique title; returns the
 * titles and ids of the 201s and how many attempts failed (and how).
 */
function burstOfCreates(concurrency = 6) {
  let running = true;
  const acknowledged = new Map<string, string>(); // title → id
  const attempted: string[] = [];
  const failures = new Map<number, number>();
  const burstId = Math.random().toString(36).slice(2, 8);
  let sequence = 0;
  const worker = async () => {
    while (running) {
      const title = `burst ${burstId} ${++sequence}`;
      attempted.push(title);
      const answer = await http(stack, 'POST', '/api/notes', {
        token: alice.accessToken,
        body: { title, body: 'x' },
        timeoutMs: 10_000,
      });
      if (answer.status === 201) acknowledged.set(title, (answer.body as { id: string }).id);
      else {
        failures.set(answer.status, (failures.get(answer.status) ?? 0) + 1);
        if (answer.status !== 0) expect(isErrorShape(answer.body), JSON.stringify(answer.body)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    acknowledged,
    attempted,
    failures,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Every acknowledged note exists exactly once (by id and by title); no title exists twice. */
async function checkWrites(burst: ReturnType<typeof burstOfCreates>) {
  const rows = await stack.query<{ id: string; title: string }>(
    'notes',
    'select id, title from notes where title = any($1)',
    [burst.attempted],
  );
  const byTitle = new Map<string, string[]>();
  for (const row of rows) byTitle.set(row.title, [...(byTitle.get(row.title) ?? []), row.id]);
  for (const [title, id] of burst.acknowledged)
    expect(byTitle.get(title), `acknowledged ${title}`).toEqual([id]);
  for (const [title, ids] of byTitle) expect(ids, `${title} stored twice`).toHaveLength(1);
  return { acknowledged: burst.acknowledged.size, attempted: burst.attempted.length, stored: rows.length };
}

describe('no acknowledged write is lost', () => {
  it('SIGKILL of the notes service during a burst of creates', async () => {
    const burst = burstOfCreates();
    await waitFor(
      'creates flowing',
      async () => burst.acknowledged.size,
      (n) => n >= 20,
      30_000,
    );
    signal(stack.processes.notes.child.pid!, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stack.restart('notes');
    const before = burst.acknowledged.size;
    await waitFor(
      'creates flowing again',
      async () => burst.acknowledged.size,
      (n) => n >= before + 20,
      60_000,
    );
    await burst.stop();
    const checked = await checkWrites(burst);
    faults.push('notes SIGKILL during creates');
    recordFigure('writes checked: SIGKILL notes during creates', {
      ...checked,
      failed: [...burst.failures].map(([s, n]) => `${s}×${n}`).join(' ') || 'none',
      lost: 0,
      duplicated: 0,
    });
  });

  it('SIGKILL of Postgres during a burst of creates', async () => {
    const burst = burstOfCreates();
    await waitFor(
      'creates flowing',
      async () => burst.acknowledged.size,
      (n) => n >= 20,
      30_000,
    );
    await stack.killPostgres();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stack.startPostgres();
    const before = burst.acknowledged.size;
    await waitFor(
      'creates flowing again',
      async () => burst.acknowledged.size,
      (n) => n >= before + 20,
      60_000,
    );
    await burst.stop();
    const checked = await checkWrites(burst);
    faults.push('Postgres SIGKILL during creates');
    recordFigure('writes checked: SIGKILL Postgres during creates', {
      ...checked,
      failed: [...burst.failures].map(([s, n]) => `${s}×${n}`).join(' ') || 'none',
      lost: 0,
      duplicated: 0,
    });
  });
});

describe('graceful shutdown under load', () => {
  it('SIGTERM to notes during creates: requests in flight complete, the rest are refused cleanly, exit 0', async () => {
    const burst = burstOfCreates();
    await waitFor(
      'creates flowing',
      async () => burst.acknowledged.size,
      (n) => n >= 20,
      30_000,
    );
    const notes = stack.processes.notes;
    const started = Date.now();
    const code = await notes.stop();
    const stoppedInMs = Date.now() - started;
    expect(code).toBe(0);
    expect(stoppedInMs).toBeLessThan(15_000);
    await stack.restart('notes');
    const before = burst.acknowledged.size;
    await waitFor(
      'creates flowing again',
      async () => burst.acknowledged.size,
      (n) => n >= before + 10,
      60_000,
    );
    await burst.stop();
    // While notes was away the gateway said 503, never 500; and nothing acknowledged is missing.
    expect([...burst.failures.keys()].filter((status) => status !== 503 && status !== 504)).toEqual([]);
    await checkWrites(burst);
    faults.push(`notes SIGTERM under load (exit 0 in ${(stoppedInMs / 1000).toFixed(1)} s)`);
  });

  it('SIGTERM to users during log-ins: in-flight log-ins complete, the rest are refused cleanly, exit 0', async () => {
    let running = true;
    const statuses = new Map<number, number>();
    const worker = async () => {
      while (running) {
        const answer = await login();
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await waitFor(
      'log-ins flowing',
      async () => statuses.get(200) ?? 0,
      (n) => n >= 10,
      30_000,
    );
    const started = Date.now();
    const code = await stack.processes.users.stop();
    const stoppedInMs = Date.now() - started;
    await stack.restart('users');
    const before = statuses.get(200) ?? 0;
    await waitFor(
      'log-ins flowing again',
      async () => statuses.get(200) ?? 0,
      (n) => n >= before + 10,
      60_000,
    );
    running = false;
    await Promise.all(workers);
    expect(code).toBe(0);
    expect(stoppedInMs).toBeLessThan(15_000);
    expect([...statuses.keys()].filter((status) => ![200, 503, 504].includes(status))).toEqual([]);
    faults.push(`users SIGTERM under load (exit 0 in ${(stoppedInMs / 1000).toFixed(1)} s)`);
  });

  it('SIGTERM to the gateway during requests: every answered request is whole, exit 0 within the grace period', async () => {
    const burst = burstOfCreates();
    await waitFor(
      'creates flowing',
      async () => burst.acknowledged.size,
      (n) => n >= 20,
      30_000,
    );
    const started = Date.now();
    const code = await stack.processes.gateway.stop();
    const stoppedInMs = Date.now() - started;
    await burst.stop();
    expect(code).toBe(0);
    expect(stoppedInMs).toBeLessThan(15_000);
    // Refused ones are 503 in the error shape or a refused connection (0), never a 500.
    expect([...burst.failures.keys()].filter((status) => status !== 503 && status !== 0)).toEqual([]);
    await checkWrites(burst);
    await stack.restart('gateway');
    expect((await listNotes()).status).toBe(200);
    faults.push(`gateway SIGTERM under load (exit 0 in ${(stoppedInMs / 1000).toFixed(1)} s)`);
  });
});
