/**
 * The kernel as its own process (issue 13), in plain Node: a native crash, process.exit or running out of
 * memory in a cell ends that kernel only; the cell says what happened in one line, queued cells are
 * skipped, the next cell runs in a fresh kernel, other kernels keep their variables, and no kernel
 * process outlives its session or its host.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KernelSession, ExecutionResult, KERNEL_PROCESS_MARK } from '../../src/extension/kernelSession';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const KERNEL = path.join(ROOT, 'out', 'src', 'kernel', 'main.js');

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

interface Ran extends ExecutionResult {
  stdout: string;
  stderr: string;
  values: string[];
}

function runner(session: KernelSession): (code: string) => Promise<Ran> {
  let n = 0;
  return async (code) => {
    const out = { stdout: '', stderr: '', values: [] as string[] };
    const r = await session.execute(code, 'typescript', `In[${++n}]`, {
      stream: (name, text) => {
        out[name] += text;
      },
      display: (bundle) => {
        out.values.push(String(bundle['text/plain']));
      },
    });
    return { ...r, ...out };
  };
}

describe('kernel process', function () {
  this.timeout(60_000);
  let dir: string;
  const sessions: KernelSession[] = [];
  const open = (options: ConstructorParameters<typeof KernelSession>[2] = {}): KernelSession => {
    const s = new KernelSession(KERNEL, { cwd: dir, detectorDefaults: { backend: 'cpu' } }, options);
    sessions.push(s);
    return s;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-kproc-'));
  });
  after(() => {
    for (const s of sessions) s.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs cells in a process of its own, marked for ps', async () => {
    const s = open();
    const run = runner(s);
    const r = await run('process.pid');
    assert.ok(r.ok);
    assert.strictEqual(r.values[0], String(s.pid));
    assert.notStrictEqual(s.pid, process.pid);
    assert.ok(fs.readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0').includes(KERNEL_PROCESS_MARK));
  });

  it('a segmentation fault ends the cell with one line, skips the queued cell, and the next cell runs in a fresh kernel; another kernel keeps its variables', async () => {
    const s = open();
    const other = open();
    const run = runner(s);
    const runOther = runner(other);
    assert.ok((await runOther('const kept = 41')).ok);
    assert.ok((await run('const x = 1')).ok);
    const before = s.pid;
    const crash = run("process.kill(process.pid, 'SIGSEGV'); await new Promise((r) => setTimeout(r, 5000))");
    const queued = run('x + 1');
    const crashed = await crash;
    assert.strictEqual(crashed.ok, false);
    assert.strictEqual(crashed.restarted, true);
    assert.strictEqual(crashed.error?.name, 'KernelDied');
    assert.strictEqual(
      crashed.error?.message,
      'The kernel died (segmentation fault, SIGSEGV); it was restarted and all variables were cleared.',
    );
    const skipped = await queued;
    assert.deepStrictEqual([skipped.ok, skipped.skipped], [false, true]);
    const fresh = await run('typeof x');
    assert.deepStrictEqual(fresh.values, ["'undefined'"]);
    assert.notStrictEqual(s.pid, before);
    assert.ok(!alive(before));
    assert.deepStrictEqual((await runOther('kept + 1')).values, ['42']);
  });

  it("a native fault through koffi (memset on a null pointer) is a kernel death, not the host's", async () => {
    const s = open();
    const run = runner(s);
    const koffi = JSON.stringify(require.resolve('koffi'));
    const r = await run(
      `const k = require(${koffi});\nconst libc = k.load('libc.so.6');\nconst memset = libc.func('void *memset(void *s, int c, size_t n)');\nmemset(null, 1, 64);`,
    );
    assert.strictEqual(
      r.error?.message,
      'The kernel died (segmentation fault, SIGSEGV); it was restarted and all variables were cleared.',
    );
    assert.deepStrictEqual((await run('1 + 1')).values, ['2']);
  });

  it('process.exit(3) in a cell: the same recovery, naming the exit code', async () => {
    const s = open();
    const run = runner(s);
    const r = await run('process.exit(3)');
    assert.strictEqual(
      r.error?.message,
      'The kernel died (it exited with code 3); it was restarted and all variables were cleared.',
    );
    assert.deepStrictEqual((await run('2 * 21')).values, ['42']);
  });

  it('a cell that allocates without bound hits the memory limit, named with its source', async () => {
    const s = open({ memoryMB: 300, memorySource: 'setting synthad.kernelMemoryMB' });
    const run = runner(s);
    const r = await run(
      'const hoard: Float64Array[] = [];\nwhile (true) hoard.push(new Float64Array(1 << 20).fill(1));',
    );
    assert.strictEqual(r.error?.name, 'KernelDied');
    assert.match(
      r.error!.message,
      /^The kernel died \(it used \d+ MB of memory, more than its limit of 300 MB, setting synthad\.kernelMemoryMB\); it was restarted and all variables were cleared\.$/,
    );
    const heap = await run(
      "const objects: object[] = [];\nwhile (true) objects.push({ n: objects.length, s: 'x'.repeat(8) + objects.length });",
    );
    assert.match(
      heap.error!.message,
      /^The kernel died \((it used \d+ MB of memory, more than its limit of 300 MB|out of memory: its JavaScript heap reached the limit of 300 MB), setting synthad\.kernelMemoryMB\); it was restarted and all variables were cleared\.$/,
    );
    assert.deepStrictEqual((await run('3')).values, ['3']);
  });

  it('a kernel that dies between cells says so in the next cell', async () => {
    const s = open();
    const run = runner(s);
    assert.ok((await run('setTimeout(() => process.exit(5), 100); 0')).ok);
    const before = s.pid;
    assert.ok(await waitFor(() => s.pid !== before, 5000));
    const next = await run('1');
    assert.strictEqual(
      next.stderr,
      'The kernel died (it exited with code 5) while no cell was running; it was restarted and all variables were cleared.\n',
    );
    assert.deepStrictEqual(next.values, ['1']);
  });

  it('raw process output of a cell reaches the cell', async () => {
    const run = runner(open());
    const r = await run(
      "process.stdout.write('raw out\\n'); process.stderr.write('raw err\\n'); await new Promise((r) => setTimeout(r, 100)); 0",
    );
    assert.strictEqual(r.stdout, 'raw out\n');
    assert.strictEqual(r.stderr, 'raw err\n');
  });

  it('leaves no kernel process behind: dispose ends it, and so does the death of its host', async () => {
    const s = open();
    await s.whenReady();
    const pid = s.pid;
    assert.ok(alive(pid));
    s.dispose();
    assert.ok(await waitFor(() => !alive(pid), 5000), 'the kernel outlived dispose');
    // A host process that is killed outright (as VS Code's extension host can be) takes its kernel along.
    const script = `const { KernelSession } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'extension', 'kernelSession.js'))});
      const s = new KernelSession(${JSON.stringify(KERNEL)}, { cwd: ${JSON.stringify(dir)} });
      s.whenReady().then(() => console.log(s.pid));`;
    const host = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const kernelPid = await new Promise<number>((resolve) =>
      host.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    assert.ok(alive(kernelPid));
    host.kill('SIGKILL');
    assert.ok(await waitFor(() => !alive(kernelPid), 5000), 'the kernel outlived its killed host');
  });
});
