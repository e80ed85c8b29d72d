import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { ABANDONED, abandonAtDeadline, Deadline, DeadlineExceeded } from './deadline.js';

describe('a hook deadline', () => {
  it('abandons work that outlives it, and tells its listeners once', async () => {
    const deadline = Deadline.after(20);
    let told = 0;
    deadline.whenPassed(() => told++);
    const slow = sleep(500, 'late');
    const outcome = await abandonAtDeadline(slow, deadline).catch((error: unknown) => error);
    expect(outcome).to.equal(ABANDONED);
    expect(told).to.equal(1);
    expect(deadline.passed).to.equal(true);
  });

  it('hands back what finishes in time and then fires nothing: cancelled listeners stay silent', async () => {
    const deadline = Deadline.after(30);
    let told = 0;
    const cancel = deadline.whenPassed(() => told++);
    expect(await abandonAtDeadline(Promise.resolve('verbs'), deadline)).to.equal('verbs');
    cancel();
    await sleep(60);
    expect(told).to.equal(0);
    expect(deadline.passed, 'the timer still passes the deadline').to.equal(true);
  });

  it('builds its AbortSignal on demand: asked late, it is already aborted with DeadlineExceeded', async () => {
    const deadline = Deadline.after(10);
    deadline.whenPassed(() => undefined);
    await sleep(30);
    expect(deadline.signal.aborted).to.equal(true);
    expect(deadline.signal.reason).to.be.instanceOf(DeadlineExceeded);
  });

  it('asked early, its signal aborts when the time comes', async () => {
    const deadline = Deadline.after(20);
    const signal = deadline.signal;
    expect(signal.aborted).to.equal(false);
    await sleep(50);
    expect(signal.aborted).to.equal(true);
  });

  it('once released (the hook is answered), never passes: its signal stays quiet', async () => {
    const deadline = Deadline.after(10);
    const signal = deadline.signal;
    let told = 0;
    deadline.whenPassed(() => told++);
    deadline.release();
    await sleep(40);
    expect(signal.aborted).to.equal(false);
    expect(told).to.equal(0);
    expect(deadline.passed).to.equal(false);
  });

  it('passNow ends it early (a shutdown abandoning a status delivery)', async () => {
    const deadline = Deadline.after(60_000);
    const pending = abandonAtDeadline(new Promise(() => undefined), deadline).catch((error: unknown) => error);
    deadline.passNow();
    expect(await pending).to.equal(ABANDONED);
    expect(deadline.signal.aborted).to.equal(true);
    deadline.release();
  });
});
