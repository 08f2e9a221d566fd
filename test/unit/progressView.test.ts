import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, ProgressView, stageDetail, type RunSnapshot } from '../../src/cli/progressView';
import { startLines } from '../../src/cli/runCommand';
import { externalUiUrl, workflowUiLink } from '../../src/cli/temporalUi';
import type { RunProgress } from '../../src/workflows/progress';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

/** A stream and a clock the test moves by hand. */
function fakes(isTTY: boolean, columns = 200) {
  const writes: string[] = [];
  const clock = { t: T0 };
  const out = { isTTY, columns, write: (s: string) => writes.push(s) };
  return { writes, clock, out, now: () => clock.t };
}

function snap(p: Partial<RunProgress>, activities: RunSnapshot['activities'] = []): RunSnapshot {
  return { progress: { stage: 'check', completed: [], kScored: 0, kTotal: 0, ...p }, runStartedAt: T0, activities };
}

const done = (...stages: [RunProgress['completed'][number]['stage'], number][]) => stages.map(([stage, ms]) => ({ stage, ms }));

test('durations read as seconds, then minutes, then hours', () => {
  assert.equal(formatDuration(420), '0.4 s');
  assert.equal(formatDuration(12_340), '12 s');
  assert.equal(formatDuration(245_000), '4m05s');
  assert.equal(formatDuration(3_720_000), '1h02m');
  assert.equal(formatDuration(-5), '0.0 s', 'a clock behind the server never shows a negative time');
});

test('the stage detail: k scored, rows read and written out of their totals, iterations, retries', () => {
  const engine = { mode: 'trino' as const, reason: 'r', sourceRows: 150_000 };
  assert.equal(stageDetail(snap({ stage: 'score', kScored: 3, kTotal: 9 }, [{ type: 'scoreCandidate', attempt: 1, details: { stage: 'score', k: 4 } }])), '3/9 k scored');
  assert.equal(
    stageDetail(snap({ stage: 'extract', engine: { ...engine, mode: 'worker' } }, [{ type: 'extractSource', attempt: 1, details: { stage: 'extract', rowsRead: 65_536 } }])),
    '65,536/150,000 rows read',
  );
  assert.equal(
    stageDetail(snap({ stage: 'extract' }, [{ type: 'extractSource', attempt: 1, details: { stage: 'extract', rowsRead: 2048 } }])),
    '2,048 rows read',
    'no total when the source was not counted',
  );
  assert.equal(
    stageDetail(snap({ stage: 'extract', engine }, [{ type: 'sampleSource', attempt: 1, details: { stage: 'sample', rowsRead: 1000 } }]), { trainingSampleSize: 200_000 }),
    'reading the training sample, 1,000/150,000 rows read',
  );
  assert.equal(
    stageDetail(snap({ stage: 'write', rows: 5000 }, [{ type: 'writeSegments', attempt: 1, details: { step: 'staging segments', rowsWritten: 4096 } }])),
    'staging segments, 4,096/5,000 rows written',
  );
  assert.equal(
    stageDetail(snap({ stage: 'write', rows: 5000 }, [{ type: 'writeSegments', attempt: 1, details: { step: 'staging segments: CREATE TABLE AS SELECT', rowsWritten: 0 } }])),
    'staging segments: CREATE TABLE AS SELECT',
  );
  assert.equal(
    stageDetail(snap({ stage: 'cluster', chosenK: 5 }, [{ type: 'fitSegments', attempt: 1, details: { stage: 'cluster', step: 'refine', k: 5, iteration: 3 } }]), { maxIter: 300 }),
    'k = 5, Lloyd refinement in Trino, iteration 3 (at most 300)',
  );
  assert.equal(stageDetail(snap({ stage: 'engineer' }, [{ type: 'engineerFeatures', attempt: 1, details: { stage: 'engineer' } }])), '');
  assert.equal(
    stageDetail(
      snap({ stage: 'score', kScored: 1, kTotal: 2 }, [
        { type: 'scoreCandidate', attempt: 3, lastFailure: 'Trino is restarting' },
        { type: 'scoreCandidate', attempt: 1 },
      ]),
    ),
    '1/2 k scored, attempt 3: Trino is restarting',
  );
});

test('without a TTY: timestamped plain lines, one per stage change and per finished stage, not one per poll', () => {
  const f = fakes(false);
  const view = new ProgressView(f.out, { now: f.now, changeIntervalMs: 10_000, quietIntervalMs: 60_000 });
  view.update(snap({ stage: 'check', stageStartedAt: T0 }));
  f.clock.t += 1_000;
  const extract = (rowsRead: number) =>
    snap({ stage: 'extract', stageStartedAt: T0 + 800, completed: done(['check', 800]), engine: { mode: 'worker', reason: 'the source is a file', sourceRows: null } }, [
      { type: 'extractSource', attempt: 1, details: { stage: 'extract', rowsRead } },
    ]);
  // Polled every second for 25 s, the row count changing each time: a line at the change of
  // stage and then one every 10 s, not 25.
  for (let i = 0; i < 25; i++) {
    view.update(extract(1000 * (i + 1)));
    f.clock.t += 1_000;
  }
  // Nothing changes for two minutes: one line a minute shows the stage is still running.
  for (let i = 0; i < 120; i++) {
    view.update(extract(25_000));
    f.clock.t += 1_000;
  }
  view.update(snap({ stage: 'done', completed: done(['check', 800], ['extract', 145_000]), rows: 25_000 }));
  view.finish();
  const text = f.writes.join('');
  assert.ok(!/[\r\x1b]/.test(text), 'no carriage return or escape code');
  assert.ok(
    f.writes.every((w) => w.endsWith('\n')),
    'every write is whole lines',
  );
  assert.deepEqual(text.trimEnd().split('\n'), [
    '2026-03-01T10:00:00.000Z autoseg: [1/10] check (stage 0.0 s, run 0.0 s)',
    '2026-03-01T10:00:01.000Z autoseg: [1/10] check done in 0.8 s, engine worker: the source is a file (run 1.0 s)',
    '2026-03-01T10:00:01.000Z autoseg: [2/10] extract: 1,000 rows read (stage 0.2 s, run 1.0 s)',
    '2026-03-01T10:00:11.000Z autoseg: [2/10] extract: 11,000 rows read (stage 10 s, run 11 s)',
    '2026-03-01T10:00:21.000Z autoseg: [2/10] extract: 21,000 rows read (stage 20 s, run 21 s)',
    // The last change, 10 s after the line before it; then a minute of nothing.
    '2026-03-01T10:00:31.000Z autoseg: [2/10] extract: 25,000 rows read (stage 30 s, run 31 s)',
    '2026-03-01T10:01:31.000Z autoseg: [2/10] extract: 25,000 rows read (stage 1m30s, run 1m31s)',
    '2026-03-01T10:02:26.000Z autoseg: [2/10] extract done in 2m25s, 25,000 rows (run 2m26s)',
  ]);
});

test('without a TTY: stages finished between two polls each get their line, short ones included', () => {
  const f = fakes(false);
  const view = new ProgressView(f.out, { now: f.now });
  view.update(snap({ stage: 'score', stageStartedAt: T0, kScored: 0, kTotal: 4, completed: done(['check', 10], ['extract', 20], ['engineer', 30]) }));
  f.clock.t += 2_000;
  view.update(snap({ stage: 'cluster', stageStartedAt: T0 + 1500, chosenK: 4, completed: done(['check', 10], ['extract', 20], ['engineer', 30], ['score', 1400], ['choose', 0]) }));
  const lines = f.writes.join('').trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.replace(/^\S+ autoseg: /, '')),
    [
      '[1/10] check done in 0.0 s (run 0.0 s)',
      '[2/10] extract done in 0.0 s (run 0.0 s)',
      '[3/10] engineer done in 0.0 s (run 0.0 s)',
      '[4/10] score: 0/4 k scored (stage 0.0 s, run 0.0 s)',
      '[4/10] score done in 1.4 s (run 2.0 s)',
      '[5/10] choose done in 0.0 s, k = 4 (run 2.0 s)',
      '[6/10] cluster: k = 4 (stage 0.5 s, run 2.0 s)',
    ],
  );
});

test('on a TTY: one line redrawn in place, cut to the terminal width, ended once', () => {
  const f = fakes(true, 60);
  const view = new ProgressView(f.out, { now: f.now });
  view.update(snap({ stage: 'score', stageStartedAt: T0, kScored: 1, kTotal: 9 }));
  f.clock.t += 1_000;
  view.update(snap({ stage: 'score', stageStartedAt: T0, kScored: 2, kTotal: 9 }));
  f.clock.t += 1_000;
  view.update(snap({ stage: 'write', stageStartedAt: T0 + 1900, rows: 150_000 }, [{ type: 'writeSegments', attempt: 1, details: { step: 'staging segments', rowsWritten: 65_536 } }]));
  view.finish();
  view.finish();
  assert.deepEqual(f.writes, [
    '\r[4/10] score: 1/9 k scored (stage 0.0 s, run 0.0 s)\x1b[K',
    '\r[4/10] score: 2/9 k scored (stage 1.0 s, run 1.0 s)\x1b[K',
    // Too long: the detail is cut, the times stay.
    '\r[8/10] write: staging segments, 6… (stage 0.1 s, run 2.0 s)\x1b[K',
    '\n',
  ]);
  assert.equal(f.writes[2].length, '\r'.length + 59 + '\x1b[K'.length, 'exactly the width but one');
});

test('a run that started before the workflow reported stage starts: the stage time counts from when the view saw it', () => {
  const f = fakes(false);
  const view = new ProgressView(f.out, { now: f.now });
  f.clock.t += 4_000;
  view.update(snap({ stage: 'engineer' }));
  f.clock.t += 61_000;
  view.update(snap({ stage: 'engineer' }));
  assert.match(f.writes[1], /\[3\/10\] engineer \(stage 1m01s, run 1m05s\)\n$/);
});

test('the Temporal UI link: the embedded server, AUTOSEG_TEMPORAL_UI_URL, Temporal Cloud, or none', () => {
  assert.equal(workflowUiLink('http://127.0.0.1:8233/', 'default', 'autoseg-a b', 'r-1'), 'http://127.0.0.1:8233/namespaces/default/workflows/autoseg-a%20b/r-1');
  assert.equal(externalUiUrl('temporal.internal:7233', { AUTOSEG_TEMPORAL_UI_URL: 'https://temporal-ui.internal/' }), 'https://temporal-ui.internal');
  assert.equal(externalUiUrl('prod.a1b2c.tmprl.cloud:7233', {}), 'https://cloud.temporal.io');
  assert.equal(externalUiUrl('us-east-1.aws.api.temporal.io:7233', {}), 'https://cloud.temporal.io');
  assert.equal(externalUiUrl('temporal.internal:7233', {}), undefined);
  assert.throws(() => externalUiUrl('x:7233', { AUTOSEG_TEMPORAL_UI_URL: 'temporal-ui:8080' }), /must be an http or https URL/);
  assert.throws(() => externalUiUrl('x:7233', { AUTOSEG_TEMPORAL_UI_URL: 'not a url' }), /not a URL/);

  assert.deepEqual(startLines({ namespace: 'default', embedded: true, uiUrl: 'http://127.0.0.1:40001' }, 'autoseg-x', 'run-1'), [
    'autoseg: run autoseg-x started (Temporal run id run-1)',
    'autoseg: Temporal UI: http://127.0.0.1:40001/namespaces/default/workflows/autoseg-x/run-1',
  ]);
  const external = startLines({ namespace: 'prod', embedded: false }, 'autoseg-x', 'run-1');
  assert.match(external[0], /`autoseg status autoseg-x` shows it from another shell/);
  assert.match(external[1], /set AUTOSEG_TEMPORAL_UI_URL/);
});
