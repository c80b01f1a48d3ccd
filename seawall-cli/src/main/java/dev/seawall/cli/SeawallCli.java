package dev.seawall.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code seawall-cli}: checks a {@code seawall.yaml} before it ships ({@code validate}), tells which policy a request
 * gets and what it runs ({@code explain}), and what a reload would keep, reset or refuse ({@code diff}). Exit
 * statuses (docs/operations/cli.md): {@value #OK} success, {@value #INVALID} a file is invalid (or a reload would
 * be refused), {@value #USAGE} a usage error or a file that cannot be read.
 *
 * <p>One instance per run; not thread-safe.
 */
@Command(name = "seawall-cli", mixinStandardHelpOptions = true, versionProvider = SeawallCli.Version.class,
        description = "Checks Seawall configuration files before they ship.",
        subcommands = {ValidateCommand.class, ExplainCommand.class, DiffCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:success", "1:a file is invalid, or a reload would be refused",
                "2:usage error, or a file cannot be read"})
public final class SeawallCli implements Runnable {

    /** Success: every file is valid. */
    public static final int OK = 0;
    /** A file is invalid, or a reload would be refused. */
    public static final int INVALID = 1;
    /** A usage error, or a file that cannot be read. */
    public static final int USAGE = 2;

    private final Function<String, String> environment;
    private final PrintWriter out;

    SeawallCli(Function<String, String> environment, PrintWriter out) {
        this.environment = environment;
        this.out = out;
    }

    Function<String, String> environment() {
        return environment;
    }

    @Override
    public void run() {
        // no command: the usage, as a usage error
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required");
    }

    PrintWriter out() {
        return out;
    }

    public static void main(String[] args) {
        System.exit(run(System::getenv, System.out, System.err, args));
    }

    /**
     * Runs one command line.
     *
     * @param environment the variables {@code ${NAME}} references read (the process environment in {@link #main})
     * @return the exit status
     */
    public static int run(Function<String, String> environment, PrintStream out, PrintStream err, String... args) {
        Objects.requireNonNull(environment, "environment");
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cl = new CommandLine(new SeawallCli(environment, o));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(o);
        cl.setErr(e);
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? USAGE : INVALID);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // never a stack trace: the kind of failure is enough to report it
            line.getErr().println("seawall-cli: internal error (" + ex.getClass().getSimpleName() + ")");
            return USAGE;
        });
        int status = cl.execute(args);
        o.flush();
        e.flush();
        return status;
    }

    /** The version from the jar's manifest, when there is one. Stateless. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SeawallCli.class.getPackage().getImplementationVersion();
            return new String[] {"seawall-cli " + (v == null ? "(development build)" : v)};
        }
    }
}
