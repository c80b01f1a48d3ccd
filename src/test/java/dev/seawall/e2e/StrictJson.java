package dev.seawall.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON reader for tests (objects become {@link LinkedHashMap}s, arrays {@link ArrayList}s, numbers
 * {@link Double}s): no comments, no trailing commas, no single quotes, no duplicate keys, no text after the value.
 * Thread-safe: each {@link #parse} reads with an instance of its own.
 */
final class StrictJson {

    private final String s;
    private int i;

    private StrictJson(String s) {
        this.s = s;
    }

    /** @throws IllegalArgumentException naming the offset of the first thing that is not JSON */
    static Object parse(String text) {
        StrictJson p = new StrictJson(text);
        p.space();
        Object v = p.value();
        p.space();
        if (p.i != text.length()) {
            throw p.error("text after the value");
        }
        return v;
    }

    private Object value() {
        if (i >= s.length()) {
            throw error("end of input where a value was expected");
        }
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || c >= '0' && c <= '9') {
                    yield number();
                }
                throw error("unexpected '" + c + "'");
            }
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> out = new LinkedHashMap<>();
        i++;
        space();
        if (peek('}')) {
            i++;
            return out;
        }
        while (true) {
            space();
            if (!peek('"')) {
                throw error("a key must be a string");
            }
            String key = string();
            space();
            expect(':');
            space();
            if (out.containsKey(key)) {
                throw error("duplicate key \"" + key + "\"");
            }
            out.put(key, value());
            space();
            if (peek(',')) {
                i++;
                continue;
            }
            expect('}');
            return out;
        }
    }

    private List<Object> array() {
        List<Object> out = new ArrayList<>();
        i++;
        space();
        if (peek(']')) {
            i++;
            return out;
        }
        while (true) {
            space();
            out.add(value());
            space();
            if (peek(',')) {
                i++;
                continue;
            }
            expect(']');
            return out;
        }
    }

    private String string() {
        StringBuilder out = new StringBuilder();
        i++;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("a control character in a string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i >= s.length()) {
                break;
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw error("a short \\u escape");
                    }
                    try {
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("a bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw error("a bad escape \\" + e);
            }
        }
        throw error("an unterminated string");
    }

    private Double number() {
        int start = i;
        if (peek('-')) {
            i++;
        }
        if (peek('0')) {
            i++;
        } else if (!digits()) {
            throw error("a number without digits");
        }
        if (peek('.')) {
            i++;
            if (!digits()) {
                throw error("no digits after a decimal point");
            }
        }
        if (peek('e') || peek('E')) {
            i++;
            if (peek('+') || peek('-')) {
                i++;
            }
            if (!digits()) {
                throw error("no digits in an exponent");
            }
        }
        return Double.valueOf(s.substring(start, i));
    }

    private boolean digits() {
        int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i > start;
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) {
            throw error("unexpected '" + s.charAt(i) + "'");
        }
        i += word.length();
        return v;
    }

    private void space() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private boolean peek(char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("not JSON at offset " + i + ": " + what);
    }
}
