package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The shared checks of the config builders; each throws {@link InvalidSettingException} naming the key and quoting
 * the value. Stateless and thread-safe.
 */
final class Check {

    /** Names of policies, limits, breakers and plans: they appear in headers, metrics and logs. */
    static final Pattern SAFE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** An HTTP token: header names and methods. */
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");

    private Check() {
    }

    static int range(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidSettingException(key, value + " is outside " + min + "-" + max);
        }
        return (int) value;
    }

    static long rangeLong(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidSettingException(key, value + " is outside " + min + "-" + max);
        }
        return value;
    }

    /** A duration as {@link ConfigValues#parseDuration} accepts it: positive, at most 365 days. */
    static Duration duration(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new InvalidSettingException(key, ConfigValues.quote(ConfigValues.formatDuration(d))
                    + " must be longer than zero");
        }
        if (d.compareTo(ConfigValues.MAX_DURATION) > 0) {
            throw new InvalidSettingException(key, ConfigValues.quote(ConfigValues.formatDuration(d))
                    + " is too long (at most 365d)");
        }
        return d;
    }

    static String token(String key, String value, String what) {
        if (value == null || !TOKEN.matcher(value).matches()) {
            throw new InvalidSettingException(key, ConfigValues.quote(String.valueOf(value)) + " is not a valid " + what);
        }
        return value;
    }

    static InvalidSettingException required(String key, String hint) {
        return new InvalidSettingException(key, hint == null ? "is required" : "is required " + hint);
    }

    /** @return {@code mode} when it is {@code enforce} or {@code shadow} (a rate limit's, a throttle's, a breaker's) */
    static String mode(String mode) {
        if (!"enforce".equals(mode) && !"shadow".equals(mode)) {
            throw new InvalidSettingException("mode", dev.seawall.core.internal.config.ConfigValues.quote(
                    String.valueOf(mode)) + " is not a mode (expected enforce or shadow)");
        }
        return mode;
    }
}
