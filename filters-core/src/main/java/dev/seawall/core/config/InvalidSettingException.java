package dev.seawall.core.config;

/**
 * A setting that a config builder refuses. {@link #key()} names the setting as the configuration file spells it
 * ({@code failure-rate}, or a path below the object such as {@code fallback.stale-cache}); {@link #problem()} says
 * what is wrong and quotes the value. The message is {@code key: problem}, or only the problem when the object as a
 * whole is wrong (empty key). Front ends (YAML, init-params, annotations) turn it into their own error with their
 * own position, so the wording is written once, here.
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;
    private final String citeKey;

    /**
     * @param key     the setting, relative to the object being built; empty for the object as a whole
     * @param problem what is wrong
     */
    public InvalidSettingException(String key, String problem) {
        this(key, problem, null);
    }

    /**
     * @param citeKey the setting whose key a file front end should cite for the position (empty: the object's own
     *                key), when that is not {@code key} itself; null for the default
     */
    public InvalidSettingException(String key, String problem, String citeKey) {
        super(key == null || key.isEmpty() ? problem : key + ": " + problem);
        this.key = key == null ? "" : key;
        this.problem = problem;
        this.citeKey = citeKey;
    }

    /** @return the setting's key, relative to the object; empty for the object as a whole */
    public String key() {
        return key;
    }

    /** @return what is wrong, without the key */
    public String problem() {
        return problem;
    }

    /** @return the key whose position a file front end cites instead of the value's, or null */
    public String citeKey() {
        return citeKey;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // a refused setting is about the configuration, not the code
        return this;
    }
}
