package dev.seawall.core.config;

import java.util.List;

/**
 * A configuration error, with the file, line and key path it concerns. The message is complete and safe to
 * show an operator as is, e.g.
 * {@code seawall.yaml:14: policies[0].rate-limits[1].limit: "10/xyz" is not a rate (expected N/duration, like 100/1m)}.
 *
 * <p>A file with several mistakes gives one exception holding all of them ({@link #problems()}), at most
 * {@link #MAX_REPORTED} in the message, one per line and in file order, followed by {@code ... and N more}; the
 * accessors {@link #source()}, {@link #line()}, {@link #keyPath()} and {@link #problem()} describe the first. With a
 * single problem the message is that problem's line alone.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Most problems written into one message; the rest are counted. */
    public static final int MAX_REPORTED = 20;

    /**
     * One mistake of a configuration.
     *
     * @param source  the file (or resource) name
     * @param line    the 1-based line, or 0 when unknown
     * @param keyPath the key path such as {@code policies[0].rate-limits[1].limit}, or empty
     * @param problem what is wrong
     */
    public record Problem(String source, int line, String keyPath, String problem) {
        public Problem {
            keyPath = keyPath == null ? "" : keyPath;
        }

        /** @return {@code file:line: key.path: problem} */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(source);
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(": ");
            if (!keyPath.isEmpty()) {
                sb.append(keyPath).append(": ");
            }
            return sb.append(problem).toString();
        }
    }

    private final transient List<Problem> problems;

    public ConfigException(String source, int line, String keyPath, String problem) {
        this(List.of(new Problem(source, line, keyPath, problem)));
    }

    /**
     * @param problems at least one problem, in the order to report them
     */
    public ConfigException(List<Problem> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    private static String format(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(problems.size(), MAX_REPORTED);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(problems.get(i));
        }
        if (problems.size() > shown) {
            sb.append("\n... and ").append(problems.size() - shown).append(" more");
        }
        return sb.toString();
    }

    /** @return every problem found, the first one first */
    public List<Problem> problems() {
        return problems;
    }

    /** @return the file (or resource) name */
    public String source() {
        return problems.get(0).source();
    }

    /** @return the first problem's 1-based line, or 0 when unknown */
    public int line() {
        return problems.get(0).line();
    }

    /** @return the first problem's key path such as {@code policies[0].rate-limits[1].limit}, or empty */
    public String keyPath() {
        return problems.get(0).keyPath();
    }

    /** @return what is wrong with the first problem, without the file, line and key path */
    public String problem() {
        return problems.get(0).problem();
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // a config error is about the file, not the code: the stack trace would only be noise in the logs
        return this;
    }
}
