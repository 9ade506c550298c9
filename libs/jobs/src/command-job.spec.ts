import { CommandBus, ICommand } from '@nestjs/cqrs';
import { commandJob } from './command-job';
import { JOB_HANDLER_METADATA, JobInfo } from './job-handler';

class Ping implements ICommand {
  constructor(
    readonly target: string,
    readonly key: string,
  ) {}
}

describe('commandJob', () => {
  const Job = commandJob('test.ping', 'PingJob', (p: { target: string }, job: JobInfo) => new Ping(p.target, job.idempotencyKey));

  it('declares a named job handler provider that CommandBus is injected into', () => {
    expect(Job.name).toBe('PingJob');
    expect(Reflect.getMetadata(JOB_HANDLER_METADATA, Job)).toBe('test.ping');
    expect(Reflect.getMetadata('design:paramtypes', Job)).toEqual([CommandBus]);
  });

  it('runs by dispatching the command built from the payload and the job, and returns its result', async () => {
    const sent: ICommand[] = [];
    const bus = { execute: async (c: ICommand) => (sent.push(c), 'done') } as unknown as CommandBus;
    const job = { id: 'j1', idempotencyKey: 'j1' } as JobInfo;
    await expect(new Job(bus).run({ target: 'env-1' }, job)).resolves.toBe('done');
    expect(sent).toEqual([new Ping('env-1', 'j1')]);
  });

  it('hands the result of the command and the job to `then`, and answers what it returns', async () => {
    const Then = commandJob('test.ping', 'PingThenJob', (p: { target: string }) => new Ping(p.target, ''), (r: string, job: JobInfo) => `${r} for ${job.id}`);
    const bus = { execute: async () => 'pong' } as unknown as CommandBus;
    await expect(new Then(bus).run({ target: 'env-1' }, { id: 'j2' } as JobInfo)).resolves.toBe('pong for j2');
  });
});
