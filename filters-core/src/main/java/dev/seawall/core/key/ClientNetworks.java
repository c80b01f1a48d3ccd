package dev.seawall.core.key;

import dev.seawall.core.http.RequestView;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of networks (addresses and CIDR blocks) that a request's <em>client</em> is matched against: the address
 * {@link ClientIpResolver} finds after walking the forwarding headers of {@linkplain TrustedProxies trusted proxies},
 * so a client behind a trusted proxy is matched by its own address and nothing an untrusted peer writes in
 * {@code X-Forwarded-For} counts. IPv4-mapped IPv6 is the IPv4 address; an IPv6 client is matched by its whole address
 * (no {@code ipv6-prefix} grouping).
 *
 * <p>Immutable and thread-safe; parsed once at configuration time. {@link #contains(RequestView)} is a linear scan over
 * the (few) networks. It allocates nothing for an IPv4 client that is the socket peer; behind a trusted proxy, or for
 * IPv6, it allocates what resolving the client costs (the same as a rate limit by IP: a few dozen bytes).
 */
public final class ClientNetworks {

    private final ClientIpResolver resolver;
    private final int[] v4Networks;
    private final int[] v4Masks;
    private final TrustedProxies v6;
    private final List<String> text;

    private ClientNetworks(ClientIpResolver resolver, int[] v4Networks, int[] v4Masks, TrustedProxies v6,
                           List<String> text) {
        this.resolver = resolver;
        this.v4Networks = v4Networks;
        this.v4Masks = v4Masks;
        this.v6 = v6;
        this.text = text;
    }

    /**
     * @param entries addresses or CIDR blocks, e.g. {@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 192.0.2.7}
     * @param trusted the proxies whose forwarding headers are believed when finding the client
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static ClientNetworks of(List<String> entries, TrustedProxies trusted) {
        List<Integer> nets = new ArrayList<>();
        List<Integer> masks = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (String raw : entries) {
            String e = raw == null ? "" : raw.trim();
            TrustedProxies one = TrustedProxies.of(List.of(e)); // validates, naming the entry
            int slash = e.indexOf('/');
            String addr = slash < 0 ? e : e.substring(0, slash);
            byte[] bytes = addr.indexOf(':') >= 0 ? IpAddresses.normalise(IpAddresses.parseV6(addr, 0, addr.length()))
                    : IpAddresses.parseV4(addr, 0, addr.length());
            if (bytes.length == 4) {
                int max = addr.indexOf(':') >= 0 ? 128 : 32;
                int prefix = slash < 0 ? max : Integer.parseInt(e.substring(slash + 1));
                prefix = Math.max(0, prefix - (max - 32)); // an IPv4-mapped block counts its IPv6 bits
                int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
                nets.add(toInt(bytes) & mask);
                masks.add(mask);
            } else {
                v6.add(e);
            }
            text.add(one.entries().get(0));
        }
        int[] n = new int[nets.size()];
        int[] m = new int[masks.size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = nets.get(i);
            m[i] = masks.get(i);
        }
        return new ClientNetworks(new ClientIpResolver(trusted, 128), n, m, TrustedProxies.of(v6), List.copyOf(text));
    }

    /** @return true when the request's client (after the trusted-proxy walk) is in one of the networks */
    public boolean contains(RequestView request) {
        String client = resolver.resolve(request);
        if (client == null) {
            return false;
        }
        if (IpAddresses.isCanonicalIpv4(client)) {
            return containsV4(parseCanonicalV4(client));
        }
        byte[] bytes = IpAddresses.parseHost(client);
        if (bytes == null) {
            return false;
        }
        return bytes.length == 4 ? containsV4(toInt(bytes)) : v6.contains(bytes);
    }

    /** @return true when the address (4 or 16 bytes, IPv4-mapped already normalised) is in one of the networks */
    public boolean contains(byte[] address) {
        return address.length == 4 ? containsV4(toInt(address)) : v6.contains(address);
    }

    private boolean containsV4(int address) {
        for (int i = 0; i < v4Networks.length; i++) {
            if ((address & v4Masks[i]) == v4Networks[i]) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return text.isEmpty();
    }

    /** @return the entries as configured */
    public List<String> entries() {
        return text;
    }

    private static int toInt(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }

    /** A canonical dotted quad (checked by the caller) as an int, without allocating. */
    private static int parseCanonicalV4(String s) {
        int value = 0;
        int octet = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                value = value << 8 | octet;
                octet = 0;
            } else {
                octet = octet * 10 + (c - '0');
            }
        }
        return value << 8 | octet;
    }

    @Override
    public String toString() {
        return "ClientNetworks" + text;
    }
}
