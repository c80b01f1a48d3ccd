package dev.seawall.core.internal.config;

import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.StatusRange;
import dev.seawall.core.ratelimit.Rate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the value syntax of CONFIG.md, shared by the YAML loader and the servlet init-params.
 * Each throws {@link IllegalArgumentException} whose message quotes the value and says what was expected.
 * Stateless and thread-safe; used at configuration time only.
 */
public final class ConfigValues {

    /** Longest duration accepted anywhere: beyond it a value is a typo, and arithmetic may overflow. */
    public static final Duration MAX_DURATION = Duration.ofDays(365);
    /** Most tokens a rate may grant: the Structured Field integer limit. */
    public static final long MAX_TOKENS = 999_999_999_999_999L;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,15})(ms|s|m|h|d)");
    private static final Pattern RATE = Pattern.compile("(\\d{1,18})\\s*/\\s*(\\d{0,15})(ms|s|m|h|d)");
    private static final Pattern STATUS_RANGE = Pattern.compile("(\\d{3})(?:\\s*-\\s*(\\d{3}))?");

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    private ConfigValues() {
    }

    /** Parses {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}; positive, at most 365 days. */
    public static Duration parseDuration(String text) {
        String t = text == null ? "" : text.trim();
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(quote(t) + " is not a duration (expected a whole number and a unit"
                    + " ms, s, m, h or d, like 250ms or 30s)");
        }
        Duration d = duration(Long.parseLong(m.group(1)), m.group(2), t);
        if (d.isZero()) {
            throw new IllegalArgumentException(quote(t) + " must be longer than zero");
        }
        return d;
    }

    private static Duration duration(long n, String unit, String text) {
        long max = switch (unit) {
            case "ms" -> MAX_DURATION.toMillis();
            case "s" -> MAX_DURATION.toSeconds();
            case "m" -> MAX_DURATION.toMinutes();
            case "h" -> MAX_DURATION.toHours();
            default -> MAX_DURATION.toDays();
        };
        if (n > max) {
            throw new IllegalArgumentException(quote(text) + " is too long (at most 365d)");
        }
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * Parses a byte size: {@code 512}, {@code 64KB}, {@code 16MB}, {@code 1GB} (binary units: 1KB = 1024 bytes).
     *
     * @throws IllegalArgumentException when not a size or larger than {@code max}
     */
    public static long parseSize(String text, long max) {
        String t = text == null ? "" : text.trim();
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(quote(t) + " is not a size (expected bytes or a whole number of KB, MB"
                    + " or GB, like 256KB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(java.util.Locale.ROOT);
        int shift = switch (unit) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 0;
        };
        if (n > (max >> shift)) {
            throw new IllegalArgumentException(quote(t) + " is too large (at most " + (max >> 20) + "MB)");
        }
        return n << shift;
    }

    /** Parses {@code N/duration} ({@code 100/1m}, {@code 5/10s}) or {@code N/unit} ({@code 10/s}). */
    public static Rate parseRate(String text) {
        String t = text == null ? "" : text.trim();
        Matcher m = RATE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(quote(t) + " is not a rate (expected N/duration, like 100/1m)");
        }
        long tokens;
        try {
            tokens = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            tokens = Long.MAX_VALUE;
        }
        if (tokens < 1) {
            throw new IllegalArgumentException(quote(t) + " grants no tokens (N must be at least 1)");
        }
        if (tokens > MAX_TOKENS) {
            throw new IllegalArgumentException(quote(t) + " grants too many tokens (at most " + MAX_TOKENS + ")");
        }
        long count = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        Duration period = duration(count, m.group(3), t);
        if (period.isZero()) {
            throw new IllegalArgumentException(quote(t) + " has a zero period");
        }
        if (tokens > period.toNanos()) {
            throw new IllegalArgumentException(quote(t) + " refills faster than one token per nanosecond");
        }
        return new Rate(tokens, period);
    }

    /** Parses a comma-separated list of rates, as init-params write {@code [10/1s, 300/1m]}. */
    public static List<Rate> parseRates(String text) {
        String t = text == null ? "" : text.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        List<Rate> rates = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            rates.add(parseRate(part));
        }
        return rates;
    }

    /**
     * Forwards a whole number read from {@code text} to an {@code int} setter. A value beyond {@code int} is clamped
     * (so that the setter's range check refuses it), and a refusal that quotes the clamped value quotes the value as
     * written instead, so the message shows what the user wrote.
     *
     * @throws InvalidSettingException the setter's refusal, restated with the text as written
     */
    public static void forwardInt(String text, long value, IntConsumer setter) {
        int clamped = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
        try {
            setter.accept(clamped);
        } catch (InvalidSettingException e) {
            String p = e.problem();
            if (p.startsWith(clamped + " ")) {
                p = text + p.substring(Integer.toString(clamped).length());
            }
            throw new InvalidSettingException(e.key(), p, e.citeKey());
        }
    }

    /**
     * Parses a whole number as the configuration writes it: an optional minus and at most 12 digits. The range is
     * the setting's business (its builder says what it accepts).
     */
    public static long parseWholeNumber(String text) {
        String t = text == null ? "" : text.trim();
        if (!t.matches("-?\\d{1,12}")) {
            throw new IllegalArgumentException(quote(t) + " is not a whole number");
        }
        return Long.parseLong(t);
    }

    /** Parses {@code 500}, {@code 500-599} (100-599, from &lt;= to) or a class, {@code 5xx} ({@code 1xx}-{@code 5xx}). */
    public static StatusRange parseStatusRange(String text) {
        String t = text == null ? "" : text.trim();
        if (t.length() == 3 && t.charAt(0) >= '1' && t.charAt(0) <= '5' && (t.endsWith("xx") || t.endsWith("XX"))) {
            int from = (t.charAt(0) - '0') * 100;
            return new StatusRange(from, from + 99);
        }
        Matcher m = STATUS_RANGE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(quote(t) + " is not a status, status range or class (expected 500,"
                    + " 500-599 or 5xx)");
        }
        int from = Integer.parseInt(m.group(1));
        int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
        if (from < 100 || to > 599 || from > to) {
            throw new IllegalArgumentException(quote(t) + " is not a status range within 100-599 with from <= to");
        }
        return new StatusRange(from, to);
    }

    /**
     * Writes a duration in the configuration's own syntax ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h},
     * {@code 1d}): the largest unit that states it exactly. A duration finer than a millisecond, which the syntax
     * cannot state, is written in nanoseconds ({@code 1500ns}). For log lines and messages.
     */
    public static String formatDuration(Duration d) {
        if (d == null) {
            return "null";
        }
        if (d.isNegative()) {
            return "-" + formatDuration(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        if (d.getNano() % 1_000_000 != 0) {
            return d.toNanos() + "ns";
        }
        if (d.getNano() != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.getSeconds();
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** Quotes a value for a message, cut and with control characters replaced, so a log line stays one line. */
    public static String quote(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < value.length() && i < 60; i++) {
            char c = value.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (value.length() > 60) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }

    /**
     * @return {@code n} and the noun, singular for one: {@code 1 policy}, {@code 3 policies} (log lines)
     */
    public static String count(int n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
