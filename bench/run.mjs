/**
 * npm run bench: runs every benchmark (compiled to dist-bench/) one after another on this Node,
 * prints each as it goes, and writes what they printed to bench/README.md with the machine it
 * ran on, so that the figures there are always one run's, on a named machine.
 *   node bench/run.mjs            (npm run bench runs it on Node 24, the Node Azure runs)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES = ['watch', 'coldStart', 'archive', 'inspect', 'restore', 'report', 'orgs', 'lockRace'];

function runBench(name) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist-bench/bench', `${name}.js`)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`bench/${name} exited with ${code}`))));
  });
}

const sections = [];
for (const name of BENCHES) sections.push(`## bench/${name}.ts\n\n\`\`\`\n${(await runBench(name)).trimEnd()}\n\`\`\`\n`);

const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
writeFileSync(
  join(root, 'bench/README.md'),
  `# Benchmark figures\n\nWritten by \`npm run bench\` (bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}: ${machine}.\n` +
    'Each figure is a ratio measured in this one run; on a shared machine, runs differ by tens of percent.\n\n' +
    sections.join('\n'),
);
