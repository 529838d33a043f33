import { describe, expect, it } from 'vitest';
import { decideFlowAdmission, FLOW_TICKET_MAX_AGE_MS, inputSha256 } from '../../../shared/steps/tickets';

/** Issue 20: a failover flow started at the top level runs only with the ticket Lifeboat wrote. */
describe('decideFlowAdmission', () => {
  const input = { site: 'dc1', vms: ['vm-01'], mode: 'failover' };
  const start = { name: 'vmFailback', instanceId: 'i1', input };
  const now = new Date('2026-03-02T08:00:00Z');
  const ticket = {
    instanceId: 'i1',
    name: 'vmFailback',
    inputSha256: inputSha256(input),
    writtenAt: now.toISOString(),
  };

  it('admits the start its ticket records, whatever the key order', () => {
    expect(
      decideFlowAdmission(
        { ...start, input: { mode: 'failover', vms: ['vm-01'], site: 'dc1' } },
        ticket,
        now,
      ),
    ).toEqual({
      admitted: true,
    });
  });
  it('refuses no ticket, another input or flow, and a stale ticket', () => {
    expect(decideFlowAdmission(start, undefined, now)).toMatchObject({ code: 'NotStartedByLifeboat' });
    expect(decideFlowAdmission({ ...start, input: { ...input, vms: ['dc-01'] } }, ticket, now)).toMatchObject(
      {
        code: 'TicketMismatch',
      },
    );
    expect(decideFlowAdmission({ ...start, name: 'runAgentCommand' }, ticket, now)).toMatchObject({
      code: 'TicketMismatch',
    });
    const late = new Date(now.getTime() + FLOW_TICKET_MAX_AGE_MS + 1);
    expect(decideFlowAdmission(start, ticket, late)).toMatchObject({ code: 'TicketExpired' });
  });
});
