package dev.seawall.core.key;

import java.util.Locale;

/** What a rate limit is keyed by. The config name is {@link #configName()}. Immutable. */
public enum KeyKind {
    IP("ip"),
    API_KEY("api-key"),
    USER("user"),
    TENANT("tenant");

    private final String configName;

    KeyKind(String configName) {
        this.configName = configName;
    }

    /** The value of {@code by:} in the YAML, e.g. {@code api-key}. */
    public String configName() {
        return configName;
    }

    /** @return the kind for a config value, or null when unknown */
    public static KeyKind fromConfigName(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (KeyKind k : values()) {
            if (k.configName.equals(v)) {
                return k;
            }
        }
        return null;
    }
}
