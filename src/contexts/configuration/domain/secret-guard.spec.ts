import { findSecretLikeEntries, keyWords } from './secret-guard';

const caught = (entries: Record<string, string>) => findSecretLikeEntries(entries).map((f) => f.key);

describe('the secret guard', () => {
  it.each([
    ['DB_PASSWORD', 'hunter2'],
    ['dbPassword', 'x'],
    ['POSTGRES_PWD', 'x'],
    ['SMTP_PASSPHRASE', 'x'],
    ['JWT_SECRET', 'x'],
    ['clientSecret', 'x'],
    ['GITHUB_TOKEN', 'x'],
    ['accessToken', 'x'],
    ['STRIPE_API_KEY', 'x'],
    ['apiKey', 'x'],
    ['TLS_PRIVATE_KEY', 'x'],
    ['AWS_ACCESS_KEY', 'x'],
    ['AWS_SECRET_ACCESS_KEY', 'x'],
    ['SENDGRID_KEY', 'x'],
    ['GCP_CREDENTIALS', '{}'],
  ])('refuses the key %s by its name', (key, value) => {
    expect(caught({ [key]: value })).toEqual([key]);
  });

  it.each([
    ['TLS_CERT', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'],
    ['SSH', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'],
    ['RSA', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'],
    ['SESSION', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['DATABASE_URL', 'postgres://app:s3cr3t@db.internal:5432/shop'],
    ['AMQP', 'amqps://user:pa55@mq.example.com/vhost'],
    ['MSSQL', 'Server=tcp:db.example.com,1433;Database=shop;User ID=app;Password=s3cr3t;'],
    ['STORAGE', 'DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=bXlrZXk=;EndpointSuffix=core.windows.net'],
    ['AWS', 'AKIAIOSFODNN7EXAMPLE'],
    ['GOOGLE', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
    ['GH', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['SLACK', 'xoxb-1234567890-abcdefghij'],
    ['STRIPE', 'sk_live_abcdefghijklmnop1234'],
    ['VAULT', 'hvs.CAESIJ1234567890abcdefghijklmnopq'],
  ])('refuses %s by the shape of its value', (key) => {
    const entries = {
      TLS_CERT: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
      SSH: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      RSA: '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      SESSION: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      DATABASE_URL: 'postgres://app:s3cr3t@db.internal:5432/shop',
      AMQP: 'amqps://user:pa55@mq.example.com/vhost',
      MSSQL: 'Server=tcp:db.example.com,1433;Database=shop;User ID=app;Password=s3cr3t;',
      STORAGE: 'DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=bXlrZXk=;EndpointSuffix=core.windows.net',
      AWS: 'AKIAIOSFODNN7EXAMPLE',
      GOOGLE: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      GH: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      SLACK: 'xoxb-1234567890-abcdefghij',
      STRIPE: 'sk_live_abcdefghijklmnop1234',
      VAULT: 'hvs.CAESIJ1234567890abcdefghijklmnopq',
    } as Record<string, string>;
    expect(caught({ [key]: entries[key] })).toEqual([key]);
  });

  it.each([
    ['LOG_LEVEL', 'debug'],
    ['DATABASE_URL', 'postgres://db.internal:5432/shop'],
    ['DATABASE_URL', 'postgres://app@db.internal:5432/shop'],
    ['PUBLIC_URL', 'https://shop.example.com/path?a=1'],
    ['TOKEN_URL', 'https://login.example.com/oauth2/token'],
    ['PASSWORD_FILE', '/run/secrets/db-password'],
    ['JWT_ISSUER', 'https://auth.example.com'],
    ['CACHE_KEY_PREFIX', 'shop:'],
    ['CACHE_KEY', 'v2'],
    ['PARTITION_KEY', 'tenantId'],
    ['PUBLIC_KEY', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI'],
    ['MONKEY_COUNT', '3'],
    ['FEATURE_FLAGS', 'checkout-v2,dark-mode'],
    ['GREETING', 'eyes on the road'],
    ['TIMEOUT_MS', '2500'],
    ['API_KEY_HEADER', 'X-Api-Key'],
    ['TLS_CERT', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'],
    ['CA_BUNDLE', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----'],
  ])('lets %s = %j through', (key, value) => {
    expect(caught({ [key]: value })).toEqual([]);
  });

  it('names every offending key, in order, and never the value', () => {
    const findings = findSecretLikeEntries({ Z_TOKEN: 'aaa', A: 'postgres://u:pw-12345@h/db', OK: '1' });
    expect(findings.map((f) => f.key)).toEqual(['A', 'Z_TOKEN']);
    expect(JSON.stringify(findings)).not.toContain('pw-12345');
  });

  it('splits key names into words at separators and camelCase humps', () => {
    expect(keyWords('dbPassword')).toEqual(['DB', 'PASSWORD']);
    expect(keyWords('STRIPE-api.key')).toEqual(['STRIPE', 'API', 'KEY']);
  });
});
