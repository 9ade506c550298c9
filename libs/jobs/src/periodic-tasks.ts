import { Injectable, Logger } from '@nestjs/common';

export interface PeriodicTask {
  /** Names it in logs, e.g. `inventory.pull-actual-state`. */
  name: string;
  /** How often it runs; 0 or less: never. */
  intervalMs: () => number;
  /** Short work that starts longer work (enqueues jobs), so one slow task delays no other for long. */
  run: () => Promise<void>;
}

/**
 * Work a context wants done on a schedule across the whole deployment, e.g. enqueueing a pull of every
 * environment's actual state. Contexts register tasks at start; the worker runtime calls `runDue` from
 * its leader's maintenance round, so each task runs on one process at a time, whatever the number of
 * workers. A task that throws is logged and runs again at its next interval.
 */
@Injectable()
export class PeriodicTasks {
  private readonly log = new Logger('PeriodicTasks');
  private readonly tasks: Array<PeriodicTask & { lastRun: number; running?: Promise<void> }> = [];

  register(task: PeriodicTask): void {
    if (this.tasks.some((t) => t.name === task.name)) throw new Error(`Two periodic tasks are named ${task.name}`);
    this.tasks.push({ ...task, lastRun: 0 });
  }

  names(): string[] {
    return this.tasks.map((t) => t.name);
  }

  /**
   * Starts every task whose interval has passed since its last run and that is not still running; does
   * not wait for them (a long task, e.g. queueing a pull of every environment, must not hold up the
   * leader's other maintenance). Returns the names started.
   */
  runDue(now = Date.now()): string[] {
    const started: string[] = [];
    for (const task of this.tasks) {
      const every = task.intervalMs();
      if (every <= 0 || task.running || now - task.lastRun < every) continue;
      task.lastRun = now;
      started.push(task.name);
      task.running = task
        .run()
        .catch((err: Error) => this.log.warn(`periodic task ${task.name} failed: ${err.message}`))
        .finally(() => {
          task.running = undefined;
        });
    }
    return started;
  }

  /** Waits for the tasks still running (at shutdown, and in tests). */
  async settled(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.running));
  }
}
