import { expect } from 'chai';
import { PluginCacheStore } from './plugin-cache-store.js';

describe('plugin cache', () => {
  it('keeps plugins and tenants apart, even for the same key', () => {
    const store = new PluginCacheStore();
    store.view('ivr-menu', 'AC-1').set('greeting', 'one');
    store.view('ivr-menu', 'AC-2').set('greeting', 'two');
    store.view('other', 'AC-1').set('greeting', 'three');
    expect(store.view('ivr-menu', 'AC-1').get('greeting')).to.equal('one');
    expect(store.view('ivr-menu', 'AC-2').get('greeting')).to.equal('two');
    expect(store.view('other', 'AC-1').get('greeting')).to.equal('three');
    store.view('ivr-menu', 'AC-1').delete('greeting');
    expect(store.view('ivr-menu', 'AC-1').get('greeting')).to.equal(undefined);
    expect(store.view('ivr-menu', 'AC-2').get('greeting')).to.equal('two');
  });

  it('stays within its entry bound, dropping the least recently used', () => {
    const store = new PluginCacheStore({ maxEntries: 3 });
    const cache = store.view('p', 'AC-1');
    for (const key of ['a', 'b', 'c']) cache.set(key, key);
    cache.get('a');
    cache.set('d', 'd');
    expect(store.size).to.equal(3);
    expect(cache.get('b')).to.equal(undefined);
    expect(cache.get('a')).to.equal('a');
  });

  it('expires entries after their TTL', async () => {
    const cache = new PluginCacheStore().view('p', 'AC-1');
    cache.set('short', 1, { ttlMs: 20 });
    expect(cache.get('short')).to.equal(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.get('short')).to.equal(undefined);
  });
});
