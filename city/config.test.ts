import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/venue-harness.ts';
import { loadHubConfigFile } from './config.ts';

function configFile(text: string): string {
  const file = join(tempDir('halledge-city-config-'), 'city.yaml');
  writeFileSync(file, text);
  return file;
}

describe('the hub config file', () => {
  it('reads YAML and resolves its paths against the file', () => {
    const file = configFile(
      'store: { sqlite: db/hub.db }\nkey: hub.key\nhttp: { port: 9401, host: 0.0.0.0 }\nregister: { gaoping: keys/gaoping.pub }\nenrol: [qinshui]\n',
    );
    const dir = join(file, '..');
    expect(loadHubConfigFile(file)).toEqual({
      store: { sqlite: join(dir, 'db/hub.db') },
      key: join(dir, 'hub.key'),
      http: { port: 9401, host: '0.0.0.0' },
      register: { gaoping: join(dir, 'keys/gaoping.pub') },
      enrol: ['qinshui'],
    });
    expect(loadHubConfigFile(configFile('store: { postgres: "postgres://hub@db/city", poolSize: 20 }\n'))).toEqual({
      store: { postgres: 'postgres://hub@db/city', poolSize: 20 },
    });
  });

  it.each([
    ['http: { port: nine }\n', /\/http\/port: must be integer/],
    ['http: { port: 70000 }\n', /\/http\/port: must be <= 65535/],
    ['store: { mysql: "mysql://db" }\n', /\/store: expected \{ sqlite: file \} or \{ postgres: postgres:\/\/… URL/],
    ['store: { postgres: "db.example" }\n', /\/store: expected/],
    ['mqtt: "tcp://broker"\n', /\/mqtt: must match pattern/],
    ['enrol: gaoping\n', /\/enrol: must be array/],
    ['listen: 9400\n', /\/: must NOT have additional properties "listen"/],
    ['store: [\n', /city\.yaml: /],
  ])('refuses %j naming the field', (text, error) => {
    expect(() => loadHubConfigFile(configFile(text))).toThrow(error);
  });
});
