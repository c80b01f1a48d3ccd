package dev.seawall.core.internal.sf;

/**
 * A small serializer for RFC 9651 (Structured Field Values) Lists of Items with Parameters — the shape of
 * {@code RateLimit} and {@code RateLimit-Policy}. It validates what it writes, so an odd policy or limit
 * name can never break the header or smuggle a second member.
 *
 * <p>Usage: {@code new StructuredFields.ListBuilder().item().string("ip").param("q", 100)...build()}.
 * Not thread-safe (one builder per header value); the static checks are thread-safe.
 */
public final class StructuredFields {

    /** RFC 9651 §3.3.1: integers have at most 15 digits. */
    public static final long MAX_INTEGER = 999_999_999_999_999L;

    private StructuredFields() {
    }

    /** @return true when {@code s} may be serialized as an sf-string (printable ASCII only) */
    public static boolean isValidString(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** @return true when {@code s} is a valid parameter or dictionary key: {@code [a-z*][a-z0-9_\-.*]*} */
    public static boolean isValidKey(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char first = s.charAt(0);
        if (!(first >= 'a' && first <= 'z') && first != '*') {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*')) {
                return false;
            }
        }
        return true;
    }

    /** @return true when {@code s} is a valid sf-token */
    public static boolean isValidToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char first = s.charAt(0);
        if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '*')) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~:/".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    /** Appends an sf-string with {@code "} and {@code \} escaped. */
    public static void appendString(StringBuilder sb, String s) {
        if (!isValidString(s)) {
            throw new IllegalArgumentException("not a Structured Field string (printable ASCII only): " + s.length()
                    + " chars");
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    /** Appends an sf-integer, refusing values outside ±{@value #MAX_INTEGER}. */
    public static void appendInteger(StringBuilder sb, long v) {
        if (v > MAX_INTEGER || v < -MAX_INTEGER) {
            throw new IllegalArgumentException("Structured Field integer out of range: " + v);
        }
        sb.append(v);
    }

    /** Builds one List value. Not thread-safe. */
    public static final class ListBuilder {
        private final StringBuilder sb;
        private boolean empty = true;

        public ListBuilder() {
            this(new StringBuilder(64));
        }

        public ListBuilder(StringBuilder sb) {
            this.sb = sb;
        }

        /** Starts a member whose bare item is a string. */
        public ListBuilder string(String value) {
            separator();
            appendString(sb, value);
            return this;
        }

        /** Starts a member whose bare item is a token. */
        public ListBuilder token(String value) {
            if (!isValidToken(value)) {
                throw new IllegalArgumentException("not a Structured Field token: " + value);
            }
            separator();
            sb.append(value);
            return this;
        }

        /** Adds an integer parameter to the current member. */
        public ListBuilder param(String key, long value) {
            key(key);
            sb.append('=');
            appendInteger(sb, value);
            return this;
        }

        /** Adds a string parameter to the current member. */
        public ListBuilder param(String key, String value) {
            key(key);
            sb.append('=');
            appendString(sb, value);
            return this;
        }

        private void key(String key) {
            if (empty) {
                throw new IllegalStateException("a parameter needs a member first");
            }
            if (!isValidKey(key)) {
                throw new IllegalArgumentException("not a Structured Field key: " + key);
            }
            sb.append(';').append(key);
        }

        private void separator() {
            if (!empty) {
                sb.append(", ");
            }
            empty = false;
        }

        public String build() {
            return sb.toString();
        }
    }
}
