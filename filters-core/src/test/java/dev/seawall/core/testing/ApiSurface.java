package dev.seawall.core.testing;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of one module, read by reflection from its compiled classes: every public or protected type of
 * its exported packages (all but {@code ..internal..}), with its public and protected constructors, methods and
 * fields, signatures written out in full and sorted. Two uses:
 *
 * <ul>
 *   <li>{@link #assertMatchesSnapshot(String)}: the API snapshot test. The rendering is compared with the committed
 *       {@code src/test/resources/api/<module>.api}; a difference fails with both texts' differing lines and the
 *       command that rewrites the file ({@code -Dseawall.api.update=true}), so that every change of the public API
 *       is a reviewed line in a diff.</li>
 *   <li>{@link #internalLeaks()}: every place where an exported signature (a supertype, a type parameter's bound,
 *       a member's type, parameter or exception) names a type of an internal package, which would make that
 *       internal type part of the API, or a Seawall type that is not public, which no caller could name.</li>
 * </ul>
 *
 * Declared members only: an inherited member is listed once, on the type that declares it. Not thread-safe; for
 * tests.
 */
public final class ApiSurface {

    /** The system property that makes {@link #assertMatchesSnapshot} rewrite the snapshot instead of failing. */
    public static final String UPDATE_PROPERTY = "seawall.api.update";

    private static final Path SNAPSHOTS = Path.of("src/test/resources/api");

    /** Modifiers that change no caller: how a member is implemented, not what it offers. */
    private static final int IMPLEMENTATION_MODIFIERS = Modifier.SYNCHRONIZED | Modifier.NATIVE | Modifier.STRICT
            | Modifier.TRANSIENT | Modifier.VOLATILE;

    private final String rootPackage;
    private final List<Class<?>> types;

    private ApiSurface(String rootPackage, List<Class<?>> types) {
        this.rootPackage = rootPackage;
        this.types = types;
    }

    /**
     * Reads the API of the module whose compiled classes hold {@code anchor}.
     *
     * @param rootPackage only packages at or below it are read (a module's test-jar neighbours stay out)
     */
    public static ApiSurface of(Class<?> anchor, String rootPackage) {
        Path classes;
        try {
            classes = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException(anchor + " is not loaded from a class directory but from " + classes);
        }
        List<Class<?>> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = classes.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".");
                name = name.substring(0, name.length() - ".class".length());
                if (name.endsWith("package-info") || name.equals("module-info")
                        || !(name.equals(rootPackage) || name.startsWith(rootPackage + "."))) {
                    continue;
                }
                Class<?> c = Class.forName(name, false, anchor.getClassLoader());
                if (exported(c)) {
                    found.add(c);
                }
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot read the classes under " + classes, e);
        }
        found.sort(Comparator.comparing(Class::getName));
        return new ApiSurface(rootPackage, List.copyOf(found));
    }

    /** @return whether {@code packageName} is internal: one of its segments is {@code internal} */
    public static boolean isInternal(String packageName) {
        return ("." + packageName + ".").contains(".internal.");
    }

    private static boolean exported(Class<?> c) {
        if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass() || isInternal(c.getPackageName())) {
            return false;
        }
        for (Class<?> t = c; t != null; t = t.getDeclaringClass()) {
            boolean top = t.getDeclaringClass() == null;
            int m = t.getModifiers();
            if (!(Modifier.isPublic(m) || (!top && Modifier.isProtected(m)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(Member m) {
        return !m.isSynthetic() && (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers()));
    }

    /** @return the exported types, sorted by name */
    public List<Class<?>> types() {
        return types;
    }

    /** @return the API as text: one line per type, then one indented line per member, each group sorted */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("# The public API of the exported packages under ").append(rootPackage)
                .append(", generated by ApiSurface; rewrite with -D").append(UPDATE_PROPERTY).append("=true\n");
        for (Class<?> c : types) {
            out.append('\n').append(typeLine(c)).append('\n');
            for (String member : members(c)) {
                out.append("  ").append(member).append('\n');
            }
        }
        return out.toString();
    }

    private static String typeLine(Class<?> c) {
        int mods = c.getModifiers();
        String kind;
        if (c.isAnnotation()) {
            kind = "@interface";
            mods &= ~(Modifier.INTERFACE | Modifier.ABSTRACT);
        } else if (c.isInterface()) {
            kind = "interface";
            mods &= ~(Modifier.INTERFACE | Modifier.ABSTRACT);
        } else if (c.isEnum()) {
            kind = "enum";
        } else if (c.isRecord()) {
            kind = "record";
        } else {
            kind = "class";
        }
        StringBuilder s = new StringBuilder(Modifier.toString(mods));
        if (c.isSealed()) {
            s.append(" sealed");
        }
        s.append(' ').append(kind).append(' ').append(c.getName()).append(typeParameters(c.getTypeParameters()));
        Type superclass = c.getGenericSuperclass();
        if (superclass != null && superclass != Object.class && superclass != Record.class && !c.isEnum()) {
            s.append(" extends ").append(superclass.getTypeName());
        }
        List<String> interfaces = Arrays.stream(c.getGenericInterfaces()).map(Type::getTypeName)
                .filter(n -> !(c.isAnnotation() && n.equals("java.lang.annotation.Annotation"))).toList();
        if (!interfaces.isEmpty()) {
            s.append(c.isInterface() ? " extends " : " implements ").append(String.join(", ", interfaces));
        }
        return s.toString();
    }

    private static Set<String> members(Class<?> c) {
        Set<String> out = new TreeSet<>();
        for (Field f : c.getDeclaredFields()) {
            if (visible(f)) {
                out.add((f.isEnumConstant() ? "constant " : "field ")
                        + Modifier.toString(f.getModifiers() & ~IMPLEMENTATION_MODIFIERS) + ' '
                        + f.getGenericType().getTypeName() + ' ' + f.getName());
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k)) {
                out.add(Modifier.toString(k.getModifiers()) + ' ' + typeParameters(k.getTypeParameters())
                        + "<init>" + parameters(k) + exceptions(k));
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (visible(m) && !m.isBridge()) {
                int mods = m.getModifiers() & ~IMPLEMENTATION_MODIFIERS;
                if (c.isInterface()) {
                    mods &= ~Modifier.ABSTRACT;
                }
                String prefix = Modifier.toString(mods) + (m.isDefault() ? " default" : "");
                String typeParams = typeParameters(m.getTypeParameters());
                Object byDefault = m.getDefaultValue();
                out.add(prefix + ' ' + (typeParams.isEmpty() ? "" : typeParams + ' ')
                        + m.getGenericReturnType().getTypeName() + ' ' + m.getName() + parameters(m) + exceptions(m)
                        + (byDefault == null ? "" : " default " + annotationValue(byDefault)));
            }
        }
        return out;
    }

    /** An annotation element's default as source would write it: arrays in braces, classes by name. */
    private static String annotationValue(Object value) {
        if (value instanceof Class<?> c) {
            return c.getName() + ".class";
        }
        if (value instanceof String text) {
            return '"' + text + '"';
        }
        if (value.getClass().isArray()) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < java.lang.reflect.Array.getLength(value); i++) {
                items.add(annotationValue(java.lang.reflect.Array.get(value, i)));
            }
            return "{" + String.join(", ", items) + "}";
        }
        return String.valueOf(value);
    }

    private static String typeParameters(TypeVariable<?>[] variables) {
        if (variables.length == 0) {
            return "";
        }
        return Arrays.stream(variables).map(v -> {
            List<String> bounds = Arrays.stream(v.getBounds()).filter(b -> b != Object.class)
                    .map(Type::getTypeName).toList();
            return bounds.isEmpty() ? v.getName() : v.getName() + " extends " + String.join(" & ", bounds);
        }).collect(Collectors.joining(", ", "<", ">"));
    }

    private static String parameters(Executable e) {
        Type[] types = e.getGenericParameterTypes();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            String n = types[i].getTypeName();
            if (e.isVarArgs() && i == types.length - 1 && n.endsWith("[]")) {
                n = n.substring(0, n.length() - 2) + "...";
            }
            names.add(n);
        }
        return "(" + String.join(", ", names) + ")";
    }

    private static String exceptions(Executable e) {
        Type[] thrown = e.getGenericExceptionTypes();
        return thrown.length == 0 ? ""
                : " throws " + Arrays.stream(thrown).map(Type::getTypeName).sorted().collect(Collectors.joining(", "));
    }

    /**
     * @return one entry per exported signature that names an internal type, as {@code Type: what (internal type)},
     *         sorted
     */
    public List<String> internalLeaks() {
        Set<String> leaks = new TreeSet<>();
        for (Class<?> c : types) {
            String t = c.getName();
            List<Type> supertypes = new ArrayList<>(Arrays.asList(c.getGenericInterfaces()));
            if (c.getGenericSuperclass() != null) {
                supertypes.add(c.getGenericSuperclass());
            }
            for (Type s : supertypes) {
                // a package-private superclass is an implementation's shape, its public members inherited as public
                internals(s).stream().filter(i -> !i.startsWith("mentions the non-public"))
                        .forEach(i -> leaks.add(t + ": supertype " + i));
            }
            for (TypeVariable<?> v : c.getTypeParameters()) {
                internals(v).forEach(i -> leaks.add(t + ": type parameter " + v.getName() + " bound " + i));
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f)) {
                    internals(f.getGenericType()).forEach(i -> leaks.add(t + ": field " + f.getName() + " " + i));
                }
            }
            List<Executable> executables = new ArrayList<>(Arrays.asList(c.getDeclaredConstructors()));
            executables.addAll(Arrays.asList(c.getDeclaredMethods()));
            for (Executable e : executables) {
                if (!visible(e) || (e instanceof Method m && m.isBridge())) {
                    continue;
                }
                List<Type> mentioned = new ArrayList<>(Arrays.asList(e.getGenericParameterTypes()));
                mentioned.addAll(Arrays.asList(e.getGenericExceptionTypes()));
                mentioned.addAll(Arrays.asList(e.getTypeParameters()));
                if (e instanceof Method m) {
                    mentioned.add(m.getGenericReturnType());
                }
                String name = (e instanceof Constructor ? "<init>" : e.getName()) + parameters(e);
                for (Type m : mentioned) {
                    internals(m).forEach(i -> leaks.add(t + ": " + name + " " + i));
                }
            }
        }
        return List.copyOf(leaks);
    }

    private static Set<String> internals(Type type) {
        Set<String> found = new TreeSet<>();
        collectInternals(type, found, new HashSet<>());
        return found;
    }

    private static void collectInternals(Type type, Set<String> found, Set<TypeVariable<?>> seen) {
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (!c.isPrimitive() && isInternal(c.getPackageName())) {
                found.add("mentions " + c.getName());
            } else if (!c.isPrimitive() && c.getName().startsWith("dev.seawall.") && !exported(c)) {
                // a caller could not name it: the member belongs to the package, or the type to the API
                found.add("mentions the non-public " + c.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            collectInternals(p.getRawType(), found, seen);
            if (p.getOwnerType() != null) {
                collectInternals(p.getOwnerType(), found, seen);
            }
            for (Type a : p.getActualTypeArguments()) {
                collectInternals(a, found, seen);
            }
        } else if (type instanceof GenericArrayType g) {
            collectInternals(g.getGenericComponentType(), found, seen);
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                collectInternals(b, found, seen);
            }
            for (Type b : w.getLowerBounds()) {
                collectInternals(b, found, seen);
            }
        } else if (type instanceof TypeVariable<?> v && seen.add(v)) {
            for (Type b : v.getBounds()) {
                collectInternals(b, found, seen);
            }
        }
    }

    /**
     * Compares {@link #render()} with the committed {@code src/test/resources/api/<module>.api} (relative to the
     * module's directory, where Surefire runs), or rewrites that file when {@code -Dseawall.api.update=true}.
     *
     * @throws AssertionError when they differ, naming the lines and the command that updates the snapshot
     */
    public void assertMatchesSnapshot(String module) {
        Path file = SNAPSHOTS.resolve(module + ".api");
        String actual = render();
        try {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual, StandardCharsets.UTF_8);
                return;
            }
            String expected = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            if (expected.equals(actual)) {
                return;
            }
            throw new AssertionError("The public API of " + module + " differs from " + file.toAbsolutePath()
                    + ".\nIf the change is intended, rewrite the snapshot and commit it with the change:\n"
                    + "  mvn -o -B -q test -pl " + module + " -am -Dtest=ApiSnapshotTest"
                    + " -Dsurefire.failIfNoSpecifiedTests=false -D" + UPDATE_PROPERTY + "=true\n"
                    + difference(expected, actual));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or write " + file.toAbsolutePath(), e);
        }
    }

    /** The lines only one side has, each member with its type, marked {@code -} (snapshot) and {@code +} (classes). */
    private static String difference(String expected, String actual) {
        List<String> before = qualified(expected);
        List<String> after = qualified(actual);
        Set<String> beforeSet = new HashSet<>(before);
        Set<String> afterSet = new HashSet<>(after);
        StringBuilder s = new StringBuilder();
        before.stream().filter(l -> !afterSet.contains(l)).forEach(l -> s.append("- ").append(l).append('\n'));
        after.stream().filter(l -> !beforeSet.contains(l)).forEach(l -> s.append("+ ").append(l).append('\n'));
        return s.toString();
    }

    /** A rendering's type lines as they are, and its member lines as {@code type line :: member}. */
    private static List<String> qualified(String rendering) {
        List<String> out = new ArrayList<>();
        String type = "";
        for (String line : rendering.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("  ")) {
                out.add(type + " :: " + line.strip());
            } else {
                type = line;
                out.add(line);
            }
        }
        return out;
    }
}
