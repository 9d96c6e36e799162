import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config';

describe('configuration', () => {
  it('When nothing is set, then the embedded defaults apply', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
  });

  it('When a variable is malformed, then loading fails and the message names it', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x/y' })).toThrow(/DATABASE_URL: must start with postgres/);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'no-port' })).toThrow(/TEMPORAL_ADDRESS/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('When real services are named, then they are used as given', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/casework',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SMTP_URL: 'smtp://mail:1025',
      API_PORT: '8080',
    });
    expect(config).toMatchObject({
      DATABASE_URL: 'postgresql://u:p@db:5432/casework',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SMTP_URL: 'smtp://mail:1025',
      API_PORT: 8080,
    });
  });
});
