package dev.seawall.core.ratelimit;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many tokens a request spends from one limit ({@code cost} of a rate limit): by HTTP method, and/or read from a
 * request attribute that an earlier filter of the application sets. Immutable and thread-safe; a value (equal when
 * its settings are).
 *
 * <ul>
 *   <li><b>By method:</b> {@code methods} maps upper-case methods to their cost; any other method costs
 *       {@code defaultCost}.</li>
 *   <li><b>From an attribute:</b> when {@code attribute} is set, a request carrying it as a whole number of 1 or more
 *       (an {@code Integer}, {@code Long}, {@code Short}, {@code Byte}, or a decimal {@code String}) costs that
 *       number; a request without it, or with anything else, costs what its method costs, and the stage counts
 *       it ({@link LimitView#costDefaulted()}).</li>
 * </ul>
 *
 * @param methods     upper-case method to cost (each 1-{@value #MAX}); empty for none
 * @param defaultCost the cost of any other method (1-{@value #MAX})
 * @param attribute   the request attribute holding the cost, or null
 */
public record RequestCost(Map<String, Long> methods, long defaultCost, String attribute) {

    /** The most tokens one request may be set to cost. */
    public static final long MAX = 1_000_000;
    /** Every request spends one token: the default. */
    public static final RequestCost ONE = new RequestCost(Map.of(), 1, null);
    /** {@link #attributeCost}: the attribute is absent. */
    static final long ABSENT = 0;
    /** {@link #attributeCost}: the attribute is present but not a whole number of 1 or more. */
    static final long INVALID = -1;

    /**
     * @throws IllegalArgumentException for a cost outside 1-{@value #MAX}, a method that is not upper case, or a blank
     *                                  attribute name
     */
    public RequestCost {
        TreeMap<String, Long> m = new TreeMap<>();
        for (Map.Entry<String, Long> e : methods.entrySet()) {
            String method = e.getKey();
            if (method == null || method.isEmpty() || !method.equals(method.toUpperCase(Locale.ROOT))) {
                throw new IllegalArgumentException("cost: method \"" + method + "\" must be an upper-case HTTP method");
            }
            m.put(method, check(method, e.getValue() == null ? 0 : e.getValue()));
        }
        methods = Map.copyOf(m);
        check("default", defaultCost);
        if (attribute != null && (attribute.isBlank() || attribute.length() > 200)) {
            throw new IllegalArgumentException("cost: attribute must be a request attribute name");
        }
    }

    private static long check(String what, long cost) {
        if (cost < 1 || cost > MAX) {
            throw new IllegalArgumentException("cost: " + what + " " + cost + " is outside 1-" + MAX);
        }
        return cost;
    }

    /** @return true when every request costs one token */
    public boolean isOne() {
        return attribute == null && defaultCost == 1 && methods.isEmpty();
    }

    /** @return the most a method can cost (what a bucket must hold at least) */
    public long highestMethodCost() {
        long most = defaultCost;
        for (long c : methods.values()) {
            most = Math.max(most, c);
        }
        return most;
    }

    /** @return the cost of a request with this method; allocation-free */
    public long methodCost(String method) {
        if (methods.isEmpty() || method == null) {
            return defaultCost;
        }
        Long c = methods.get(method);
        return c == null ? defaultCost : c;
    }

    /**
     * @param value the attribute's value as the request holds it
     * @return the cost it states (1 or more), {@link #ABSENT} for null, or {@link #INVALID}
     */
    static long attributeCost(Object value) {
        if (value == null) {
            return ABSENT;
        }
        long v;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            v = ((Number) value).longValue();
        } else if (value instanceof String s) {
            v = parse(s);
        } else {
            return INVALID;
        }
        return v >= 1 ? v : INVALID;
    }

    /** @return the decimal number (at most 18 digits), or {@link #INVALID} */
    private static long parse(String s) {
        int n = s.length();
        if (n == 0 || n > 18) {
            return INVALID;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
