package dev.seawall.core.key;

import java.util.Locale;

/** What a limit does with a request that carries no key (no API key header, no principal, ...). Immutable. */
public enum OnMissing {
    /** The limit does not apply to the request (default). */
    SKIP("skip"),
    /** All requests without a key share one bucket. */
    SHARED("shared"),
    /** The request is refused: 401 for api-key and user, 400 for tenant. */
    REJECT("reject");

    private final String configName;

    OnMissing(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** @return the value for a config string, or null when unknown */
    public static OnMissing fromConfigName(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (OnMissing m : values()) {
            if (m.configName.equals(v)) {
                return m;
            }
        }
        return null;
    }
}
