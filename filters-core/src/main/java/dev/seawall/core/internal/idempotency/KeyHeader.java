package dev.seawall.core.internal.idempotency;

/**
 * Parses the {@code Idempotency-Key} header as draft-ietf-httpapi-idempotency-key-header asks: an RFC 9651 Structured
 * Field Item whose bare item is a String. Seawall accepts the String alone (no parameters), of 1 to {@link #MAX_CHARS}
 * characters; anything else is refused with 400, so that an odd value never reaches a hash, a log or a store.
 *
 * <p>Stateless and thread-safe; allocation-free until the key is returned.
 */
final class KeyHeader {

    /** The longest key content accepted (after unescaping). */
    static final int MAX_CHARS = 255;
    /** The longest header value looked at: beyond it the value is refused unread. */
    private static final int MAX_FIELD = 2 * MAX_CHARS + 8;

    private KeyHeader() {
    }

    /** @return the key's content (unescaped), or null when the value is not a valid key */
    static String parse(String field) {
        if (field == null || field.length() > MAX_FIELD) {
            return null;
        }
        int from = 0;
        int to = field.length();
        // RFC 9651 §4.2: leading and trailing spaces are discarded (HTTP already stripped tabs and the like)
        while (from < to && field.charAt(from) == ' ') {
            from++;
        }
        while (to > from && field.charAt(to - 1) == ' ') {
            to--;
        }
        if (to - from < 3 || field.charAt(from) != '"') {
            return null; // an empty String ("") is no key either
        }
        StringBuilder out = null;
        int i = from + 1;
        int chars = 0;
        while (i < to) {
            char c = field.charAt(i);
            if (c == '\\') {
                if (i + 1 >= to) {
                    return null;
                }
                char next = field.charAt(i + 1);
                if (next != '"' && next != '\\') {
                    return null;
                }
                if (out == null) {
                    out = new StringBuilder(MAX_CHARS).append(field, from + 1, i);
                }
                out.append(next);
                i += 2;
                chars++;
            } else if (c == '"') {
                // the closing quote must end the field: no parameters, nothing after it
                if (i != to - 1 || chars == 0 || chars > MAX_CHARS) {
                    return null;
                }
                return out == null ? field.substring(from + 1, i) : out.toString();
            } else if (c < 0x20 || c > 0x7e) {
                return null;
            } else {
                if (out != null) {
                    out.append(c);
                }
                i++;
                chars++;
            }
        }
        return null; // no closing quote
    }
}
