// The import rules between HallEdge's top-level folders (docs/architecture.md), checked by `npm run lint`
// (`npm run depgraph` prints the folder graph). Tests, test fixtures and the demo may reach across: they start a
// whole venue, as app/ does. .dependency-cruiser-known-violations.json lists violations accepted for a while (empty now);
// a new one fails the check.
const tests = '(\\.test\\.ts$|^test/|-fixture\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'edge-stays-below-http',
      comment:
        'The domain (edge/) never imports the HTTP server, the pages or the composition root: app/ wires them together.',
      severity: 'error',
      from: { path: '^edge/', pathNot: tests },
      to: { path: '^(hall-server|dashboards|app)/' },
    },
    {
      name: 'hall-server-below-app',
      comment: 'hall-server/ serves the modules it is given; it does not start them (app/ does).',
      severity: 'error',
      from: { path: '^hall-server/', pathNot: tests },
      to: { path: '^app/' },
    },
    {
      name: 'product-not-on-tools',
      comment: 'What a venue runs never imports the simulators, the test harness, the fault runs or the benches.',
      severity: 'error',
      from: { path: '^(edge|hall-server|app|devices|config|dashboards)/', pathNot: tests },
      to: { path: '^(simulators|test|faults|bench)/' },
    },
    {
      name: 'contracts-import-no-domain',
      comment: 'Device contracts (devices/) are wire formats shared with the simulators: no domain, no HTTP.',
      severity: 'error',
      from: { path: '^devices/', pathNot: tests },
      to: { path: '^(edge|hall-server|app|dashboards)/' },
    },
    {
      name: 'simulators-speak-wire-protocols',
      comment:
        'A simulator plays a device or the city over the public protocols and the contract packages, never through edge/ internals (the demo starts a whole venue, as app/ does).',
      severity: 'error',
      from: { path: '^simulators/', pathNot: `${tests}|^simulators/demo` },
      to: { path: '^(edge|hall-server|app|dashboards)/' },
    },
    {
      name: 'city-hub-apart-from-venue',
      comment:
        'The city hub (city/) is its own service: it shares the wire contract and the record formats with edge/, never the venue HTTP server, pages or composition root; and a venue never imports the hub.',
      severity: 'error',
      from: { path: '^city/', pathNot: tests },
      to: { path: '^(hall-server|dashboards|app|simulators|test|faults|bench)/' },
    },
    {
      name: 'venue-never-imports-hub',
      comment:
        "What a venue runs reaches the city only over the sync protocol. The city console's page (built with the other pages) reads the hub's answer types.",
      severity: 'error',
      from: {
        path: '^(edge|hall-server|app|devices|config|dashboards|simulators)/',
        pathNot: `${tests}|^simulators/demo|^dashboards/city/`,
      },
      to: { path: '^city/' },
    },
    {
      name: 'city-page-reads-only-answer-types',
      comment: 'The city console page knows the hub only by the shapes of its answers (city/views/types.ts).',
      severity: 'error',
      from: { path: '^dashboards/city/' },
      to: { path: '^city/', pathNot: '^city/views/types\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
