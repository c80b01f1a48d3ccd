package dev.seawall.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * SipHash-2-4 (Aumasson &amp; Bernstein), a keyed 64-bit hash designed for hash-flooding resistance: without
 * the key, a client cannot craft identities that collide. Used to turn API keys, user names and tenant
 * ids into bucket keys so that no client identity is stored in clear.
 *
 * <p>Immutable and thread-safe. {@link #hash(String)} hashes the UTF-16 chars directly (two bytes each)
 * and allocates nothing; a 40-char key costs roughly 50-100 ns.
 */
public final class SipHash {

    private final long k0;
    private final long k1;

    public SipHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** A hasher with a fresh random key: hashes differ between processes, so they cannot be precomputed. */
    public static SipHash random() {
        SecureRandom r = new SecureRandom();
        return new SipHash(r.nextLong(), r.nextLong());
    }

    /** Hashes the chars of {@code s} as UTF-16LE bytes. */
    public long hash(String s) {
        int n = s.length();
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        int bytes = n * 2;
        int i = 0;
        // 4 chars = 8 bytes per block
        for (; i + 4 <= n; i += 4) {
            long m = (s.charAt(i) & 0xffffL) | (s.charAt(i + 1) & 0xffffL) << 16
                    | (s.charAt(i + 2) & 0xffffL) << 32 | (s.charAt(i + 3) & 0xffffL) << 48;
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long last = ((long) bytes & 0xff) << 56;
        for (int j = 0; i < n; i++, j++) {
            last |= (s.charAt(i) & 0xffffL) << (16 * j);
        }
        return finish(v0, v1, v2, v3, last);
    }

    /** Hashes raw bytes (used for the reference test vectors). */
    public long hash(byte[] data) {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        int n = data.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long m = 0;
            for (int b = 0; b < 8; b++) {
                m |= (data[i + b] & 0xffL) << (8 * b);
            }
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long last = ((long) n & 0xff) << 56;
        for (int b = 0; i < n; i++, b++) {
            last |= (data[i] & 0xffL) << (8 * b);
        }
        return finish(v0, v1, v2, v3, last);
    }

    private static long finish(long v0, long v1, long v2, long v3, long last) {
        v3 ^= last;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= last;
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** For tests: the ASCII bytes of a string. */
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
