package dev.seawall.jaxrs;

import org.glassfish.jersey.internal.inject.Binder;
import org.glassfish.jersey.internal.inject.Binding;
import org.glassfish.jersey.server.spi.internal.ResourceMethodInvocationHandlerProvider;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;

/**
 * Binds {@link ParkedInvocations} as a {@link ResourceMethodInvocationHandlerProvider} in Jersey's injection manager,
 * on Jersey 3.1 and on Jersey 4.0. The provider is not a JAX-RS provider contract, so Jersey only takes it as a
 * binding; how a binding is made differs between the two generations:
 * <ul>
 *   <li>Jersey 3.1: its own {@code org.glassfish.jersey.internal.inject.AbstractBinder}, which works with any
 *       injection manager (HK2 or CDI SE). A plain {@link Binder} is refused there (Jersey's composite binder only
 *       takes {@code AbstractBinder}s).</li>
 *   <li>Jersey 4.0 removed that class (and made its instance binding non-public); instance bindings are made by
 *       {@code org.glassfish.jersey.inject.hk2.Bindings} in {@code jersey-hk2}, Jersey 4's injection manager, which
 *       takes a plain {@link Binder}.</li>
 * </ul>
 * This module compiles against Jersey 3.1; the Jersey 3 binder lives in a nested class that Jersey 4 never loads, and
 * the Jersey 4 factory is found by name. Neither found: the feature fails to configure, loudly.
 *
 * <p>Immutable and thread-safe.
 */
final class ParkingBinder implements Binder {

    static final String JERSEY3_BINDER = "org.glassfish.jersey.internal.inject.AbstractBinder";
    static final String JERSEY4_BINDINGS = "org.glassfish.jersey.inject.hk2.Bindings";

    private final ParkedInvocations parking;

    private ParkingBinder(ParkedInvocations parking) {
        this.parking = parking;
    }

    /** @return what to register with the feature context on the Jersey this runs on */
    static Object forThisJersey(ParkedInvocations parking) {
        try {
            Class.forName(JERSEY3_BINDER, false, Binder.class.getClassLoader());
            return Jersey3.binder(parking);
        } catch (ClassNotFoundException | LinkageError jersey4) {
            return new ParkingBinder(parking);
        }
    }

    /** Loaded only where Jersey 3's {@code AbstractBinder} exists. */
    private static final class Jersey3 {
        static Object binder(ParkedInvocations parking) {
            return new org.glassfish.jersey.internal.inject.AbstractBinder() {
                @Override
                protected void configure() {
                    bind(parking).to(ResourceMethodInvocationHandlerProvider.class);
                }
            };
        }
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Collection<Binding> getBindings() {
        Binding binding;
        try {
            Method service = Class.forName(JERSEY4_BINDINGS, true, Binder.class.getClassLoader())
                    .getMethod("service", Object.class);
            binding = (Binding) service.invoke(null, parking);
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException
                 | InvocationTargetException | LinkageError e) {
            throw new IllegalStateException("Seawall: cannot bind its invocation handler in Jersey's injection manager:"
                    + " neither " + JERSEY3_BINDER + " (Jersey 3) nor " + JERSEY4_BINDINGS + " (Jersey 4, jersey-hk2)"
                    + " is usable", e);
        }
        binding.to(ResourceMethodInvocationHandlerProvider.class);
        return List.of(binding);
    }
}
