package dev.seawall.core.internal.outbound;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of a client's {@code hosts}: {@code api.example.com}, {@code api.example.com:8443},
 * {@code *.example.com} (any subdomain, at any depth, not the domain itself), an IPv4 address, or an IPv6 address in
 * brackets ({@code [::1]:8080}). Without a port it matches every port. Matching is case-insensitive and allocates
 * nothing. Immutable and thread-safe.
 *
 * @param wildcard whether the entry started with {@code *.}
 * @param host     the host, lower case, without the {@code *.} (for a wildcard: the suffix, with its leading dot)
 * @param port     the port, or -1 for any
 */
public record HostPattern(boolean wildcard, String host, int port) {

    private static final Pattern LABELS = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-f:.]{2,45}]");
    private static final int MAX_LENGTH = 260;

    /**
     * @throws IllegalArgumentException with a problem fit for a config error
     */
    public static HostPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("is longer than " + MAX_LENGTH + " characters");
        }
        if (t.contains("://") || t.contains("/")) {
            throw new IllegalArgumentException("\"" + text.trim() + "\" is not a host (give host or host:port, not a"
                    + " URL; paths go under paths)");
        }
        int port = -1;
        String host = t;
        int colon = t.lastIndexOf(':');
        boolean bracketed = t.startsWith("[");
        if (colon > 0 && (!bracketed || t.indexOf(']') < colon)) {
            String p = t.substring(colon + 1);
            if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("\"" + text.trim() + "\" has an invalid port (expected 1-65535)");
            }
            port = Integer.parseInt(p);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("\"" + text.trim() + "\" has an invalid port (expected 1-65535)");
            }
            host = t.substring(0, colon);
        }
        boolean wildcard = host.startsWith("*.");
        String name = wildcard ? host.substring(2) : host;
        boolean valid = bracketed ? !wildcard && IPV6.matcher(name).matches() : LABELS.matcher(name).matches();
        if (!valid || name.contains("*")) {
            throw new IllegalArgumentException("\"" + text.trim() + "\" is not a host pattern (expected host,"
                    + " host:port, *.domain or [ipv6]:port)");
        }
        return new HostPattern(wildcard, wildcard ? "." + name : name, port);
    }

    /**
     * @param host a request's host as a URI gives it (IPv6 in brackets), any case
     * @param port the request's port (the scheme's default when the URI has none)
     */
    public boolean matches(String host, int port) {
        if (this.port != -1 && this.port != port) {
            return false;
        }
        if (wildcard) {
            int start = host.length() - this.host.length();
            return start > 0 && host.regionMatches(true, start, this.host, 0, this.host.length());
        }
        return host.equalsIgnoreCase(this.host);
    }

    /** @return how specific the entry is, higher first: exact host and port, exact host, longer wildcards */
    public int specificity() {
        return (wildcard ? 0 : 1_000_000) + (port != -1 ? 1000 : 0) + host.length();
    }

    @Override
    public String toString() {
        return (wildcard ? "*" : "") + host + (port != -1 ? ":" + port : "");
    }
}
