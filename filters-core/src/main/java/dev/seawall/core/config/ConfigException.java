package dev.seawall.core.config;

/**
 * A configuration error, with the file, line and key path it concerns. The message is complete and safe to
 * show an operator as is, e.g.
 * {@code seawall.yaml:14: policies[0].rate-limits[1].limit: "10/xyz" is not a rate (expected N/duration, like 100/1m)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String keyPath;
    private final String problem;

    public ConfigException(String source, int line, String keyPath, String problem) {
        super(format(source, line, keyPath, problem));
        this.source = source;
        this.line = line;
        this.keyPath = keyPath;
        this.problem = problem;
    }

    private static String format(String source, int line, String keyPath, String problem) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (keyPath != null && !keyPath.isEmpty()) {
            sb.append(keyPath).append(": ");
        }
        return sb.append(problem).toString();
    }

    /** @return the file (or resource) name */
    public String source() {
        return source;
    }

    /** @return the 1-based line, or 0 when unknown */
    public int line() {
        return line;
    }

    /** @return the key path such as {@code policies[0].rate-limits[1].limit}, or empty */
    public String keyPath() {
        return keyPath == null ? "" : keyPath;
    }

    /** @return what is wrong, without the file, line and key path */
    public String problem() {
        return problem;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // a config error is about the file, not the code: the stack trace would only be noise in the logs
        return this;
    }
}
