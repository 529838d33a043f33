import { describe, expect, it } from 'vitest';
import { completionOfText, reportedCompletion } from '../../../shared/apim/completion';

describe('reportedCompletion', () => {
  it('reads an endTime at the top level or under properties, normalised to ISO', () => {
    expect(reportedCompletion({ status: 'Succeeded', endTime: '2026-03-01T12:30:00.1234567Z' })).toBe(
      '2026-03-01T12:30:00.123Z',
    );
    expect(reportedCompletion({ properties: { endTime: '2026-03-01T12:30:00+01:00' } })).toBe(
      '2026-03-01T11:30:00.000Z',
    );
  });
  it('is undefined for the live final answer: the service resource, which says nothing of the completion', () => {
    const live = {
      id: '/subscriptions/0/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1',
      etag: 'AAAAAAACXok=',
      properties: {
        provisioningState: 'Succeeded',
        targetProvisioningState: '',
        createdAtUtc: '2019-12-18T06:26:20Z',
      },
      // Not a completion time: the resource's last change by a caller (see completion.ts).
      systemData: { lastModifiedAt: '2019-12-18T06:26:20Z' },
    };
    expect(reportedCompletion(live)).toBeUndefined();
    expect(reportedCompletion(null)).toBeUndefined();
    expect(reportedCompletion({ endTime: 'not a time' })).toBeUndefined();
    expect(reportedCompletion({ endTime: 1_700_000_000 })).toBeUndefined();
  });
  it('parses the answer text; empty or non-JSON text says nothing', () => {
    expect(completionOfText('{"endTime":"2026-03-01T12:30:00Z"}')).toBe('2026-03-01T12:30:00.000Z');
    expect(completionOfText('')).toBeUndefined();
    expect(completionOfText(null)).toBeUndefined();
    expect(completionOfText('<html>')).toBeUndefined();
  });
});
