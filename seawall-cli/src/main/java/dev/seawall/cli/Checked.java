package dev.seawall.cli;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.List;
import java.util.function.Function;

/**
 * One file checked as start-up would check it: loaded (with {@code ${NAME}} substitution from the tool's
 * environment) and its policies built by the engine's own factory, so that the mistakes only building finds (a
 * shared breaker declared twice with other settings) are reported too. Buckets are local whatever {@code store:}
 * says: the tool never connects anywhere. Immutable once made; not shared between threads.
 *
 * @param file     the file as read
 * @param config   the configuration, or null when the file is unreadable or invalid
 * @param policies the built policies, or null
 * @param problems the problems, empty when the file is valid or unreadable
 */
record Checked(InputFile file, SeawallConfig config, List<Policy> policies, List<ConfigException.Problem> problems) {

    static Checked of(String arg, Function<String, String> environment) {
        InputFile file = InputFile.read(arg);
        if (!file.readable()) {
            return new Checked(file, null, null, List.of());
        }
        try {
            SeawallConfig config = ConfigLoader.parse(file.name(), file.text(), environment);
            List<Policy> policies = PolicyFactory.policies(config, new PolicyFactory.Context(NanoClock.system(),
                    new SimpleMeterRegistry(), null));
            return new Checked(file, config, policies, List.of());
        } catch (ConfigException e) {
            return new Checked(file, null, null, e.problems());
        } catch (RuntimeException e) {
            // a builder's refusal outside the loader: report the kind, never a stack trace
            return new Checked(file, null, null, List.of(new ConfigException.Problem(file.name(), 0, "",
                    "refused while building the policies (" + e.getClass().getSimpleName() + ")")));
        }
    }

    boolean valid() {
        return config != null;
    }
}
