/** The verb array every path of the benchmark answers, so that every path moves the same bytes. */
export const BENCH_VERBS = [
  { verb: 'say', text: 'Thank you for calling. All our agents are busy; please hold.' },
  { verb: 'hangup' },
];
