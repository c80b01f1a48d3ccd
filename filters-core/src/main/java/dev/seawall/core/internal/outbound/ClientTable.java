package dev.seawall.core.internal.outbound;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.policy.PathPattern;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the configured client for an outbound request by host (and path): the most specific host pattern wins
 * (exact host and port, exact host, then the longest {@code *.} suffix), then the most specific path pattern (exact,
 * longest prefix, extension, default; a client without paths ranks as default); equal candidates go to the client
 * listed first. Allocation-free per lookup. Immutable and thread-safe.
 *
 * @param <C> what a match returns
 */
public final class ClientTable<C> {

    private record Entry<C>(HostPattern host, PathPattern path, C client) {
    }

    private final List<Entry<C>> entries = new ArrayList<>();

    /** Adds a client's host and path patterns (a client without hosts is only used by name). */
    public void add(ClientConfig config, C client) {
        for (String h : config.hosts()) {
            HostPattern host = HostPattern.parse(h);
            if (config.paths().isEmpty()) {
                entries.add(new Entry<>(host, null, client));
            }
            for (String p : config.paths()) {
                entries.add(new Entry<>(host, PathPattern.parse(p), client));
            }
        }
    }

    /** @return the client for the request, or null */
    public C match(String host, int port, String path) {
        if (host == null) {
            return null;
        }
        String p = path == null || path.isEmpty() ? "/" : path;
        Entry<C> best = null;
        long bestRank = -1;
        for (Entry<C> e : entries) {
            if (!e.host.matches(host, port)) {
                continue;
            }
            long pathRank = e.path == null ? 0 : pathRank(e.path, p);
            if (pathRank < 0) {
                continue;
            }
            long rank = (long) e.host.specificity() * 10_000_000L + pathRank;
            if (rank > bestRank) {
                best = e;
                bestRank = rank;
            }
        }
        return best == null ? null : best.client;
    }

    /** @return the pattern's rank for the path (higher is more specific), or -1 when it does not match */
    static long pathRank(PathPattern pattern, String path) {
        return switch (pattern.kind()) {
            case EXACT -> path.equals(pattern.key()) ? 3_000_000 + pattern.key().length() : -1;
            case PREFIX -> path.equals(pattern.key()) || path.startsWith(pattern.key())
                    && path.length() > pattern.key().length() && path.charAt(pattern.key().length()) == '/'
                    ? 2_000_000 + pattern.key().length() : -1;
            case EXTENSION -> {
                int slash = path.lastIndexOf('/');
                int dot = path.lastIndexOf('.');
                yield dot > slash && path.regionMatches(dot + 1, pattern.key(), 0, pattern.key().length())
                        && path.length() - dot - 1 == pattern.key().length() ? 1_000_000 : -1;
            }
            case DEFAULT -> 1;
        };
    }
}
