import { commandJob } from '@rcp/jobs';
import { ResealSecretBindingCommand } from '../commands/reseal-secret-binding/reseal-secret-binding.command';
import { BindingJobPayload, CONFIGURATION_JOBS } from '../configuration-jobs';

/** `configuration.reseal-secret-binding`: one binding's inline value, sealed again under the current master key. */
export const ResealSecretBindingJob = commandJob(CONFIGURATION_JOBS.resealSecretBinding, 'ResealSecretBindingJob', (p: BindingJobPayload) => new ResealSecretBindingCommand(p.bindingId));
