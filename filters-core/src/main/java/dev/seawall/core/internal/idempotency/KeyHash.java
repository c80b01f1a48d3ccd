package dev.seawall.core.internal.idempotency;

import dev.seawall.core.internal.SipHash;

import java.util.function.ToLongFunction;

/**
 * 128 bits of a keyed hash, as 32 hex digits: two 64-bit hashes of the material, the second over the material with a
 * marker appended. 64 bits alone would make a collision between two callers' keys plausible over billions of keys;
 * 128 bits make it negligible. Stateless after construction; thread-safe.
 */
final class KeyHash {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final ToLongFunction<String> first;
    private final ToLongFunction<String> second;

    private KeyHash(ToLongFunction<String> first, ToLongFunction<String> second) {
        this.first = first;
        this.second = second;
    }

    /** A hash shared by every node (the store's, keyed by its per-deployment secret). */
    static KeyHash of(ToLongFunction<String> keyed) {
        return new KeyHash(keyed, s -> keyed.applyAsLong(s + "\u0001#2"));
    }

    /** A hash keyed at random for this process. */
    static KeyHash random() {
        SipHash a = SipHash.random();
        SipHash b = SipHash.random();
        return new KeyHash(a::hash, b::hash);
    }

    String hex(String material) {
        char[] out = new char[32];
        put(out, 0, first.applyAsLong(material));
        put(out, 16, second.applyAsLong(material));
        return new String(out);
    }

    private static void put(char[] out, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }
}
