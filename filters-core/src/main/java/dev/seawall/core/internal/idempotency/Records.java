package dev.seawall.core.internal.idempotency;

import dev.seawall.core.http.Rejection;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The records an {@link dev.seawall.core.idempotency.IdempotencyStore} keeps, as bytes: stores treat them as opaque,
 * so one encoding serves the local map and Redis alike.
 * <pre>
 *   in flight:  'F' 1 fingerprint[32] owner[16]
 *   answered:   'A' 1 fingerprint[32] status:u16 headers:u16 (name:u16-len utf8, value:u32-len utf8)* body:u32-len bytes
 *   not kept:   'N' 1 fingerprint[32] status:u16
 * </pre>
 * The in-flight record's owner makes it unique to one request, so that replacing or removing it by value touches only
 * that request's own lock. Decoding never trusts a length: a damaged or foreign record is {@link Corrupt}.
 *
 * <p>Stateless and thread-safe.
 */
final class Records {

    static final byte IN_FLIGHT = 'F';
    static final byte ANSWERED = 'A';
    static final byte NOT_KEPT = 'N';
    private static final byte VERSION = 1;
    static final int FINGERPRINT = 32;
    private static final int OWNER = 16;
    private static final int HEAD = 2 + FINGERPRINT;
    /** Headers a record may hold: more is a damaged record (the adapters never keep this many). */
    private static final int MAX_HEADERS = 1000;

    private Records() {
    }

    /** A record that is not one of ours, or was cut short. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message, null, false, false);
        }
    }

    /** A decoded record: its kind, fingerprint and, for an answer, what to replay. */
    record Decoded(byte kind, byte[] fingerprint, int status, List<Rejection.Header> headers, byte[] body) {
        boolean sameRequest(byte[] fp) {
            return Arrays.equals(fingerprint, fp);
        }
    }

    static byte[] inFlight(byte[] fingerprint, byte[] owner) {
        ByteBuffer b = ByteBuffer.allocate(HEAD + OWNER);
        head(b, IN_FLIGHT, fingerprint);
        b.put(owner, 0, OWNER);
        return b.array();
    }

    static byte[] notKept(byte[] fingerprint, int status) {
        ByteBuffer b = ByteBuffer.allocate(HEAD + 2);
        head(b, NOT_KEPT, fingerprint);
        b.putShort((short) status);
        return b.array();
    }

    /**
     * @return the answered record, or null when the answer cannot be kept as a record {@link #decode} accepts (more
     *         than {@value #MAX_HEADERS} headers, or a name or value longer than its length field): the caller keeps a
     *         marker instead, so that repeats get 409 rather than a record nobody can read
     */
    static byte[] answeredOrNull(byte[] fingerprint, int status, List<Rejection.Header> headers, byte[] body,
                                 int length) {
        if (headers.size() > MAX_HEADERS) {
            return null;
        }
        for (Rejection.Header h : headers) {
            if (h.name().isEmpty() || h.name().length() > 0x3fff || !printable(h.name()) || !printable(h.value())) {
                return null;
            }
        }
        return answered(fingerprint, status, headers, body, length);
    }

    static byte[] answered(byte[] fingerprint, int status, List<Rejection.Header> headers, byte[] body, int length) {
        List<byte[]> encoded = new ArrayList<>(headers.size() * 2);
        int size = HEAD + 2 + 2 + 4 + length;
        for (Rejection.Header h : headers) {
            byte[] n = h.name().getBytes(StandardCharsets.UTF_8);
            byte[] v = h.value().getBytes(StandardCharsets.UTF_8);
            encoded.add(n);
            encoded.add(v);
            size += 2 + n.length + 4 + v.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        head(b, ANSWERED, fingerprint);
        b.putShort((short) status);
        b.putShort((short) headers.size());
        for (int i = 0; i < encoded.size(); i += 2) {
            b.putShort((short) encoded.get(i).length).put(encoded.get(i));
            b.putInt(encoded.get(i + 1).length).put(encoded.get(i + 1));
        }
        b.putInt(length).put(body, 0, length);
        return b.array();
    }

    private static void head(ByteBuffer b, byte kind, byte[] fingerprint) {
        if (fingerprint.length != FINGERPRINT) {
            throw new IllegalArgumentException("fingerprint: " + fingerprint.length + " bytes");
        }
        b.put(kind).put(VERSION).put(fingerprint);
    }

    static Decoded decode(byte[] record) throws Corrupt {
        if (record == null || record.length < HEAD || record[1] != VERSION) {
            throw new Corrupt("not an idempotency record of this version");
        }
        ByteBuffer b = ByteBuffer.wrap(record);
        byte kind = b.get();
        b.get();
        byte[] fp = new byte[FINGERPRINT];
        b.get(fp);
        try {
            return switch (kind) {
                case IN_FLIGHT -> {
                    if (b.remaining() != OWNER) {
                        throw new Corrupt("in-flight record of " + record.length + " bytes");
                    }
                    yield new Decoded(kind, fp, 0, List.of(), null);
                }
                case NOT_KEPT -> new Decoded(kind, fp, status(b), List.of(), null);
                case ANSWERED -> answer(b, fp);
                default -> throw new Corrupt("unknown record kind " + kind);
            };
        } catch (java.nio.BufferUnderflowException e) {
            throw new Corrupt("record cut short");
        }
    }

    private static Decoded answer(ByteBuffer b, byte[] fp) throws Corrupt {
        int status = status(b);
        int count = b.getShort() & 0xffff;
        if (count > MAX_HEADERS) {
            throw new Corrupt(count + " headers");
        }
        List<Rejection.Header> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = text(b, b.getShort() & 0xffff);
            String value = text(b, b.getInt());
            if (name.isEmpty() || !printable(name) || !printable(value)) {
                // never replay a header that could split the response
                throw new Corrupt("header with a control character");
            }
            headers.add(new Rejection.Header(name, value));
        }
        int length = b.getInt();
        if (length < 0 || length != b.remaining()) {
            throw new Corrupt("body of " + length + " bytes in " + b.remaining());
        }
        byte[] body = new byte[length];
        b.get(body);
        return new Decoded(ANSWERED, fp, status, List.copyOf(headers), body);
    }

    static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static int status(ByteBuffer b) throws Corrupt {
        int status = b.getShort() & 0xffff;
        if (status < 200 || status > 599) {
            throw new Corrupt("status " + status);
        }
        return status;
    }

    private static String text(ByteBuffer b, int length) throws Corrupt {
        if (length < 0 || length > b.remaining()) {
            throw new Corrupt("text of " + length + " bytes in " + b.remaining());
        }
        byte[] t = new byte[length];
        b.get(t);
        return new String(t, StandardCharsets.UTF_8);
    }
}
