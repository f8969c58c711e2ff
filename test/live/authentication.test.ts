import { describe, expect, inject, it } from 'vitest';
import { cli, eventually, Service } from './processes.ts';
import { sampleCandles, worldsFor, withoutLastWindows } from './liveData.ts';

const brokers = inject('brokers');
const saslBrokers = inject('saslBrokers');
const tlsBrokers = inject('tlsBrokers');
const tlsCa = inject('tlsCa');
const newWorld = worldsFor(brokers);

// The stack's SASL listener has one local test user (stack/stack.sh).
const USER = 'candlestream';
const PASSWORD = 'candlestream-secret';
const WINDOW = ['--to', '2023-03-01T06:00:00Z'];

describe('SASL and TLS to the brokers', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    '%s: the service authenticates, processes, and never logs the password',
    async (mechanism) => {
      if (!saslBrokers) throw new Error('no SASL listener: run against stack/stack.sh, or set KAFKA_SASL_BROKERS');
      const w = await newWorld();
      const signals = withoutLastWindows((await w.backfill(['--source', sampleCandles, ...WINDOW])).signals);
      await w.createInputTopics(2);
      await w.publish(['--source', sampleCandles, ...WINDOW]);
      const args = w.serviceArgs(['--brokers', saslBrokers, '--sasl-mechanism', mechanism, '--sasl-username', USER], { features: false });
      const service = new Service(args, { CANDLESTREAM_SASL_PASSWORD: PASSWORD });
      await service.started();
      await eventually(
        () => w.read(w.topics.signals),
        (r) => r.length >= signals.length,
        60_000,
        'signals',
      );
      expect(await service.stop('SIGTERM')).toBe(0);
      expect(service.lines.find((l) => l.msg === 'starting')).toMatchObject({
        settings: { 'sasl-mechanism': mechanism, 'sasl-password': '***' },
      });
      expect(JSON.stringify(service.lines)).not.toContain(PASSWORD);
    },
  );

  it('a wrong password stops start-up with exit code 2, naming the settings, without printing it', async () => {
    if (!saslBrokers) throw new Error('no SASL listener: run against stack/stack.sh, or set KAFKA_SASL_BROKERS');
    const w = await newWorld();
    await w.createInputTopics(1);
    const r = await cli(
      ['run', ...w.serviceArgs(['--brokers', saslBrokers, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', USER])],
      { CANDLESTREAM_SASL_PASSWORD: 'not-the-password' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sasl-username\/--sasl-password: .*authentication failed/i);
    expect(r.stdout + r.stderr).not.toContain('not-the-password');
  });

  it('TLS: the service connects to a TLS listener that it trusts through --tls-ca, and processes', async () => {
    if (!tlsBrokers || !tlsCa) throw new Error('no TLS listener: run against stack/stack.sh, or set KAFKA_TLS_BROKERS and KAFKA_TLS_CA');
    const w = await newWorld();
    const signals = withoutLastWindows((await w.backfill(['--source', sampleCandles, ...WINDOW])).signals);
    await w.createInputTopics(2);
    await w.publish(['--source', sampleCandles, ...WINDOW]);
    const service = new Service(w.serviceArgs(['--brokers', tlsBrokers, '--tls', '--tls-ca', tlsCa], { features: false }));
    await service.started();
    await eventually(
      () => w.read(w.topics.signals),
      (r) => r.length >= signals.length,
      60_000,
      'signals',
    );
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
