import { ConnectionOptions } from 'bullmq';
import { redisConnection } from '@rcp/config';

export const bullConnection = (url: string): ConnectionOptions => redisConnection(url) as unknown as ConnectionOptions;
