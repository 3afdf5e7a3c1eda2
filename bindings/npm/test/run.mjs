// Runs the package's tests the way a user meets the package: `npm pack`, install the tarball into
// a fresh consumer project, then Node's test runner, `tsc --noEmit` over a TypeScript consumer,
// and the example page in headless Chromium. Usage: node test/run.mjs (after `cargo xtask wasm`).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(fileURLToPath(import.meta.url), '../..');
const work = mkdtempSync(join(tmpdir(), 'xengage-npm-'));
const sh = (cmd, args, cwd) => {
  console.log(`$ (cd ${cwd}) ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
};

sh('npm', ['pack', '--pack-destination', work], pkg);
const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
const consumer = join(work, 'consumer');
cpSync(join(pkg, 'test/consumer'), consumer, { recursive: true });
writeFileSync(
  join(consumer, 'package.json'),
  JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
);
sh('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, tarball)], consumer);

sh('node', ['--test', '--test-reporter=spec', 'node.test.mjs', 'transport-parity.test.mjs', 'testing.test.mjs'], consumer);
sh(join(pkg, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], consumer);
process.env.XENGAGE_CONSUMER = consumer;
sh('node', ['--test', '--test-reporter=spec', join(pkg, 'test/chromium.test.mjs')], pkg);
console.log(`npm tests passed (consumer project in ${consumer})`);
