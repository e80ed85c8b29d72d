import { expect } from 'chai';
import { createFakeClock, createPluginHarness } from '@graine/sdk/testing';
import businessHours, { type BusinessHoursOptions } from './index.js';

const weekdays = ['09:00-17:00'];
const base: BusinessHoursOptions = {
  timeZone: 'America/New_York',
  schedule: { monday: weekdays, tuesday: weekdays, wednesday: weekdays, thursday: weekdays, friday: weekdays },
  open: { dial: ['+15550001111', 'sip:desk@pbx.example.com'], message: 'Connecting you now.', timeout: 25 },
  closed: { message: 'We are closed. Please leave a message.', voicemail: 'sip:voicemail@pbx.example.com' },
};

const OPEN = [
  { verb: 'say', text: 'Connecting you now.' },
  { verb: 'dial', target: [{ type: 'phone', number: '+15550001111' }, { type: 'sip', sipUri: 'sip:desk@pbx.example.com' }], timeout: 25 },
  { verb: 'hangup' },
];
const CLOSED = [
  { verb: 'say', text: 'We are closed. Please leave a message.' },
  { verb: 'dial', target: [{ type: 'sip', sipUri: 'sip:voicemail@pbx.example.com' }] },
  { verb: 'hangup' },
];

/** Answers a call at each instant (UTC) with the injected clock. */
async function answersAt(options: BusinessHoursOptions, instants: string[]): Promise<Array<'open' | 'closed'>> {
  const clock = createFakeClock();
  const harness = await createPluginHarness(businessHours, options, { clock });
  const answers: Array<'open' | 'closed'> = [];
  for (const instant of instants) {
    clock.set(instant);
    const verbs = await harness.callHook();
    answers.push(JSON.stringify(verbs) === JSON.stringify(OPEN) ? 'open' : JSON.stringify(verbs) === JSON.stringify(CLOSED) ? 'closed' : (expect.fail(`unexpected verbs ${JSON.stringify(verbs)}`) as never));
  }
  return answers;
}

describe('business-hours plugin', () => {
  it('dials every target during opening hours and offers voicemail outside them', async () => {
    // Monday 2026-01-05, New York is UTC-5 in winter.
    expect(await answersAt(base, ['2026-01-05T13:59:00Z', '2026-01-05T14:00:00Z', '2026-01-05T21:59:00Z', '2026-01-05T22:00:00Z'])).to.deep.equal([
      'closed',
      'open',
      'open',
      'closed',
    ]);
  });

  it('stays closed at the weekend', async () => {
    expect(await answersAt(base, ['2026-01-10T15:00:00Z', '2026-01-11T15:00:00Z'])).to.deep.equal(['closed', 'closed']);
  });

  it('opens at 09:00 local time on the Monday after clocks go forward (New York, 2026-03-08)', async () => {
    // Before the change 09:00 is 14:00 UTC; after it, 13:00 UTC. A fixed offset would open an hour late.
    expect(await answersAt(base, ['2026-03-06T13:30:00Z', '2026-03-06T14:00:00Z', '2026-03-09T12:59:00Z', '2026-03-09T13:00:00Z', '2026-03-09T20:59:00Z', '2026-03-09T21:00:00Z'])).to.deep.equal(
      ['closed', 'open', 'closed', 'open', 'open', 'closed'],
    );
  });

  it('follows the wall clock through the skipped hour itself', async () => {
    // 2026-03-08 02:00 EST does not exist: 06:59 UTC reads 01:59, one minute later it is 03:00 EDT.
    const early = { ...base, schedule: { sunday: ['03:00-04:00'] } };
    expect(await answersAt(early, ['2026-03-08T06:59:00Z', '2026-03-08T07:00:00Z', '2026-03-08T07:59:00Z', '2026-03-08T08:00:00Z'])).to.deep.equal([
      'closed',
      'open',
      'open',
      'closed',
    ]);
  });

  it('is open during both passes of the repeated hour when clocks go back (New York, 2026-11-01)', async () => {
    const night = { ...base, schedule: { sunday: ['01:00-02:00'] } };
    // 01:30 EDT is 05:30 UTC, 01:30 EST is 06:30 UTC; 02:00 EST (07:00 UTC) is past the range.
    expect(await answersAt(night, ['2026-11-01T04:59:00Z', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-01T07:00:00Z'])).to.deep.equal([
      'closed',
      'open',
      'open',
      'closed',
    ]);
  });

  it('opens at 09:00 local time on both sides of the autumn change in Paris (2026-10-25)', async () => {
    const paris = { ...base, timeZone: 'Europe/Paris' };
    // Friday before: CEST, 09:00 = 07:00 UTC. Monday after: CET, 09:00 = 08:00 UTC.
    expect(await answersAt(paris, ['2026-10-23T06:59:00Z', '2026-10-23T07:00:00Z', '2026-10-26T07:00:00Z', '2026-10-26T08:00:00Z'])).to.deep.equal([
      'closed',
      'open',
      'closed',
      'open',
    ]);
  });

  it('stays closed on a holiday, judged by the local date rather than the UTC date', async () => {
    const newYear = { ...base, schedule: { thursday: ['00:00-24:00'], friday: ['00:00-24:00'] }, holidays: ['2027-01-01'] };
    // 2027-01-01T03:00Z is still Thursday 22:00 on 31 December in New York; 05:00Z is local New Year's Day.
    expect(await answersAt(newYear, ['2027-01-01T03:00:00Z', '2027-01-01T05:00:00Z', '2027-01-01T20:00:00Z'])).to.deep.equal(['open', 'closed', 'closed']);
  });

  it('hangs up after the closed message when no voicemail is configured', async () => {
    const harness = await createPluginHarness(businessHours, { ...base, closed: { message: 'Closed.' } }, { clock: createFakeClock('2026-01-10T15:00:00Z') });
    expect(await harness.callHook()).to.deep.equal([{ verb: 'say', text: 'Closed.' }, { verb: 'hangup' }]);
  });

  it('refuses an unknown time zone or a range that ends before it starts at setup', async () => {
    await createPluginHarness(businessHours, { ...base, timeZone: 'Mars/Olympus' }).then(
      () => expect.fail('setup should fail'),
      (error: Error) => expect(error.message).to.contain('unknown time zone "Mars/Olympus"'),
    );
    await createPluginHarness(businessHours, { ...base, schedule: { monday: ['18:00-09:00'] } }).then(
      () => expect.fail('setup should fail'),
      (error: Error) => expect(error.message).to.contain('monday 18:00-09:00 ends before it starts'),
    );
  });
});
