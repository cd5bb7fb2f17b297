import { AwsApiError } from './types.js';

/**
 * The errors ECS answers, with the `__type` and the message text AWS uses (where AWS's own
 * text is known; see the report of the ECS emulation for the few that are not).
 */

/** A request parameter ECS refuses (its model has no ValidationException). */
export const invalidParameter = (message: string) => new AwsApiError('InvalidParameterException', message);

/** ECS's catch-all for bad client input, used by the task definition operations. */
export const clientException = (message: string) => new AwsApiError('ClientException', message);

export const clusterNotFound = () => new AwsApiError('ClusterNotFoundException', 'Cluster not found.');

export const serviceNotFound = () => new AwsApiError('ServiceNotFoundException', 'Service not found.');

export const serviceNotActive = () => new AwsApiError('ServiceNotActiveException', 'Service was not ACTIVE.');
