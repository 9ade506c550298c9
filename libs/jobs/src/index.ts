export * from './job-handler';
export * from './jobs.service';
export * from './job-runner';
export * from './redis-options';
export * from './jobs.module';
export * from './redis-probe';
export * from './command-job';
export * from './periodic-tasks';
