package dev.seawall.cli;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes a configuration record's settings the way the YAML spells them: {@code failure-rate=50 open-for=30s},
 * leaving out what is not set. Values longer than {@value #MAX_VALUE} characters are cut (a static fallback body may
 * be 64 KB). Stateless and thread-safe.
 */
final class Settings {

    static final int MAX_VALUE = 80;

    private Settings() {
    }

    static String of(Record settings) {
        if (settings == null) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (RecordComponent c : settings.getClass().getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(settings);
            } catch (ReflectiveOperationException e) {
                continue; // a record's accessors are public: not reached
            }
            if (v == null || v instanceof Collection<?> col && col.isEmpty()
                    || v instanceof Map<?, ?> m && m.isEmpty()) {
                continue;
            }
            out.add(kebab(c.getName()) + "=" + value(v));
        }
        return String.join(" ", out);
    }

    private static String value(Object v) {
        String s = v instanceof Duration d ? duration(d)
                : v instanceof Record r ? "{" + of(r) + "}"
                : String.valueOf(v);
        s = s.replace('\n', ' ').replace('\r', ' ');
        return s.length() > MAX_VALUE ? s.substring(0, MAX_VALUE) + "..." : s;
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    static String kebab(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                sb.append('-').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
