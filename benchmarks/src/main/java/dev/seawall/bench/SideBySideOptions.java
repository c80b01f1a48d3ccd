package dev.seawall.bench;

import dev.seawall.bench.SideBySideBenchmark.InProcess;
import dev.seawall.bench.SideBySideBenchmark.Server;
import dev.seawall.bench.SideBySideBenchmark.Setup;

import static dev.seawall.bench.SideBySideBenchmark.DEFAULT_FLOOD_SERVER_JVM;
import static dev.seawall.bench.SideBySideBenchmark.DEFAULT_SERVER_JVM;
import static dev.seawall.bench.SideBySideBenchmark.LOW;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The side-by-side harness's command-line options ({@code --name value}) and their defaults; {@code --help} prints
 * them. Kept apart from {@link SideBySideBenchmark}, which runs the setups. Immutable.
 */
record SideBySideOptions(int rounds, long roundMillis, int rejectRounds, long rejectMillis, long warmupMillis,
                         int connections, long floodMillis, long floodSliceMillis, int floodKeys, List<Setup> setups,
                         List<Setup> floodSetups, Set<String> runs, Path out, boolean fork, List<String> serverJvm,
                         List<String> floodServerJvm, int rejectLimit) {

    /** A server of {@code setup}, forked unless {@code --fork false}. */
    Server open(Setup setup, boolean low, boolean flood) throws Exception {
        return fork ? ForkedServer.start(setup, low, rejectLimit, flood ? floodServerJvm : serverJvm)
                : new InProcess(SideBySideBenchmark.start(setup, low, rejectLimit));
    }

    static SideBySideOptions parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help")) {
                throw new IllegalArgumentException(usage());
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("bad argument " + args[i] + "\n" + usage());
            }
            m.put(args[i].substring(2), args[++i]);
        }
        SideBySideOptions o = new SideBySideOptions(
                Integer.parseInt(m.getOrDefault("rounds", "5")),
                millis(m.getOrDefault("round-seconds", "3")),
                Integer.parseInt(m.getOrDefault("reject-rounds", "5")),
                millis(m.getOrDefault("reject-seconds", "3")),
                millis(m.getOrDefault("warmup-seconds", "10")),
                Integer.parseInt(m.getOrDefault("connections", "8")),
                millis(m.getOrDefault("flood-seconds", "40")),
                millis(m.getOrDefault("flood-slice-seconds", "10")),
                Integer.parseInt(m.getOrDefault("flood-keys", "1000000")),
                setups(m.getOrDefault("setups", "bare-jetty,seawall-ip,seawall-full-chain,seawall-ip-no-headers,jetty-dosfilter,"
                        + "jetty-dosfilter+qosfilter,tomcat-ratelimitfilter,hand-rolled-bucket4j")),
                setups(m.getOrDefault("flood-setups", "bare-jetty,seawall-ip,seawall-ip-per-minute,jetty-dosfilter")),
                Set.of(m.getOrDefault("runs", "admission,rejection,flood").split(",")),
                Path.of(m.getOrDefault("out", Files.isDirectory(Path.of("benchmarks")) ? "benchmarks/results"
                        : "results")),
                bool(m.getOrDefault("fork", "true")),
                words(m.getOrDefault("server-jvm", DEFAULT_SERVER_JVM)),
                words(m.getOrDefault("flood-server-jvm", DEFAULT_FLOOD_SERVER_JVM)),
                Integer.parseInt(m.getOrDefault("reject-limit", Integer.toString(LOW))));
        m.keySet().removeAll(Set.of("rounds", "round-seconds", "reject-rounds", "reject-seconds", "warmup-seconds",
                "connections", "flood-seconds", "flood-slice-seconds", "flood-keys", "setups", "flood-setups",
                "runs", "out", "fork", "server-jvm", "flood-server-jvm", "reject-limit"));
        if (!m.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + m.keySet() + "\n" + usage());
        }
        if (o.rejectLimit < 1) {
            throw new IllegalArgumentException("--reject-limit is requests per second per address, at least 1, not "
                    + o.rejectLimit);
        }
        if (!o.setups.contains(Setup.BARE) || !o.floodSetups.contains(Setup.BARE)) {
            throw new IllegalArgumentException("bare-jetty is the baseline and must be among the setups");
        }
        return o;
    }

    private static boolean bool(String v) {
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("--fork takes true or false, not " + v);
        }
        return Boolean.parseBoolean(v);
    }

    private static List<String> words(String v) {
        return Arrays.stream(v.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static long millis(String seconds) {
        return Math.round(Double.parseDouble(seconds) * 1000);
    }

    private static List<Setup> setups(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Setup::of).toList();
    }

    static String usage() {
        return "options (defaults): --rounds 5 --round-seconds 3 --reject-rounds 5 --reject-seconds 3"
                + " --warmup-seconds 10 --connections 8 --flood-seconds 40 --flood-slice-seconds 10"
                + " --flood-keys 1000000 --runs admission,rejection,flood --setups <all> --flood-setups"
                + " bare-jetty,seawall-ip,seawall-ip-per-minute,jetty-dosfilter --out benchmarks/results"
                + " --fork true --reject-limit " + LOW + " --server-jvm '" + DEFAULT_SERVER_JVM
                + "' --flood-server-jvm '" + DEFAULT_FLOOD_SERVER_JVM + "' ({setup} in a JVM option becomes the setup's name, e.g. for a"
                + " JFR file per setup)";
    }
}
