package dev.seawall.e2e.container;

import io.undertow.Undertow;
import io.undertow.Version;
import io.undertow.security.idm.Account;
import io.undertow.security.idm.Credential;
import io.undertow.security.idm.IdentityManager;
import io.undertow.security.idm.PasswordCredential;
import io.undertow.server.handlers.CanonicalPathHandler;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.FilterInfo;
import io.undertow.servlet.api.LoginConfig;
import io.undertow.servlet.api.SecurityConstraint;
import io.undertow.servlet.api.ServletInfo;
import io.undertow.servlet.api.WebResourceCollection;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.DispatcherType;
import org.xnio.Options;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.Set;

/**
 * Embedded Undertow 2.3 (undertow-servlet) with one I/O thread and a sized worker pool. As in WildFly, request paths
 * are made canonical ({@code .} and {@code ..} segments resolved) before the servlet deployment routes them: the
 * builder alone passes them on as sent. Filters are initialised at start-up (Undertow's default is on first use), so
 * a failing filter fails the start as on Jetty and Tomcat.
 * Embedded Undertow reads no web.xml: {@link WebXml} turns one into a {@link Deployment}. Thread-safe once started.
 */
final class UndertowContainer implements ServletContainer {

    private final Undertow server;
    private final DeploymentManager manager;

    private UndertowContainer(Undertow server, DeploymentManager manager) {
        this.server = server;
        this.manager = manager;
    }

    static ServletContainer start(Deployment d) throws Exception {
        ClassLoader loader = UndertowContainer.class.getClassLoader();
        DeploymentInfo info = Servlets.deployment()
                .setClassLoader(loader)
                .setContextPath("/")
                .setDeploymentName("e2e")
                .setEagerFilterInit(true);
        if (d.resources() != null) {
            info.setResourceManager(new ClassPathResourceManager(loader, d.resources()));
        }
        if (d.realm() != null) {
            info.setLoginConfig(new LoginConfig("BASIC", d.realm()));
            info.setIdentityManager(new TestUsers());
            for (Deployment.Constraint c : d.constraints()) {
                info.addSecurityConstraint(new SecurityConstraint()
                        .addWebResourceCollection(new WebResourceCollection().addUrlPattern(c.urlPattern()))
                        .addRoleAllowed(c.role()));
                info.addSecurityRole(c.role());
            }
        }
        for (Deployment.FilterSpec f : d.filters()) {
            FilterInfo filter = f.instance() != null
                    ? new FilterInfo(f.name(), f.type(), new ImmediateInstanceFactory<>(f.instance()))
                    : new FilterInfo(f.name(), f.type());
            filter.setAsyncSupported(f.asyncSupported());
            f.initParams().forEach(filter::addInitParam);
            info.addFilter(filter);
            for (String pattern : f.urlPatterns()) {
                for (DispatcherType type : f.dispatchers()) {
                    info.addFilterUrlMapping(f.name(), pattern, type);
                }
            }
        }
        for (Deployment.ServletSpec s : d.servlets()) {
            ServletInfo servlet = s.instance() != null
                    ? new ServletInfo(s.name(), s.type(), new ImmediateInstanceFactory<>(s.instance()))
                    : new ServletInfo(s.name(), s.type());
            servlet.setAsyncSupported(s.asyncSupported());
            servlet.setLoadOnStartup(s.loadOnStartup() >= 0 ? s.loadOnStartup() : null);
            s.initParams().forEach(servlet::addInitParam);
            servlet.addMappings(s.urlPatterns());
            info.addServlet(servlet);
        }
        // a container of its own: the shared default one would refuse a second deployment of the same name
        DeploymentManager manager = Servlets.newContainer().addDeployment(info);
        manager.deploy();
        Undertow server;
        try {
            server = Undertow.builder()
                    .addHttpListener(0, "127.0.0.1")
                    .setIoThreads(1)
                    .setWorkerThreads(d.workerThreads())
                    .setWorkerOption(Options.WORKER_NAME, POOL_THREAD_PREFIX)
                    .setHandler(new CanonicalPathHandler(manager.start()))
                    .build();
            server.start();
        } catch (Exception e) {
            manager.undeploy();
            throw e;
        }
        return new UndertowContainer(server, manager);
    }

    /** {@link Deployment#USERS}, all in {@link Deployment#ROLE}. Stateless. */
    private static final class TestUsers implements IdentityManager {
        @Override
        public Account verify(Account account) {
            return account;
        }

        @Override
        public Account verify(String id, Credential credential) {
            String password = Deployment.USERS.get(id);
            if (password == null || !(credential instanceof PasswordCredential given)
                    || !password.equals(new String(given.getPassword()))) {
                return null;
            }
            Principal principal = () -> id;
            return new Account() {
                @Override
                public Principal getPrincipal() {
                    return principal;
                }

                @Override
                public Set<String> getRoles() {
                    return Set.of(Deployment.ROLE);
                }
            };
        }

        @Override
        public Account verify(Credential credential) {
            return null;
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public int busyThreads() {
        return server.getWorker().getMXBean().getBusyWorkerThreadCount();
    }

    @Override
    public String containerName() {
        return "undertow-" + Version.getVersionString();
    }

    @Override
    public void stop() throws Exception {
        try {
            server.stop();
        } finally {
            manager.stop();
            manager.undeploy();
        }
    }
}
