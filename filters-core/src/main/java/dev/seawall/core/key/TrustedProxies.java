package dev.seawall.core.key;

import java.util.ArrayList;
import java.util.List;

/**
 * The peers whose {@code X-Forwarded-For} / {@code Forwarded} headers are believed ({@code trusted-proxies}
 * in the YAML). Default: none, so nothing a client writes can choose its key.
 *
 * <p>Immutable and thread-safe. {@link #contains(byte[])} is a linear scan over the (few) networks and
 * allocates nothing.
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(new byte[0][], new int[0], List.of());

    private final byte[][] networks;
    private final int[] prefixes;
    private final List<String> text;

    private TrustedProxies(byte[][] networks, int[] prefixes, List<String> text) {
        this.networks = networks;
        this.prefixes = prefixes;
        this.text = text;
    }

    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * @param entries addresses or CIDR blocks, e.g. {@code 10.0.0.0/8}, {@code ::1/128}, {@code 192.0.2.7}
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static TrustedProxies of(List<String> entries) {
        if (entries == null || entries.isEmpty()) {
            return NONE;
        }
        byte[][] nets = new byte[entries.size()][];
        int[] bits = new int[entries.size()];
        List<String> text = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String e = entries.get(i) == null ? "" : entries.get(i).trim();
            int slash = e.indexOf('/');
            String addr = slash < 0 ? e : e.substring(0, slash);
            byte[] bytes = addr.indexOf(':') >= 0 ? IpAddresses.parseV6(addr, 0, addr.length())
                    : IpAddresses.parseV4(addr, 0, addr.length());
            if (bytes == null || addr.indexOf('%') >= 0) {
                throw new IllegalArgumentException("\"" + e + "\" is not an IP address or CIDR block");
            }
            int max = bytes.length * 8;
            int prefix = max;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException ex) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > max) {
                    throw new IllegalArgumentException("\"" + e + "\" has a prefix length outside 0-" + max);
                }
            }
            byte[] normalised = IpAddresses.normalise(bytes);
            if (normalised.length == 4 && bytes.length == 16) {
                prefix = Math.max(0, prefix - 96);
            }
            nets[i] = mask(normalised, prefix);
            bits[i] = prefix;
            text.add(e);
        }
        return new TrustedProxies(nets, bits, List.copyOf(text));
    }

    /** @return true when the address (4 or 16 bytes, IPv4-mapped already normalised) is trusted */
    public boolean contains(byte[] address) {
        for (int i = 0; i < networks.length; i++) {
            byte[] net = networks[i];
            if (net.length == address.length && matches(net, address, prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param peer a socket peer's address literal, as {@code RequestView.remoteAddress()} gives it
     * @return true when that peer is trusted; false for null or anything that is not an IP literal
     */
    public boolean trusts(String peer) {
        if (networks.length == 0 || peer == null) {
            return false;
        }
        byte[] bytes = IpAddresses.parseHost(peer);
        return bytes != null && contains(bytes);
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    /** @return the entries as configured */
    public List<String> entries() {
        return text;
    }

    private static boolean matches(byte[] net, byte[] a, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (net[full] & m) == (a[full] & m);
    }

    /** @return a copy with every bit after {@code prefix} cleared */
    static byte[] mask(byte[] a, int prefix) {
        byte[] out = a.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    @Override
    public String toString() {
        return "TrustedProxies" + text;
    }
}
