package dev.seawall.core.key;

/**
 * Parses and prints IP address literals without ever touching DNS ({@code InetAddress.getByName} would
 * resolve a non-literal, letting a client make the server perform lookups).
 *
 * <p>Strict on purpose: only the forms an honest proxy writes are accepted. Refused: IPv4 with leading
 * zeros ({@code 010.1.1.1} is octal to some parsers), hex or integer IPv4 ({@code 0x7f.1},
 * {@code 2130706433}), out-of-range parts, wrong group counts, anything over {@link #MAX_LENGTH} chars.
 * Stateless and thread-safe; parsing allocates only the result array.
 */
final class IpAddresses {

    /** Longer text is never an address (the longest IPv6 literal with port and brackets is ~55 chars). */
    public static final int MAX_LENGTH = 100;

    private IpAddresses() {
    }

    /**
     * Parses an address as it appears in {@code X-Forwarded-For}, {@code Forwarded: for=} or a peer
     * address: {@code 192.0.2.1}, {@code 192.0.2.1:8080}, {@code 2001:db8::1}, {@code [2001:db8::1]},
     * {@code [2001:db8::1]:443}, {@code fe80::1%eth0} (zone dropped). IPv4-mapped IPv6 becomes IPv4.
     *
     * @return 4 or 16 bytes, or null when {@code s[from, to)} is not such an address
     */
    public static byte[] parseHost(String s, int from, int to) {
        // trim optional whitespace around list members
        from = trimmedFrom(s, from, to);
        to = trimmedTo(s, from, to);
        if (to - from == 0 || to - from > MAX_LENGTH) {
            return null;
        }
        if (s.charAt(from) == '[') {
            int close = s.indexOf(']', from);
            if (close < 0 || close >= to) {
                return null;
            }
            if (close + 1 < to && !isPort(s, close + 1, to)) {
                return null;
            }
            return normalise(parseV6(s, from + 1, close));
        }
        int firstColon = indexOf(s, ':', from, to);
        if (firstColon < 0) {
            return parseV4(s, from, to);
        }
        if (indexOf(s, ':', firstColon + 1, to) < 0) {
            // exactly one colon: IPv4 with a port
            return isPort(s, firstColon, to) ? parseV4(s, from, firstColon) : null;
        }
        return normalise(parseV6(s, from, to));
    }

    /**
     * @return true when {@code s} is an IPv4 address in canonical dotted-decimal form (four decimal octets of
     *         0-255 without leading zeros), the form a container reports a peer in; checked without allocating
     */
    public static boolean isCanonicalIpv4(String s) {
        return isCanonicalIpv4(s, 0, s.length());
    }

    /** @return whether {@code s[from, to)} is a canonical IPv4 address, see {@link #isCanonicalIpv4(String)} */
    public static boolean isCanonicalIpv4(String s, int from, int to) {
        int n = to - from;
        if (n < 7 || n > 15) {
            return false;
        }
        int dots = 0;
        int value = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (digits == 0 || ++dots > 3) {
                    return false;
                }
                digits = 0;
                value = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return false; // leading zero: "010" is not canonical
                }
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }

    /** @return the first index of {@code s[from, to)} after optional whitespace (spaces, tabs) */
    public static int trimmedFrom(String s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        return from;
    }

    /** @return the end of {@code s[from, to)} before optional whitespace (spaces, tabs) */
    public static int trimmedTo(String s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return to;
    }

    /** @return bytes of the whole string, see {@link #parseHost(String, int, int)} */
    public static byte[] parseHost(String s) {
        return s == null ? null : parseHost(s, 0, s.length());
    }

    private static boolean isPort(String s, int colon, int to) {
        if (s.charAt(colon) != ':' || to - colon < 2 || to - colon > 6) {
            return false;
        }
        int port = 0;
        for (int i = colon + 1; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private static int indexOf(String s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    static byte[] parseV4(String s, int from, int to) {
        byte[] out = new byte[4];
        return parseV4Into(s, from, to, out, 0) ? out : null;
    }

    private static boolean parseV4Into(String s, int from, int to, byte[] out, int offset) {
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = from; i <= to; i++) {
            char c = i < to ? s.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part > 3) {
                    return false;
                }
                out[offset + part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return false; // leading zero: octal to some parsers, ambiguous
                }
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return part == 4;
    }

    static byte[] parseV6(String s, int from, int to) {
        int percent = indexOf(s, '%', from, to);
        if (percent >= 0) {
            to = percent; // a zone id names an interface of the sender, not part of the address
        }
        if (to - from < 2) {
            return null;
        }
        byte[] out = new byte[16];
        int group = 0;
        int doubleColonAt = -1;
        int i = from;
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return null;
            }
            doubleColonAt = 0;
            i += 2;
            if (i == to) {
                return out; // "::"
            }
        }
        while (i < to) {
            if (group >= 8) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < to && isHex(s.charAt(i))) {
                value = (value << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            int len = i - start;
            if (i < to && s.charAt(i) == '.') {
                // embedded IPv4 tail, worth two groups
                if (group > 6 || !parseV4Into(s, start, to, out, group * 2)) {
                    return null;
                }
                group += 2;
                i = to;
                break;
            }
            if (len == 0 || len > 4) {
                return null;
            }
            out[group * 2] = (byte) (value >>> 8);
            out[group * 2 + 1] = (byte) value;
            group++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (doubleColonAt >= 0) {
                    return null;
                }
                doubleColonAt = group;
                i++;
            } else if (i == to) {
                return null; // trailing single colon
            }
        }
        if (doubleColonAt >= 0) {
            if (group >= 8) {
                return null;
            }
            int tail = group - doubleColonAt;
            System.arraycopy(out, doubleColonAt * 2, out, 16 - tail * 2, tail * 2);
            java.util.Arrays.fill(out, doubleColonAt * 2, 16 - tail * 2, (byte) 0);
        } else if (group != 8) {
            return null;
        }
        return out;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) is the IPv4 client itself. */
    static byte[] normalise(byte[] a) {
        if (a == null || a.length != 16) {
            return a;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return a;
            }
        }
        if (a[10] != (byte) 0xff || a[11] != (byte) 0xff) {
            return a;
        }
        return new byte[] {a[12], a[13], a[14], a[15]};
    }

    /** Canonical text: dotted IPv4, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
    public static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int g = 0; g < 8; ) {
            if (group(a, g) == 0) {
                int start = g;
                while (g < 8 && group(a, g) == 0) {
                    g++;
                }
                if (g - start > bestLen && g - start >= 2) {
                    bestStart = start;
                    bestLen = g - start;
                }
            } else {
                g++;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group(a, g)));
        }
        return sb.toString();
    }

    private static int group(byte[] a, int g) {
        return ((a[g * 2] & 0xff) << 8) | (a[g * 2 + 1] & 0xff);
    }
}
