// The platform's `?q=` peer filter, applied locally: the April-2026 server answers `500` with an
// empty body to any `q` when a listed peer has no role (a panic in its filter).

/** The fields the filter reads. */
interface Filterable {
  name: string;
  role: string | null;
}

/** Keeps the peers whose name or role contains `q`, case-insensitively (the platform's rule). */
export function filterPeers<P extends Filterable>(peers: readonly P[], q: string): P[] {
  const needle = q.toLowerCase();
  return peers.filter(
    (p) => p.name.toLowerCase().includes(needle) || (p.role ?? "").toLowerCase().includes(needle),
  );
}
