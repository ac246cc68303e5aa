// Temporary: the Redis section alone.
import { REDIS_URL } from '@tollgate/test-utils';
import { countRedisRoundTrips } from './cases/redis.js';
import { serverTimes } from './cases/redis-server-time.js';

console.log(JSON.stringify(await countRedisRoundTrips(REDIS_URL)));
console.log(JSON.stringify(await serverTimes(300)));
