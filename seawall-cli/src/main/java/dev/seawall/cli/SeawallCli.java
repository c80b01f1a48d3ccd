package dev.seawall.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private URLClassLoader classes;

    @Option(names = "--class-path", paramLabel = "PATH",
            description = "jars and directories holding the application's fallback handler classes, separated by"
                    + " the platform's path separator; without it a handler class is checked as a name only")
    private String classPath;

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

    /** The class loader fallback handlers are loaded from: the tool's own, plus {@code --class-path}. */
    ClassLoader classes() {
        if (classPath == null || classPath.isBlank()) {
            return SeawallCli.class.getClassLoader();
        }
        if (classes == null) {
            List<URL> urls = new ArrayList<>();
            for (String entry : classPath.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
                if (entry.isBlank()) {
                    continue;
                }
                try {
                    urls.add(Path.of(entry).toUri().toURL());
                } catch (MalformedURLException | RuntimeException e) {
                    throw new CommandLine.ParameterException(new CommandLine(this),
                            "--class-path holds an entry that is not a path");
                }
            }
            classes = new URLClassLoader(urls.toArray(new URL[0]), SeawallCli.class.getClassLoader());
        }
        return classes;
    }

    private void close() {
        if (classes != null) {
            try {
                classes.close();
            } catch (IOException e) {
                // the run is over: nothing depends on the loader any more
            }
        }
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
        SeawallCli cli = new SeawallCli(environment, o);
        CommandLine cl = new CommandLine(cli);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(o);
        cl.setErr(e);
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? USAGE : INVALID);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // never a stack trace: the kind of failure is enough to report it
            line.getErr().println("seawall-cli: internal error (" + ex.getClass().getSimpleName() + ")");
            return USAGE;
        });
        int status;
        try {
            status = cl.execute(args);
        } finally {
            cli.close();
        }
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
