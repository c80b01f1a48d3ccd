package dev.seawall.core.ratelimit;

import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The keys of a {@code store:} block as written (every key but {@code type}, in file order, each a single value),
 * handed to the {@link BucketStoreProvider} of its type, which owns their meaning. The provider checks each key with
 * {@link #check}, {@link #text}, {@link #duration} or {@link #integer}; a refusal is collected, not thrown, so that
 * a file with several mistakes reports them all (each as {@code file:line: store.key: problem}, the line found by
 * the front end that read the block).
 *
 * <p>Not thread-safe: one instance per configuration load.
 */
public final class StoreKeys {

    private final String type;
    private final Map<String, String> values;
    private final List<InvalidSettingException> problems = new ArrayList<>();

    /**
     * @param type   the block's {@code type}
     * @param values key to value text, in the order written
     */
    public StoreKeys(String type, Map<String, String> values) {
        this.type = type;
        this.values = new LinkedHashMap<>(values);
    }

    /** @return the store type, e.g. {@code redis} */
    public String type() {
        return type;
    }

    /** @return the keys given, in the order written */
    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** @return the value text of a key, or null when absent */
    public String get(String key) {
        return values.get(key);
    }

    /** Runs one check; an {@link InvalidSettingException} it throws is collected. */
    public void check(Runnable check) {
        try {
            check.run();
        } catch (InvalidSettingException e) {
            problems.add(e);
        }
    }

    /** Hands a present key's text to {@code setter}; a refusal is collected. */
    public void text(String key, Consumer<String> setter) {
        if (has(key)) {
            check(() -> setter.accept(get(key)));
        }
    }

    /** Hands a present key's duration ({@code 50ms}, {@code 2s}) to {@code setter}; a refusal is collected. */
    public void duration(String key, Consumer<Duration> setter) {
        if (has(key)) {
            check(() -> {
                Duration d;
                try {
                    d = ConfigValues.parseDuration(get(key));
                } catch (InvalidSettingException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new InvalidSettingException(key, e.getMessage());
                }
                setter.accept(d);
            });
        }
    }

    /**
     * Hands a present key's whole number to {@code setter}; a refusal is collected, a value beyond {@code int}
     * reported as written.
     */
    public void integer(String key, IntConsumer setter) {
        if (!has(key)) {
            return;
        }
        check(() -> {
            String v = get(key).trim();
            long n;
            try {
                n = ConfigValues.parseWholeNumber(v);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(key, e.getMessage());
            }
            ConfigValues.forwardInt(v, n, setter);
        });
    }

    /** Collects a refusal found otherwise (the rules between keys). */
    public void refuse(InvalidSettingException problem) {
        problems.add(problem);
    }

    /** @return true when nothing was refused so far */
    public boolean clean() {
        return problems.isEmpty();
    }

    /** @return the refusals collected, in the order found */
    public List<InvalidSettingException> problems() {
        return List.copyOf(problems);
    }
}
