package dev.seawall.core.internal.policy;

import dev.seawall.core.policy.PathPattern;
import dev.seawall.core.policy.Policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Finds the value (a policy) for a request's method and path, with servlet url-pattern precedence:
 * exact, then the longest prefix, then extension, then default; among the entries of one pattern, the
 * first whose method set admits the method. When the most specific pattern does not admit the method,
 * the next less specific one is tried, so a {@code POST}-only exact policy does not hide a prefix
 * policy from {@code GET}.
 *
 * <p>Compiled once; immutable and thread-safe. {@link #match} runs in O(path length) and allocates
 * nothing: the path's prefixes are hashed incrementally in one forward pass and looked up in open
 * addressing tables that compare a <em>region</em> of the path, so no substring is ever created.
 *
 * <p>Design note: a request that matches no policy must cost almost nothing, because most traffic of
 * most applications is not policed; hence no allocation and no map of Strings keyed by substrings.
 *
 * @param <T> the value type, typically {@link Policy}
 */
public final class PathPolicyTable<T> {

    private final RegionTable<T> exact;
    private final RegionTable<T> prefix;
    private final RegionTable<T> extension;
    private final Entry<T>[] defaults;
    private final boolean empty;

    private PathPolicyTable(Builder<T> b) {
        Map<String, List<Entry<T>>> ex = new LinkedHashMap<>();
        Map<String, List<Entry<T>>> pre = new LinkedHashMap<>();
        Map<String, List<Entry<T>>> ext = new LinkedHashMap<>();
        List<Entry<T>> def = new ArrayList<>();
        for (Entry<T> e : b.entries) {
            switch (e.pattern.kind()) {
                case EXACT -> ex.computeIfAbsent(e.pattern.key(), k -> new ArrayList<>()).add(e);
                case PREFIX -> pre.computeIfAbsent(e.pattern.key(), k -> new ArrayList<>()).add(e);
                case EXTENSION -> ext.computeIfAbsent(e.pattern.key(), k -> new ArrayList<>()).add(e);
                case DEFAULT -> def.add(e);
            }
        }
        this.exact = new RegionTable<>(ex);
        this.prefix = new RegionTable<>(pre);
        this.extension = new RegionTable<>(ext);
        this.defaults = toArray(def);
        this.empty = b.entries.isEmpty();
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * @param method the request method (case-sensitive, as HTTP methods are)
     * @param path   the path inside the application, starting with {@code /}
     * @return the value of the most specific matching pattern, or null
     */
    public T match(String method, String path) {
        if (empty || path == null || method == null) {
            return null;
        }
        int len = path.length();
        // One pass: h is the String.hashCode() of path[0, i); at every segment boundary the prefix table
        // is probed, and the longest matching prefix wins because later (longer) hits overwrite.
        T bestPrefix = null;
        int h = 0;
        int lastSlash = -1;
        int lastDot = -1;
        if (prefix.size > 0) {
            bestPrefix = pick(prefix.get(path, 0, 0), method);
        }
        for (int i = 0; i < len; i++) {
            char c = path.charAt(i);
            if (c == '/') {
                if (prefix.size > 0 && i > 0) {
                    T hit = pick(prefix.get(path, i, h), method);
                    if (hit != null) {
                        bestPrefix = hit;
                    }
                }
                lastSlash = i;
                lastDot = -1;
            } else if (c == '.') {
                lastDot = i;
            }
            h = 31 * h + c;
        }
        if (exact.size > 0) {
            T hit = pick(exact.get(path, len, h), method);
            if (hit != null) {
                return hit;
            }
        }
        if (prefix.size > 0 && len > 0) {
            // the whole path is also a candidate prefix: "/api" matches "/api/*"
            T hit = pick(prefix.get(path, len, h), method);
            if (hit != null) {
                return hit;
            }
        }
        if (bestPrefix != null) {
            return bestPrefix;
        }
        if (extension.size > 0 && lastDot > lastSlash && lastDot < len - 1) {
            int from = lastDot + 1;
            int eh = 0;
            for (int i = from; i < len; i++) {
                eh = 31 * eh + path.charAt(i);
            }
            T hit = pick(extension.getRegion(path, from, len - from, eh), method);
            if (hit != null) {
                return hit;
            }
        }
        return pick(defaults, method);
    }

    private static <T> T pick(Entry<T>[] entries, String method) {
        if (entries == null) {
            return null;
        }
        for (Entry<T> e : entries) {
            if (e.admits(method)) {
                return e.value;
            }
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <T> Entry<T>[] toArray(List<Entry<T>> list) {
        return list.isEmpty() ? null : list.toArray(new Entry[0]);
    }

    private static final class Entry<T> {
        final PathPattern pattern;
        final String[] methods; // null = every method
        final T value;
        final String owner;

        Entry(PathPattern pattern, String[] methods, T value, String owner) {
            this.pattern = pattern;
            this.methods = methods;
            this.value = value;
            this.owner = owner;
        }

        boolean admits(String method) {
            if (methods == null) {
                return true;
            }
            for (String m : methods) {
                if (m.equals(method)) {
                    return true;
                }
            }
            return false;
        }

        boolean overlaps(Entry<?> other) {
            if (methods == null || other.methods == null) {
                return true;
            }
            for (String m : methods) {
                if (other.admits(m)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Open-addressing table keyed by Strings, probed with a region of another String. */
    private static final class RegionTable<T> {
        final String[] keys;
        final int[] hashes;
        final Entry<T>[][] values;
        final int mask;
        final int size;

        @SuppressWarnings({"unchecked", "rawtypes"})
        RegionTable(Map<String, List<Entry<T>>> map) {
            int cap = 2;
            while (cap < map.size() * 2) {
                cap <<= 1;
            }
            keys = new String[cap];
            hashes = new int[cap];
            values = new Entry[cap][];
            mask = cap - 1;
            size = map.size();
            for (Map.Entry<String, List<Entry<T>>> e : map.entrySet()) {
                int hash = e.getKey().hashCode();
                int slot = spread(hash) & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = e.getKey();
                hashes[slot] = hash;
                values[slot] = toArray(e.getValue());
            }
        }

        /** Looks up path[0, len) whose String hash is {@code hash}. */
        Entry<T>[] get(String path, int len, int hash) {
            return getRegion(path, 0, len, hash);
        }

        Entry<T>[] getRegion(String s, int from, int len, int hash) {
            int slot = spread(hash) & mask;
            String k;
            while ((k = keys[slot]) != null) {
                if (hashes[slot] == hash && k.length() == len && k.regionMatches(0, s, from, len)) {
                    return values[slot];
                }
                slot = (slot + 1) & mask;
            }
            return null;
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }
    }

    /** Collects entries and detects ties. Not thread-safe. */
    public static final class Builder<T> {
        private final List<Entry<T>> entries = new ArrayList<>();

        private Builder() {
        }

        /**
         * @param pattern a servlet url-pattern
         * @param methods the methods this entry admits; empty or null for every method
         * @param value   the value returned on a match
         * @param owner   a name for error messages (the policy name)
         * @throws IllegalArgumentException for an invalid pattern or method, or a tie: the same pattern
         *                                  with overlapping methods already added by another owner
         */
        public Builder<T> add(String pattern, Set<String> methods, T value, String owner) {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(owner, "owner");
            PathPattern parsed = PathPattern.parse(pattern);
            String[] m = null;
            if (methods != null && !methods.isEmpty()) {
                m = methods.toArray(new String[0]);
                Arrays.sort(m);
                for (String method : m) {
                    if (!isToken(method)) {
                        throw new IllegalArgumentException("\"" + method + "\" is not an HTTP method");
                    }
                }
            }
            Entry<T> entry = new Entry<>(parsed, m, value, owner);
            for (Entry<T> other : entries) {
                if (other.pattern.kind() == parsed.kind() && other.pattern.key().equals(parsed.key())
                        && other.overlaps(entry)) {
                    throw new IllegalArgumentException("path pattern " + parsed.text() + " is claimed by both "
                            + other.owner + " and " + owner + " for overlapping methods; the most specific match"
                            + " would be ambiguous");
                }
            }
            entries.add(entry);
            return this;
        }

        public PathPolicyTable<T> build() {
            return new PathPolicyTable<>(this);
        }

        private static boolean isToken(String s) {
            if (s.isEmpty()) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
                if (!ok) {
                    return false;
                }
            }
            return true;
        }
    }
}
