import { loadAreas } from '../../helpers/app';

/** The relay and on-premises functions only (other areas' functions need settings these tests do not give). */
export const relayApp = async (): Promise<void> => {
  const { relay } = await import('../../../functions/names/relay');
  const { onprem } = await import('../../../functions/names/onprem');
  const { durable } = await import('../../../functions/names/durable');
  await loadAreas(relay, onprem, durable);
};
