/**
 * `autoseg assign --source-table A --output-table B` against the real Trino that `npm test`
 * starts: run as a user runs it, the customers of A are scored inside Trino and B holds exactly
 * what the compiled model's SELECT gives, one row per customer of A, with the model beside it in
 * B_model; a second assign replaces both. A bad A or B is refused (exit 2) naming the table or
 * column. To keep the test short, only the first assign starts the command; the rest call its
 * helper (assignInTrino) in this process, with the command's exit-code mapping (classifyError).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { queryRows, trinoUrl } from '../helpers/trino';
import { writeLeftovers } from '../helpers/runOutputs';
import { assignInTrino } from '../../src/cli/assignInTrino';
import { classifyError, EXIT_BAD_INPUT } from '../../src/cli/exitCodes';
import { TrinoWarehouse } from '../../src/warehouse';
import { differenceFromSelect, fitCustomerModel } from '../warehouse/selectStaged';

const tag = `${process.pid}_${Date.now() % 1_000_000}`;
const OUTPUT = `memory.default.assigned_${tag}`;
const PLAIN = `memory.default.assign_plain_${tag}`;
const DUPLICATES = `memory.default.assign_dupes_${tag}`;
const tmp = mkdtempSync(join(tmpdir(), 'autoseg-assign-table-'));

after(async () => {
  for (const t of [OUTPUT, `${OUTPUT}_model`, PLAIN, DUPLICATES]) await queryRows(`DROP TABLE IF EXISTS ${t}`);
  rmSync(tmp, { recursive: true, force: true });
});

test('assign --source-table tpch.tiny.customer --output-table B: B equals the compiled SELECT, one row per customer; a rerun replaces it; a bad A or B exits 2 naming it', async () => {
  const { model, select } = await fitCustomerModel('tpch.tiny.customer', 4);
  const modelFile = join(tmp, 'model.json');
  writeFileSync(modelFile, JSON.stringify(model));

  const first = await runCli(['assign', '--model', modelFile, '--source-table', 'tpch.tiny.customer', '--output-table', OUTPUT], { TRINO_URL: trinoUrl() });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^assigned 1500 customers of tpch\\.tiny\\.customer to 4 segments: ${OUTPUT} created, the model in ${OUTPUT}_model\\n$`));
  assert.equal(await differenceFromSelect(OUTPUT, select), 0, 'B holds exactly the rows of the compiled SELECT');
  const [[rows, ids, runs, firstRun]] = await queryRows(`SELECT count(*), count(DISTINCT custkey), count(DISTINCT run_id), max(run_id) FROM ${OUTPUT}`);
  assert.deepEqual([Number(rows), Number(ids), Number(runs)], [1500, 1500, 1]);
  const [[modelRun, modelText]] = await queryRows(`SELECT run_id, model FROM ${OUTPUT}_model`);
  assert.equal(modelRun, firstRun);
  assert.deepEqual(JSON.parse(String(modelText)), model);

  // The rerun and the refusals below go through the command's helper, in this process.
  const second = await assignInTrino(new TrinoWarehouse({ server: trinoUrl() }), { model, sourceTable: 'tpch.tiny.customer', outputTable: OUTPUT });
  assert.deepEqual([second.outcome, second.rowCount, second.target], ['replaced', 1500, OUTPUT]);
  const [[rows2, secondRun]] = await queryRows(`SELECT count(*), max(run_id) FROM ${OUTPUT}`);
  assert.equal(Number(rows2), 1500);
  assert.equal(secondRun, second.runId);
  assert.notEqual(secondRun, firstRun, 'a new run replaced the table');
  assert.equal(await differenceFromSelect(OUTPUT, select), 0);
  assert.deepEqual(await writeLeftovers(`assigned_${tag}`), [], 'no staging, old or lock table left');

  await queryRows(`CREATE TABLE ${PLAIN} AS SELECT 1 AS x`);
  await queryRows(`CREATE TABLE ${DUPLICATES} AS SELECT * FROM tpch.tiny.customer UNION ALL SELECT * FROM tpch.tiny.customer WHERE custkey = 7`);
  const refused = async (sourceTable: string, outputTable: string, message: RegExp): Promise<void> => {
    await assert.rejects(assignInTrino(new TrinoWarehouse({ server: trinoUrl() }), { model, sourceTable, outputTable }), (e) => {
      const { code, message: text } = classifyError(e);
      assert.equal(code, EXIT_BAD_INPUT, text);
      assert.match(text, message);
      return true;
    });
  };
  await refused('tpch.tiny.no_such_table', OUTPUT, /^source table tpch\.tiny\.no_such_table: Trino TABLE_NOT_FOUND/);
  await refused('tpch.tiny.orders', OUTPUT, /^source table tpch\.tiny\.orders: the source has no column "nationkey", which the model uses as a feature/);
  await refused('tpch.tiny.nation', OUTPUT, /^source table tpch\.tiny\.nation has no column custkey, the model's user id column/);
  await refused(DUPLICATES, OUTPUT, new RegExp(`^source table ${DUPLICATES}: the user id column custkey has duplicates \\(1501 rows, 1500 distinct ids\\)`));
  await refused('tpch.tiny.customer', 'tpch.tiny.segments', /^cannot write the output table tpch\.tiny\.segments: catalog tpch does not accept CREATE TABLE/);
  await refused('tpch.tiny.customer', PLAIN, new RegExp(`^output table ${PLAIN}: ${PLAIN} exists and is not an autoseg output`));
  await refused(OUTPUT, `${OUTPUT}`, new RegExp(`^output table ${OUTPUT}: ${OUTPUT} is the source table`));
  const [[kept]] = await queryRows(`SELECT count(*) FROM ${OUTPUT} WHERE run_id = '${String(secondRun)}'`);
  assert.equal(Number(kept), 1500, 'B untouched by the refused runs');
  assert.deepEqual(await writeLeftovers(`assigned_${tag}`), []);
});
