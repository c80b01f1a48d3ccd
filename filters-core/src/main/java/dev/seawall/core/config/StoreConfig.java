package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The top-level {@code store:} block: where rate-limit buckets live. The core knows only {@code type}; a shared
 * store's keys belong to the module serving the type (a {@code BucketStoreProvider}), which checks them and returns
 * its own settings object. Immutable and thread-safe.
 *
 * @param type     {@code local} (default) or a type served by a {@code BucketStoreProvider}, e.g. {@code redis}
 * @param settings the provider's settings for the block's other keys (for {@code redis}: the redis-store module's
 *                 {@code RedisStoreSettings}); null for {@code local}. Compared with {@code equals}: a reload keeps
 *                 a store whose settings are equal
 */
public record StoreConfig(String type, Object settings) {

    /** A store type's name; declared before {@link #LOCAL}, whose construction checks it. */
    private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** No {@code store:} block: buckets in each JVM. */
    public static final StoreConfig LOCAL = new StoreConfig("local", null);

    public StoreConfig {
        Objects.requireNonNull(type, "type");
        checkType(type);
        if ("local".equals(type) && settings != null) {
            throw new InvalidSettingException("type", "a local store has no other settings");
        }
    }

    /**
     * @return the type, when it is a store type's name
     * @throws InvalidSettingException (key {@code type}) otherwise
     */
    public static String checkType(String type) {
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new InvalidSettingException("type", ConfigValues.quote(String.valueOf(type))
                    + " is not a store type (expected local or redis)");
        }
        return type;
    }

    /** The problem of a key given to a local store. */
    static InvalidSettingException notLocal(String key) {
        return new InvalidSettingException(key, "applies only to a shared store (type: redis)");
    }

    /** @return true for the in-JVM store */
    public boolean local() {
        return "local".equals(type);
    }

    /** The settings may hold secrets: their own {@code toString} keeps them out. */
    @Override
    public String toString() {
        return "StoreConfig[type=" + type + (settings == null ? "" : ", settings=" + settings) + "]";
    }
}
