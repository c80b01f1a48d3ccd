package dev.seawall.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request an application sees behind an idempotency key: the body was read (and fingerprinted) before the
 * application ran, so the container's stream is spent, and this request serves the copy instead.
 * <ul>
 *   <li>{@link #getInputStream()} and {@link #getReader()} (in the request's character encoding) read the copy; as for
 *       the container's request, only one of them may be used.</li>
 *   <li>{@link #getContentLength()} is the copy's length, also for a chunked request.</li>
 *   <li>For a {@code POST} of {@code application/x-www-form-urlencoded} the parameters are the query's and the
 *       copy's, query first, parsed on first use (after any {@code setCharacterEncoding}); the container could no
 *       longer read them. The query is decoded as UTF-8, the body in the request's character encoding (the context's
 *       request encoding, else ISO-8859-1, as the Servlet specification says). Other requests keep the container's
 *       parameters. When a filter in front already read the form's parameters (the body was consumed before Seawall
 *       read it), the container's parsed parameters are served instead.</li>
 *   <li>{@link #startAsync()} hands out the wrappers of the idempotency step, so that what an async application (and
 *       a throttle's wait, whose dispatch resumes with this request) writes is captured.</li>
 * </ul>
 * Confined to the request like any servlet request.
 */
final class ReplayedRequest extends HttpServletRequestWrapper {

    private static final String FORM = "application/x-www-form-urlencoded";

    private final byte[] body;
    private final int length;
    private final HttpServletResponse response;
    /** 0: unused, 1: stream handed out, 2: reader handed out. */
    private int reading;
    private Stream stream;
    private BufferedReader reader;
    private Map<String, String[]> parameters;
    /** The container parsed the form's parameters before Seawall read the body: they are served from there. */
    private final boolean parsedUpstream;

    /**
     * @param body           the body's bytes; the first {@code length} are the body
     * @param response       the response to hand to {@link #startAsync()}
     * @param parsedUpstream whether the container already parsed the form's parameters (the body was consumed)
     */
    ReplayedRequest(HttpServletRequest request, byte[] body, int length, HttpServletResponse response,
                    boolean parsedUpstream) {
        super(request);
        this.body = body;
        this.length = length;
        this.response = response;
        this.parsedUpstream = parsedUpstream;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (reading == 2) {
            throw new IllegalStateException("getReader() was already called");
        }
        reading = 1;
        if (stream == null) {
            stream = new Stream(body, length);
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() throws UnsupportedEncodingException {
        if (reading == 1) {
            throw new IllegalStateException("getInputStream() was already called");
        }
        if (reader == null) {
            Charset charset = charset();
            reading = 2;
            reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body, 0, length), charset));
        }
        return reader;
    }

    /** The request's character encoding, the context's request encoding, else ISO-8859-1 (the specification's). */
    private Charset charset() throws UnsupportedEncodingException {
        String name = getCharacterEncoding();
        if (name == null && getServletContext() != null) {
            try {
                name = getServletContext().getRequestCharacterEncoding();
            } catch (RuntimeException | AbstractMethodError e) {
                name = null;
            }
        }
        if (name == null) {
            return StandardCharsets.ISO_8859_1;
        }
        try {
            return Charset.forName(name.trim());
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new UnsupportedEncodingException(name);
        }
    }

    @Override
    public int getContentLength() {
        return length;
    }

    @Override
    public long getContentLengthLong() {
        return length;
    }

    // ---- form parameters ----

    /** @return whether this request's parameters come from the copy of its body */
    private boolean form() {
        return !parsedUpstream && isForm(this);
    }

    /** @return whether {@code request} is a POST of {@code application/x-www-form-urlencoded} */
    static boolean isForm(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.regionMatches(true, 0, FORM, 0, FORM.length())
                && (type.length() == FORM.length() || type.charAt(FORM.length()) == ';'
                || type.charAt(FORM.length()) == ' ') && "POST".equals(request.getMethod());
    }

    private Map<String, String[]> parameters() {
        if (parameters == null) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            parse(getQueryString(), StandardCharsets.UTF_8, out);
            Charset charset;
            try {
                charset = charset();
            } catch (UnsupportedEncodingException e) {
                charset = StandardCharsets.ISO_8859_1; // as containers do for an unknown encoding of a form
            }
            parse(new String(body, 0, length, StandardCharsets.ISO_8859_1), charset, out);
            Map<String, String[]> done = new LinkedHashMap<>();
            out.forEach((k, v) -> done.put(k, v.toArray(new String[0])));
            parameters = Collections.unmodifiableMap(done);
        }
        return parameters;
    }

    /**
     * Parses {@code a=1&b=2}: {@code text} holds one char per byte (ISO-8859-1), so that percent-escapes and raw
     * bytes both decode in {@code charset}. A malformed escape keeps the pair's text as written.
     */
    static void parse(String text, Charset charset, Map<String, List<String>> out) {
        if (text == null || text.isEmpty()) {
            return;
        }
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), charset);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), charset);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
    }

    private static String decode(String latin1, Charset charset) {
        String bytes = new String(latin1.getBytes(StandardCharsets.ISO_8859_1), charset);
        try {
            return URLDecoder.decode(bytes, charset);
        } catch (IllegalArgumentException malformed) {
            return bytes;
        }
    }

    @Override
    public String getParameter(String name) {
        if (!form()) {
            return super.getParameter(name);
        }
        String[] v = parameters().get(name);
        return v == null ? null : v[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return form() ? parameters() : super.getParameterMap();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return form() ? Collections.enumeration(parameters().keySet()) : super.getParameterNames();
    }

    @Override
    public String[] getParameterValues(String name) {
        if (!form()) {
            return super.getParameterValues(name);
        }
        String[] v = parameters().get(name);
        return v == null ? null : v.clone();
    }

    // ---- async ----

    @Override
    public AsyncContext startAsync() {
        return startAsync(this, response);
    }

    /** The copy as a stream; reads never block. */
    private static final class Stream extends ServletInputStream {
        private final byte[] body;
        private final int length;
        private int pos;

        Stream(byte[] body, int length) {
            this.body = body;
            this.length = length;
        }

        @Override
        public int read() {
            return pos < length ? body[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos >= length) {
                return -1;
            }
            int n = Math.min(len, length - pos);
            System.arraycopy(body, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return length - pos;
        }

        @Override
        public long skip(long n) {
            int k = (int) Math.max(0, Math.min(n, length - pos));
            pos += k;
            return k;
        }

        @Override
        public boolean isFinished() {
            return pos >= length;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        /** Everything is there already: the listener hears so at once, on the calling thread. */
        @Override
        public void setReadListener(ReadListener listener) {
            try {
                if (pos < length) {
                    listener.onDataAvailable();
                }
                listener.onAllDataRead();
            } catch (IOException | RuntimeException e) {
                listener.onError(e);
            }
        }
    }
}
