import { expect } from 'chai';
import { registerUnscopedPlugin, unscopedPluginBehind, type PluginFaultSink } from './plugin-call-scope.js';

const sink: PluginFaultSink = { strayError: () => undefined };

function errorFrom(file: string): Error {
  const error = new Error('left behind');
  error.stack = `Error: left behind\n    at Timeout.leftBehind (${file}:3:9)\n    at listOnTimeout (node:internal/timers:573:17)`;
  return error;
}

describe('stray errors of synchronous plugins, traced by stack', () => {
  it('finds the plugin whose folder is in the stack, and no longer once its last instance is disposed', () => {
    const prefix = 'file:///srv/plugins/menu/';
    const releaseFirst = registerUnscopedPlugin(prefix, 'menu', sink);
    const releaseSecond = registerUnscopedPlugin(prefix, 'menu', sink);
    const error = errorFrom(`${prefix}dist/index.js?graine-v=17`);
    expect(unscopedPluginBehind(error)?.plugin).to.equal('menu');
    expect(unscopedPluginBehind(errorFrom('file:///srv/plugins/menu-2/dist/index.js')), 'a sibling folder is another plugin').to.equal(undefined);

    releaseFirst();
    releaseFirst(); // releasing twice does not drop the other instance's registration
    expect(unscopedPluginBehind(error)?.plugin, 'one instance still live').to.equal('menu');
    releaseSecond();
    expect(unscopedPluginBehind(error), 'every instance disposed (a reload)').to.equal(undefined);
  });
});
