// A synthetic release history for the async and bench runs: `n`
// deployments over services, teams and environments, every 7th failed and
// followed by an incident.

export function syntheticHistory(n) {
  const services = ['checkout', 'payments', 'search', 'catalog', 'accounts'];
  const environments = ['staging', 'production'];
  const start = Date.parse('2025-01-01T00:00:00Z');
  const deployments = [];
  const incidents = [];
  for (let i = 0; i < n; i++) {
    const at = start + i * 47 * 60_000;
    const failed = i % 7 === 3;
    const id = `DEP-${i}`;
    deployments.push({
      id,
      release_id: `REL-${Math.floor(i / 4)}`,
      service: services[i % services.length],
      environment: environments[i % 2],
      team: `team-${i % 3}`,
      started_at: new Date(at).toISOString(),
      finished_at: new Date(at + 20 * 60_000).toISOString(),
      outcome: failed ? 'failed' : 'success',
      kind: 'planned',
    });
    if (failed) {
      incidents.push({
        id: `INC-${i}`,
        service: services[i % services.length],
        severity: '2',
        created_at: new Date(at + 30 * 60_000).toISOString(),
        resolved_at: new Date(at + 150 * 60_000).toISOString(),
        caused_by: id,
      });
    }
  }
  return { deployments, incidents };
}
