package dev.seawall.core.key;

import dev.seawall.core.http.RequestView;

/**
 * Keys a request by its client's IP address.
 *
 * <p>The socket peer is the client unless the peer is a {@linkplain TrustedProxies trusted proxy}. Then
 * the forwarding headers are walked from the right — the end written by the proxy nearest to us — skipping
 * trusted hops, and the first untrusted address is the client. Entries to its left were written by the
 * client itself and are never looked at, so prepending fake addresses gains nothing.
 * <ul>
 *   <li>RFC 7239 {@code Forwarded} ({@code for=} parameters) is used when a trusted peer sent one; otherwise
 *       {@code X-Forwarded-For}. Both are read over every header line, in order.</li>
 *   <li>A malformed, obfuscated ({@code _hidden}) or {@code unknown} entry stops the walk, and the last
 *       trusted hop reached (the proxy that handed the request over) becomes the key: a client can make its
 *       own key coarser, never pick someone else's.</li>
 *   <li>Work is bounded: at most {@link #MAX_HOPS} entries and the rightmost {@link #MAX_HEADER_CHARS}
 *       characters are examined; beyond that the last trusted hop is the key.</li>
 *   <li>IPv4-mapped IPv6 is the IPv4 address. IPv6 clients are grouped by prefix (default /64, since one
 *       subscriber owns a whole /64) and keyed like {@code 2001:db8:1:2::/64}.</li>
 * </ul>
 * Thread-safe and stateless. Cost: with no trusted proxy, a canonical IPv4 peer is checked in place and returned
 * as the container gave it (no allocation); behind a trusted proxy, a canonical IPv4 client in
 * {@code X-Forwarded-For} is cut out of the header as it is; other cases parse and format a few dozen bytes.
 */
public final class ClientIpResolver implements KeyResolver {

    /** Hops examined at most in one request's forwarding headers. */
    public static final int MAX_HOPS = 64;
    /** Characters of forwarding headers examined at most, counted from the right. */
    public static final int MAX_HEADER_CHARS = 8192;

    private final TrustedProxies trusted;
    private final int ipv6Prefix;

    /**
     * @param trusted    proxies whose forwarding headers are believed
     * @param ipv6Prefix bits of an IPv6 address that identify a client, 1-128 (128 = no grouping)
     */
    public ClientIpResolver(TrustedProxies trusted, int ipv6Prefix) {
        if (ipv6Prefix < 1 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("ipv6-prefix: " + ipv6Prefix + " is outside 1-128");
        }
        this.trusted = trusted == null ? TrustedProxies.none() : trusted;
        this.ipv6Prefix = ipv6Prefix;
    }

    @Override
    public KeyKind kind() {
        return KeyKind.IP;
    }

    @Override
    public String resolve(RequestView request) {
        String peer = request.remoteAddress();
        if (peer == null || peer.isEmpty()) {
            return null;
        }
        if (trusted.isEmpty() && IpAddresses.isCanonicalIpv4(peer)) {
            return peer; // the usual case, decided without parsing into bytes: the key is the container's literal
        }
        byte[] peerBytes = IpAddresses.parseHost(peer);
        if (peerBytes == null) {
            // not a literal (a Unix socket, an odd container): still a key the client did not choose
            return peer.length() > 64 ? peer.substring(0, 64) : peer;
        }
        if (!trusted.isEmpty() && trusted.contains(peerBytes)) {
            return walk(request, peer, peerBytes);
        }
        return peerKey(peer, peerBytes);
    }

    private String peerKey(String peer, byte[] peerBytes) {
        if (peerBytes.length == 4 && peer.indexOf(':') < 0 && peer.indexOf('[') < 0) {
            return peer; // the container's canonical IPv4 literal, no allocation
        }
        return key(peerBytes);
    }

    private String key(byte[] address) {
        if (address.length == 16 && ipv6Prefix < 128) {
            return IpAddresses.format(TrustedProxies.mask(address, ipv6Prefix)) + "/" + ipv6Prefix;
        }
        return IpAddresses.format(address);
    }

    /** @return the key of the client behind the trusted peer */
    private String walk(RequestView request, String peer, byte[] peerBytes) {
        String forwarded = joined(request.headers("Forwarded"));
        if (forwarded != null) {
            return walkList(forwarded, peer, peerBytes, true);
        }
        String xff = joined(request.headers("X-Forwarded-For"));
        return xff == null ? peerKey(peer, peerBytes) : walkList(xff, peer, peerBytes, false);
    }

    /** Joins header lines with commas (RFC 9110 list semantics), keeping only the rightmost part. */
    private static String joined(Iterable<String> lines) {
        StringBuilder sb = null;
        String single = null;
        for (String line : lines) {
            if (line == null) {
                continue;
            }
            if (single == null && sb == null) {
                single = line;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(single.length() + line.length() + 1).append(single);
            }
            sb.append(',').append(line);
            if (sb.length() > 4 * MAX_HEADER_CHARS) {
                // only the right end matters; drop the client-written left end as we go
                sb.delete(0, sb.length() - MAX_HEADER_CHARS);
            }
        }
        String all = sb != null ? sb.toString() : single;
        if (all == null || all.isBlank()) {
            return null;
        }
        if (all.length() > MAX_HEADER_CHARS) {
            String tail = all.substring(all.length() - MAX_HEADER_CHARS);
            int comma = tail.indexOf(',');
            // the first member of the tail was cut: it is unreadable, so the walk will stop before it
            return "\u0000" + (comma < 0 ? "" : tail.substring(comma));
        }
        return all;
    }

    private String walkList(String list, String peer, byte[] peerBytes, boolean forwardedSyntax) {
        byte[] last = peerBytes;
        int end = list.length();
        int hops = 0;
        while (end >= 0 && hops < MAX_HOPS) {
            int start = list.lastIndexOf(',', end - 1);
            byte[] hop = forwardedSyntax ? parseForwardedElement(list, start + 1, end)
                    : IpAddresses.parseHost(list, start + 1, end);
            if (hop == null) {
                return lastKey(last, peer, peerBytes);
            }
            if (!trusted.contains(hop)) {
                return forwardedSyntax ? key(hop) : hopKey(list, start + 1, end, hop);
            }
            last = hop;
            hops++;
            if (start < 0) {
                break;
            }
            end = start;
        }
        // every hop was trusted (or the walk hit its bound): the farthest trusted hop is the client
        return lastKey(last, peer, peerBytes);
    }

    private String lastKey(byte[] last, String peer, byte[] peerBytes) {
        return last == peerBytes ? peerKey(peer, peerBytes) : key(last);
    }

    /**
     * The key of an {@code X-Forwarded-For} member: a canonical IPv4 literal (the usual form) is already its own
     * key, so it is cut out of the header instead of formatted again from its bytes.
     */
    private String hopKey(String list, int from, int to, byte[] hop) {
        if (hop.length == 4) {
            int start = IpAddresses.trimmedFrom(list, from, to);
            int end = IpAddresses.trimmedTo(list, start, to);
            if (IpAddresses.isCanonicalIpv4(list, start, end)) {
                return start == 0 && end == list.length() ? list : list.substring(start, end);
            }
        }
        return key(hop);
    }

    /** Extracts {@code for=} from one {@code Forwarded} element; null when absent, obfuscated or invalid. */
    static byte[] parseForwardedElement(String s, int from, int to) {
        int i = from;
        while (i < to) {
            int semi = s.indexOf(';', i);
            int pairEnd = semi < 0 || semi > to ? to : semi;
            int eq = s.indexOf('=', i);
            if (eq > i && eq < pairEnd) {
                int ks = i;
                int ke = eq;
                while (ks < ke && s.charAt(ks) == ' ') {
                    ks++;
                }
                while (ke > ks && s.charAt(ke - 1) == ' ') {
                    ke--;
                }
                if (ke - ks == 3 && s.regionMatches(true, ks, "for", 0, 3)) {
                    int vs = eq + 1;
                    int ve = pairEnd;
                    while (ve > vs && s.charAt(ve - 1) == ' ') {
                        ve--;
                    }
                    if (ve - vs >= 2 && s.charAt(vs) == '"' && s.charAt(ve - 1) == '"') {
                        vs++;
                        ve--;
                        if (s.indexOf('\\', vs) >= 0 && s.indexOf('\\', vs) < ve) {
                            return null; // quoted-pair escapes never occur in a real address
                        }
                    }
                    return IpAddresses.parseHost(s, vs, ve);
                }
            }
            i = pairEnd + 1;
        }
        return null;
    }

    @Override
    public String toString() {
        return "ClientIpResolver[trusted=" + trusted.entries() + ", ipv6Prefix=" + ipv6Prefix + "]";
    }
}
