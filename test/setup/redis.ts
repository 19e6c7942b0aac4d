/**
 * The Redis that scripts/test.sh starts (scripts/redis.sh) for the shared-state tests. It is passed
 * as TEST_REDIS_URL rather than REDIS_URL so that other tests keep the in-process default.
 * Missing -> the test fails, saying how to run it (never skipped).
 */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests with `npm test` (it starts a local redis-server), or set it to a Redis you can write to');
  return url;
}
