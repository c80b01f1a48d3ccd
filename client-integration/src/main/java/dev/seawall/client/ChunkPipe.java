package dev.seawall.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * A bounded hand-over of bytes from one writing thread to one reading thread: the body of a request too large to
 * keep, written by the caller's {@code StreamingOutput} while the transport sends it. The writer blocks while
 * {@link #CAPACITY} bytes wait to be read; either side ending early (the reader closing, the call ending) makes the
 * other side fail at once instead of waiting forever. Thread-safe: every field is guarded by this.
 */
final class ChunkPipe {

    /** Bytes written and not yet read before the writer waits. */
    static final int CAPACITY = 64 * 1024;

    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private byte[] current;
    private int offset;
    private int queued;
    private boolean eof;
    private boolean readerClosed;
    private boolean aborted;

    /** The writing side. */
    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            put(java.util.Arrays.copyOfRange(b, off, off + len));
        }

        @Override
        public void close() {
            finish();
        }
    };

    /** The reading side. */
    final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return take(b, off, len);
        }

        @Override
        public void close() {
            closeReader();
        }
    };

    synchronized void put(byte[] chunk) throws IOException {
        if (chunk.length == 0) {
            return;
        }
        try {
            while (queued >= CAPACITY && !readerClosed && !aborted) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending the request body");
        }
        if (readerClosed || aborted) {
            throw new IOException("the request ended before its body was sent");
        }
        chunks.add(chunk);
        queued += chunk.length;
        notifyAll();
    }

    private synchronized int take(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        try {
            while ((current == null || offset == current.length) && chunks.isEmpty() && !eof && !aborted) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the request body");
        }
        if (current == null || offset == current.length) {
            if (chunks.isEmpty()) {
                if (aborted && !eof) {
                    throw new IOException("the request body was not written whole");
                }
                return -1;
            }
            current = chunks.poll();
            offset = 0;
        }
        int n = Math.min(len, current.length - offset);
        System.arraycopy(current, offset, b, off, n);
        offset += n;
        queued -= n;
        notifyAll();
        return n;
    }

    /** The writer is done: the reader sees the end after the bytes queued. */
    synchronized void finish() {
        eof = true;
        notifyAll();
    }

    /** The call ended or the writer failed: both sides stop waiting. */
    synchronized void abort() {
        aborted = true;
        notifyAll();
    }

    private synchronized void closeReader() {
        readerClosed = true;
        chunks.clear();
        queued = 0;
        notifyAll();
    }
}
