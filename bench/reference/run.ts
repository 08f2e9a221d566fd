/**
 * Runs bench/reference/reference.py in the reference venv (created by setup.sh on first use).
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which this machine may set, are removed for the Python
 * process only, so numpy/scikit-learn run with OpenBLAS's own detection.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function referencePython(): string {
  const out = execFileSync('bash', [join(__dirname, 'setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = out.trim().split('\n');
  return lines[lines.length - 1];
}

export function runReference<T>(mode: 'bench' | 'parity' | 'wide', job: unknown, workDir: string): T {
  const python = referencePython();
  const jobPath = join(workDir, `${mode}-job.json`);
  writeFileSync(jobPath, JSON.stringify(job));
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = execFileSync(python, [join(__dirname, 'reference.py'), mode, jobPath], { encoding: 'utf8', env, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as T;
}
