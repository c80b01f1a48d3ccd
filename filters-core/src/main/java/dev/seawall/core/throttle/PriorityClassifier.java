package dev.seawall.core.throttle;

import dev.seawall.core.http.RequestView;

/**
 * Sorts waiting requests into priority classes. Implementations are thread-safe, fast and never throw;
 * they run once per queued request.
 */
@FunctionalInterface
public interface PriorityClassifier {

    /** Highest class: resumed first. */
    int HIGH = 0;
    /** Default class. */
    int NORMAL = 1;
    /** Lowest class: resumed last, and still refused at max-wait like every other class. */
    int LOW = 2;

    /** Everything is {@link #NORMAL}. */
    PriorityClassifier NONE = request -> NORMAL;

    /** @return {@link #HIGH}, {@link #NORMAL} or {@link #LOW} */
    int classify(RequestView request);

    /** @return the class for {@code high}, {@code normal} or {@code low}, or -1 */
    static int parse(String name) {
        if (name == null) {
            return -1;
        }
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "high" -> HIGH;
            case "normal" -> NORMAL;
            case "low" -> LOW;
            default -> -1;
        };
    }
}
