package dev.seawall.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The samples of a Prometheus text exposition (format 0.0.4), by sample name ({@code _total}, {@code _count},
 * {@code _sum} included, as a query names them). Comment and {@code # TYPE} lines are skipped. Immutable,
 * thread-safe.
 */
final class PrometheusText {

    /** One sample line: its labels and its value. */
    record Sample(Map<String, String> labels, double value) {
    }

    private final Map<String, List<Sample>> samples;

    private PrometheusText(Map<String, List<Sample>> samples) {
        this.samples = samples;
    }

    /** @throws IllegalArgumentException for a line that is not a sample */
    static PrometheusText parse(String text) {
        Map<String, List<Sample>> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i = labels(line, i + 1, labels);
            }
            String[] rest = line.substring(i).trim().split(" ");
            if (name.isEmpty() || rest.length < 1 || rest[0].isEmpty()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            double value = switch (rest[0]) {
                case "NaN" -> Double.NaN;
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(rest[0]);
            };
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(new Sample(Map.copyOf(labels), value));
        }
        return new PrometheusText(out);
    }

    private static int labels(String line, int from, Map<String, String> into) {
        int i = from;
        while (line.charAt(i) != '}') {
            int eq = line.indexOf("=\"", i);
            String label = line.substring(i, eq);
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            while (line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\') {
                    char e = line.charAt(++j);
                    v.append(e == 'n' ? '\n' : e);
                } else {
                    v.append(c);
                }
                j++;
            }
            into.put(label, v.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }

    /** @return every sample name */
    Set<String> names() {
        return new TreeSet<>(samples.keySet());
    }

    /** @return the samples of one name; empty when it is not exported */
    List<Sample> samples(String name) {
        return samples.getOrDefault(name, List.of());
    }

    /** @return the label names any sample of {@code name} carries */
    Set<String> labelNames(String name) {
        Set<String> out = new TreeSet<>();
        samples(name).forEach(s -> out.addAll(s.labels().keySet()));
        return out;
    }

    /** @return the values {@code label} takes on the samples of {@code name} */
    Set<String> labelValues(String name, String label) {
        Set<String> out = new TreeSet<>();
        samples(name).forEach(s -> {
            if (s.labels().containsKey(label)) {
                out.add(s.labels().get(label));
            }
        });
        return out;
    }

    /** @return the sum of the samples of {@code name} whose labels include {@code match} */
    double sum(String name, Map<String, String> match) {
        return samples(name).stream().filter(s -> s.labels().entrySet().containsAll(match.entrySet()))
                .mapToDouble(Sample::value).sum();
    }
}
