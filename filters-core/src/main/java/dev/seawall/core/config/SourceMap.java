package dev.seawall.core.config;

import java.util.Map;

/**
 * Where each setting of a loaded configuration was written: key path ({@code policies[0].circuit-breaker}) to
 * 1-based line. It lives beside the config objects, not in them, so that two configurations saying the same thing
 * are {@code equals} however their files are laid out (a reload keeps the state of a stage that only moved).
 *
 * <p>Immutable and thread-safe.
 */
public final class SourceMap {

    /** No positions: configurations built in code, init-params, annotations. */
    public static final SourceMap EMPTY = new SourceMap(Map.of());

    private final Map<String, Integer> lines;

    SourceMap(Map<String, Integer> lines) {
        this.lines = Map.copyOf(lines);
    }

    /**
     * @return the line of {@code keyPath}, else of its nearest enclosing key that has one ({@code a.b[2].c},
     *         {@code a.b[2]}, {@code a.b}, {@code a}), else 0
     */
    public int line(String keyPath) {
        String p = keyPath;
        while (p != null && !p.isEmpty()) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int dot = p.lastIndexOf('.');
            int bracket = p.lastIndexOf('[');
            int cut = Math.max(dot, bracket);
            p = cut < 0 ? null : p.substring(0, cut);
        }
        return 0;
    }

    /** @return how many positions are known */
    public int size() {
        return lines.size();
    }

    @Override
    public String toString() {
        return "SourceMap[" + lines.size() + " positions]";
    }
}
