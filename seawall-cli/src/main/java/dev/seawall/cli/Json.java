package dev.seawall.cli;

/** Writes JSON string literals with the engine's own escaping. Stateless and thread-safe. */
final class Json {

    private Json() {
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        dev.seawall.core.internal.Json.string(sb, s);
        return sb.toString();
    }
}
