package dev.seawall.core.policy;

import java.util.Objects;

/**
 * A servlet url-pattern (Servlet 6.0 §12.2): exact {@code /login}, prefix {@code /api/*}, extension
 * {@code *.json}, or default {@code /}. Parsed once at configuration time. Immutable and thread-safe.
 *
 * @param kind the pattern's kind, which decides its precedence
 * @param key  what is matched: the exact path, the prefix without {@code /*} (empty for {@code /*}),
 *             the extension without {@code *.}, or empty for the default pattern
 * @param text the pattern as written
 */
public record PathPattern(Kind kind, String key, String text) {

    /** Precedence is declaration order: exact beats prefix beats extension beats default. */
    public enum Kind { EXACT, PREFIX, EXTENSION, DEFAULT }

    public PathPattern {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(text, "text");
    }

    /**
     * @throws IllegalArgumentException with a message saying what a valid pattern looks like
     */
    public static PathPattern parse(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("an empty path pattern (expected /exact, /prefix/*, *.ext or /)");
        }
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("path pattern \"" + printable(pattern)
                        + "\" contains a space, control or non-ASCII character");
            }
        }
        if (pattern.equals("/")) {
            return new PathPattern(Kind.DEFAULT, "", pattern);
        }
        if (pattern.startsWith("*.")) {
            String ext = pattern.substring(2);
            if (ext.isEmpty() || ext.indexOf('/') >= 0 || ext.indexOf('*') >= 0 || ext.indexOf('.') >= 0) {
                throw invalid(pattern);
            }
            return new PathPattern(Kind.EXTENSION, ext, pattern);
        }
        if (!pattern.startsWith("/")) {
            throw invalid(pattern);
        }
        if (pattern.endsWith("/*")) {
            String prefix = pattern.substring(0, pattern.length() - 2);
            if (prefix.indexOf('*') >= 0 || prefix.contains("//") || prefix.endsWith("/")) {
                throw invalid(pattern);
            }
            return new PathPattern(Kind.PREFIX, prefix, pattern);
        }
        if (pattern.indexOf('*') >= 0) {
            throw invalid(pattern);
        }
        return new PathPattern(Kind.EXACT, pattern, pattern);
    }

    private static IllegalArgumentException invalid(String pattern) {
        return new IllegalArgumentException("\"" + printable(pattern)
                + "\" is not a servlet url-pattern (expected /exact, /prefix/*, *.ext or /)");
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
