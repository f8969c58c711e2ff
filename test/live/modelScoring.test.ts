import { cpSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { difference, fearGreed, root, sampleCandles, withoutLastWindows, worldsFor } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const FIRST = ['--to', '2023-03-02T12:00:00Z'];
const SECOND = ['--from', '2023-03-02T12:00:00Z', '--to', '2023-03-04T00:00:00Z'];
const WHOLE = ['--to', '2023-03-04T00:00:00Z'];
const SWITCH = Date.parse('2023-03-02T12:00:00Z');

/** A fixture as version `version` of model directory `dir`, published the way train does (beside, then renamed). */
function publishVersion(dir: string, fixture: string, version: string): string {
  const temporary = join(dir, `.tmp-${version}`);
  cpSync(join(root, 'test/fixtures/models', fixture, '1'), temporary, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(temporary, 'manifest.json'), 'utf8'));
  writeFileSync(join(temporary, 'manifest.json'), JSON.stringify({ ...manifest, name: 'btc', version }));
  renameSync(temporary, join(dir, version));
  return join(dir, version);
}

describe('run --model on a real broker', () => {
  it('scores as backfill --model does, and takes a new model version without a restart', async () => {
    const w = await newWorld();
    const models = join(w.work, 'models');
    // LightGBM and a random forest from the Python fixtures, both ZipMap graphs, 1m, with ext_fear_greed.
    const v1 = publishVersion(models, 'lightgbm-zipmap', '1');
    const input = ['--source', sampleCandles, '--external', fearGreed];
    const withV1 = withoutLastWindows((await w.backfill([...input, ...WHOLE, '--model', v1])).signals);
    expect(new Set(withV1.map((s) => s.signal))).toEqual(new Set(['BUY', 'SELL', 'HOLD']));

    await w.publish([...input, ...FIRST]);
    const service = new Service(
      w.serviceArgs(['--external-names', 'fear_greed', '--model', models, '--model-poll-ms', '300'], { features: false }),
    );
    await service.started();
    const firstPart = withV1.filter((s) => s.ts < SWITCH - 60_000);
    const live1 = await eventually(
      () => w.read(w.topics.signals),
      (rows) => rows.length >= firstPart.length,
      120_000,
      'signals of the first part',
    );
    expect(difference(live1, firstPart)).toEqual({ extra: [], missing: [] });

    // Version 2 lands while the service runs; then the rest of the data.
    const v2 = publishVersion(models, 'sklearn-forest-zipmap', '2');
    await service.waitFor((l) => l.msg === 'model version loaded' && l.version === '2', 30_000);
    await w.publish(['--source', sampleCandles, ...SECOND]);
    const withV2 = withoutLastWindows((await w.backfill([...input, ...WHOLE, '--model', v2])).signals);
    const total = withV2.length;
    const live = await eventually(
      () => w.read(w.topics.signals),
      (rows) => rows.length >= total,
      120_000,
      'all signals',
    );
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(live.length).toBe(total);

    // Scored with version 1 before the switch, with version 2 after it (the candle before the switch
    // closes with the first candle after it): each part as backfill scores it with that version.
    const byVersion = (v: string) => live.filter((s) => s.model_version === v);
    expect(difference(byVersion('1'), firstPart)).toEqual({ extra: [], missing: [] });
    expect(
      difference(
        byVersion('2'),
        withV2.filter((s) => s.ts >= SWITCH - 60_000),
      ),
    ).toEqual({ extra: [], missing: [] });
    expect(await w.read(w.topics.deadLetter)).toEqual([]);
  });
});
