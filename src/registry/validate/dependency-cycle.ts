// Finding a loop in the dependencies between a template's resources (Heat's dependency graph refuses one).

/**
 * The first cycle in `edges` (resource → the resources it needs) as the names along it, the first
 * one repeated at the end (`a -> b -> a`), or null when there is none. Depth-first, in the order
 * of `edges`, so the same template always names the same cycle.
 */
export function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'open') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'open');
    trail.push(name);
    for (const next of edges.get(name) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    trail.pop();
    state.set(name, 'done');
    return null;
  };
  for (const name of edges.keys()) {
    const found = visit(name);
    if (found) return found;
  }
  return null;
}
