package dev.seawall.servlet;

import java.util.Arrays;

/**
 * The copy of a streaming response's body kept for the stale cache, up to a bound: past it the copy is worthless (a
 * partial body is never served) and the caller drops it. Confined to the thread that writes the response.
 */
final class BodyCopy {
    private final int limit;
    private byte[] bytes;
    private int len;

    /** Starts with the {@code len} bytes already written (at most {@code limit}). */
    BodyCopy(byte[] first, int len, int limit) {
        this.limit = limit;
        this.bytes = Arrays.copyOf(first, Math.max(len, 64));
        this.len = len;
    }

    /** @return false when the body outgrew the bound: the copy is then no longer complete */
    boolean add(byte[] b, int off, int n) {
        if ((long) len + n > limit) {
            return false;
        }
        if (len + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(len + n, 2 * bytes.length)));
        }
        System.arraycopy(b, off, bytes, len, n);
        len += n;
        return true;
    }

    byte[] bytes() {
        return Arrays.copyOf(bytes, len);
    }
}
